"""The builders behind the options of :mod:`.components`, and the record they pass along.

Each builder takes the :class:`Parts` the earlier components built and returns them with
its own piece added; :func:`.components.recompose` runs one builder per component. This
module is private: use :data:`.components.OPTIONS` and :func:`.components.recompose`.

Example:
    >>> from anatomy.ir.build import axes
    >>> p = proj_none(Parts(axes={a.name: a for a in axes("i:n j:m d:dk e:dv")}))
    >>> str(score_scaled_dot(p).scores)
    'sum_d(Q[i, d] * K[j, d]) / sqrt(dk)'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from ..errors import UsageError
from ..ir import build as b
from ..ir.term import Axis, Term

DOC = "docs/reference/catalogue.md"

@dataclasses.dataclass(frozen=True)
class Parts:
    """What the options built so far: a record passed from one component to the next.

    Parameters:
        axes: the declared axes by name (the sizes every builder uses).
        query, key, feature, key_feature, value: the names of the query axis, the key
            axis, the query and key feature axes and the value feature axis.
        heads: head-like axes carried through to the output (``("h",)``, ``("g", "r")``).
        x: the token stream, for options that read it directly (Synthesizer).
        q, k, v: queries, keys and values.
        logit: a term added to the query-key product before the temperature (Transformer-XL).
        bias: a term added to the scores after the temperature (ALiBi, T5).
        factor: a term multiplying the unnormalised weights (decays, cos re-weighting).
        decay: the per-step decay of a recurrent state (RetNet, GLA), along the query axis.
        step: a state space model's discretisation step Delta (Mamba-2).
        fq, fk, kernel: feature maps of a factorised score and their feature axis.
        scores, mask, normaliser, weights, out: the stages after the score.
    """

    axes: Mapping[str, Axis]
    query: str = "i"
    key: str = "j"
    feature: str = "d"
    key_feature: str = "d"
    value: str = "e"
    heads: tuple[str, ...] = ()
    x: Term | None = None
    q: Term | None = None
    k: Term | None = None
    v: Term | None = None
    logit: Term | None = None
    bias: Term | None = None
    factor: Term | None = None
    decay: Term | None = None
    step: Term | None = None
    fq: Term | None = None
    fk: Term | None = None
    kernel: str | None = None
    scores: Term | None = None
    mask: Term | None = None
    normaliser: str = ""
    weights: Term | None = None
    out: Term | None = None

    def ax(self, name: str) -> Axis:
        """The declared axis ``name``; a :class:`UsageError` when it is not declared."""
        if name not in self.axes:
            raise UsageError(f"this option needs an axis {name!r}, which is not declared",
                             hint=f"declare it (axes {name}: SIZE); declared: {', '.join(self.axes)}", doc=DOC)
        return self.axes[name]

    def axs(self, names: str) -> tuple[Axis, ...]:
        """The declared axes named in ``names`` (separated by spaces)."""
        return tuple(self.ax(n) for n in names.split())


def _need(ok: bool, message: str, hint: str) -> None:
    if not ok:
        raise UsageError(message, hint=hint, doc=DOC)


def _set(p: Parts, **changes) -> Parts:
    return dataclasses.replace(p, **changes)


def _at(term: Term, old: str, new: str) -> Term:
    """``term`` with the axis ``old`` renamed to ``new`` (read at another position)."""
    return term.rename({old: new})


PI = math.pi


# == projection: where queries, keys and values come from =============================


def proj_none(p: Parts) -> Parts:
    i, j, d, e = p.axs("i j d e")
    return _set(p, q=b.tensor("Q", i, d), k=b.tensor("K", j, d), v=b.tensor("V", j, e))


def proj_per_head(p: Parts) -> Parts:
    h, i, j, d, e = p.axs("h i j d e")
    return _set(p, q=b.tensor("Q", h, i, d), k=b.tensor("K", h, j, d), v=b.tensor("V", h, j, e), heads=("h",))


def proj_keys_as_values(p: Parts) -> Parts:
    i, j, d, e = p.axs("i j d e")
    k = b.tensor("K", j, e)
    return _set(p, q=b.tensor("Q", i, d), k=k, v=k, key_feature="e")


def proj_elementwise(p: Parts) -> Parts:
    i, j, e = p.axs("i j e")
    return _set(p, q=b.tensor("Q", i, e), k=b.tensor("K", j, e), v=b.tensor("V", j, e), feature="e",
                key_feature="e")


def proj_identity(p: Parts) -> Parts:
    i, j, x = p.axs("i j x")
    X = b.tensor("X", i, x)
    return _set(p, x=X, q=X, k=X[j, x], v=X[j, x], feature="x", key_feature="x", value="x")


def proj_single(p: Parts) -> Parts:
    i, j, x, d, e = p.axs("i j x d e")
    X = b.tensor("X", i, x)
    return _set(p, x=X, q=b.linear(X, b.param("Wq", x, d), x), k=b.linear(X[j, x], b.param("Wk", x, d), x),
                v=b.linear(X[j, x], b.param("Wv", x, e), x))


def proj_values_only(p: Parts) -> Parts:
    i, j, x, e = p.axs("i j x e")
    X = b.tensor("X", i, x)
    return _set(p, x=X, v=b.linear(X[j, x], b.param("Wv", x, e), x))


def _heads(p: Parts, source: Term, kv_source: Term) -> Parts:
    x, c, h, d, e = p.axs("x c h d e")
    q = b.split(b.linear(source, b.param("Wq", x, c), x), c, h, d)
    k = b.split(b.linear(kv_source, b.param("Wk", x, c), x), c, h, d)
    v = b.split(b.linear(kv_source, b.param("Wv", x, c), x), c, h, e)
    return _set(p, q=q, k=k, v=v, heads=("h",))


def proj_multi_head(p: Parts) -> Parts:
    i, j, x = p.axs("i j x")
    X = b.tensor("X", i, x)
    return _heads(p, X, X[j, x])


def proj_cross(p: Parts) -> Parts:
    i, j, x = p.axs("i j x")
    return _heads(p, b.tensor("X", i, x), b.tensor("Y", j, x))


def proj_multi_query(p: Parts) -> Parts:
    i, j, x, c, h, d, e = p.axs("i j x c h d e")
    X = b.tensor("X", i, x)
    q = b.split(b.linear(X, b.param("Wq", x, c), x), c, h, d)
    return _set(p, q=q, k=b.linear(X[j, x], b.param("Wk", x, d), x), v=b.linear(X[j, x], b.param("Wv", x, e), x),
                heads=("h",))


def proj_grouped_query(p: Parts) -> Parts:
    i, j, x, c, ckv, g, r, d, e = p.axs("i j x c ckv g r d e")
    X = b.tensor("X", i, x)
    q = b.split(b.linear(X, b.param("Wq", x, c), x), c, g, r, d)
    k = b.split(b.linear(X[j, x], b.param("Wk", x, ckv), x), ckv, g, d)
    v = b.split(b.linear(X[j, x], b.param("Wv", x, ckv), x), ckv, g, e)
    return _set(p, q=q, k=k, v=v, heads=("g", "r"))


def proj_latent(p: Parts) -> Parts:
    i, j, x, a, bb, c, h, d, e = p.axs("i j x a b c h d e")
    X = b.tensor("X", i, x)
    cq = b.linear(X, b.param("Wdq", x, a), x)
    ckv = b.linear(X[j, x], b.param("Wdkv", x, bb), x)
    q = b.split(b.linear(cq, b.param("Wuq", a, c), a), c, h, d)
    k = b.split(b.linear(ckv, b.param("Wuk", bb, c), bb), c, h, d)
    v = b.split(b.linear(ckv, b.param("Wuv", bb, c), bb), c, h, e)
    return _set(p, q=q, k=k, v=v, heads=("h",))


def proj_split_pairs(p: Parts) -> Parts:
    i, j, x, c, u, d, e = p.axs("i j x c u d e")
    X = b.tensor("X", i, x)
    q = b.split(b.linear(X, b.param("Wq", x, c), x), c, u, d)
    k = b.split(b.linear(X[j, x], b.param("Wk", x, c), x), c, u, d)
    return _set(p, q=q, k=k, v=b.linear(X[j, x], b.param("Wv", x, e), x), heads=("u",))


def proj_length_compressed(p: Parts) -> Parts:
    i, j, pp, x, d, e = p.axs("i j p x d e")
    X = b.tensor("X", i, x)
    k = b.contract(b.param("E", pp, j), b.linear(X[j, x], b.param("Wk", x, d), x), j)
    v = b.contract(b.param("F", pp, j), b.linear(X[j, x], b.param("Wv", x, e), x), j)
    return _set(p, x=X, q=b.linear(X, b.param("Wq", x, d), x), k=k, v=v, key="p")


def proj_zero_sink(p: Parts) -> Parts:
    p = proj_none(p)
    j, k = p.axs("j k")
    return _set(p, k=b.concat([p.k, 0], j, k), v=b.concat([p.v, 0], j, k), key="k")


def proj_ssd(p: Parts) -> Parts:
    i, j, d, e = p.axs("i j d e")
    delta = b.softplus(b.tensor("dt", j) + b.param("dtb"))
    return _set(p, q=b.tensor("C", i, d), k=b.tensor("B", j, d), v=delta * b.tensor("X", j, e), step=delta)


# == position: how positions enter =====================================================


def pos_none(p: Parts) -> Parts:
    return p


def pos_alibi(p: Parts) -> Parts:
    h, i, j = p.axs("h i j")
    slope = b.exp(b.const(-8) * (b.index(h) + 1) / b.dim(h) * b.log(b.const(2)))
    return _set(p, bias=b.alibi(i, j, slope))


def _pair_axes(p: Parts) -> tuple[Axis, Axis, Axis, Axis]:
    return p.axs(f"{p.feature} p u w")


def _rotate(p: Parts, t: Term, at: str, theta: Term, scale: Term | None = None) -> Term:
    """Rotate each feature pair (2p, 2p+1) of ``t`` by the angle ``position * theta_p``."""
    d, pp, u, w = _pair_axes(p)
    pos = b.index(p.ax(at))
    t2 = b.split(t, d, pp, u)
    partner = b.where(b.index(w).eq(1 - b.index(u)), t2.rename(u="w"), 0).sum("w")
    rot = t2 * b.cos(pos * theta) + (2 * b.index(u) - 1) * partner * b.sin(pos * theta)
    return b.merge(rot if scale is None else scale * rot, pp, u, into=d)


def _rope_theta(p: Parts) -> Term:
    d, pp, _, _ = _pair_axes(p)
    return b.exp(b.const(-2) * b.index(pp) / b.dim(d) * b.log(b.const(10000)))


def pos_rope(p: Parts) -> Parts:
    theta = _rope_theta(p)
    return _set(p, q=_rotate(p, p.q, p.query, theta), k=_rotate(p, p.k, p.key, theta))


def pos_xpos(p: Parts) -> Parts:
    d, pp, _, _ = _pair_axes(p)
    theta = _rope_theta(p)
    zeta = (2 * b.index(pp) + 0.4 * b.dim(d)) / (1.4 * b.dim(d))
    up = b.exp(b.index(p.ax(p.query)) / 512 * b.log(zeta))
    down = b.exp(-b.index(p.ax(p.key)) / 512 * b.log(zeta))
    return _set(p, q=_rotate(p, p.q, p.query, theta, up), k=_rotate(p, p.k, p.key, theta, down))


def pos_shaw(p: Parts) -> Parts:
    i, j, r, d, e = p.axs("i j r d e")
    clip = b.dim("L")
    rel = b.minimum(2 * clip, b.maximum(0, b.index(j) - b.index(i) + clip))
    row = b.index(r).eq(rel)
    a_k = b.where(row, b.param("wK", r, d), 0).sum("r")
    a_v = b.where(row, b.param("wV", r, e), 0).sum("r")
    return _set(p, k=p.k + a_k, v=p.v + a_v)


def pos_transformer_xl(p: Parts) -> Parts:
    i, j, d, g, f = p.axs("i j d g f")
    w = b.exp(-b.index(g) / b.dim(g) * b.log(b.const(10000)))
    offset = b.index(i) - b.index(j)
    r = b.concat([b.sin(offset * w), b.cos(offset * w)], g, f)
    rk = b.contract(r, b.param("Wr", f, d), f)
    u, vr = b.param("u", d), b.param("vr", d)
    logit = b.contract(p.q, rk, d) + b.contract(u, p.k, d) + b.contract(vr, rk, d)
    return _set(p, logit=logit)


T5_THRESHOLDS = (12, 16, 23, 32, 46, 64, 91)
"""Bidirectional T5 buckets past the 8 exact ones: bucket 8 + t from distance ceil(8 * 2^(t/2))."""


def pos_t5(p: Parts) -> Parts:
    h, i, j, r = p.axs("h i j r")
    a = b.abs_(b.index(i) - b.index(j))
    far: Term = b.const(8)
    for t in T5_THRESHOLDS:
        far = far + b.where(a.ge(t), 1, 0)
    bucket = b.where(b.index(j).gt(b.index(i)), 16, 0) + b.where(a.lt(8), a, far)
    bias = b.where(b.index(r).eq(bucket), b.param("tb", r, h), 0).sum("r")
    return _set(p, bias=bias)


def pos_retention(p: Parts) -> Parts:
    h, i, j = p.axs("h i j")
    theta = b.tensor("theta", p.ax("p"))
    gamma = 1 - b.exp(-(5 + b.index(h)) * b.log(b.const(2)))
    factor = b.exp((b.index(i) - b.index(j)) * b.log(gamma))
    return _set(p, q=_rotate(p, p.q, p.query, theta), k=_rotate(p, p.k, p.key, theta), factor=factor,
                decay=gamma)


def pos_selective_decay(p: Parts) -> Parts:
    _need(p.step is not None, "selective-decay needs a discretisation step", "use the projection 'ssd'")
    i, k = p.axs("i k")
    log_a = -b.exp(b.param("Alog")) * p.step
    cum = b.where(b.index(k).le(b.index(i)), _at(log_a, "j", "k"), 0).sum("k")
    return _set(p, factor=b.exp(cum - _at(cum, "i", "j")), decay=b.exp(_at(log_a, "j", "i")))


def pos_gated_decay(p: Parts) -> Parts:
    j, d = p.axs("j d")
    alpha = b.exp(b.log(b.sigmoid(b.tensor("A", j, d))) / 16)
    return _set(p, decay=_at(alpha, "j", "i"))


def pos_cos_reweighting(p: Parts) -> Parts:
    i, j = p.ax(p.query), p.ax(p.key)
    return _set(p, factor=b.cos(b.const(PI) / 2 * (b.index(i) - b.index(j)) / b.dim(i)))


def pos_pairwise_bias(p: Parts) -> Parts:
    return _set(p, bias=b.param("w", p.ax(p.query), p.ax(p.key)))


# == score: how a query meets a key ====================================================


def _k_on_q_features(p: Parts) -> Term:
    return p.k if p.key_feature == p.feature else p.k.rename({p.key_feature: p.feature})


def _finish(p: Parts, s: Term, **changes) -> Parts:
    return _set(p, scores=s + p.bias if p.bias is not None else s, **changes)


def _dot(p: Parts) -> Term:
    s = b.contract(p.q, _k_on_q_features(p), p.feature)
    return s + p.logit if p.logit is not None else s


def score_dot(p: Parts) -> Parts:
    return _finish(p, _dot(p))


def score_scaled_dot(p: Parts) -> Parts:
    return _finish(p, _dot(p) / b.sqrt(b.dim(p.ax(p.feature))))


def score_inverse_temperature(p: Parts) -> Parts:
    return _finish(p, b.tensor("beta") * _dot(p))


def score_bilinear(p: Parts) -> Parts:
    d, e = p.ax(p.feature), p.ax(p.key_feature)
    return _finish(p, b.contract(p.q, b.contract(b.param("W", d, e), p.k, e), d))


def score_additive(p: Parts) -> Parts:
    d, e, a = p.axs(f"{p.feature} {p.key_feature} a")
    hidden = b.tanh(b.contract(p.q, b.param("Wq", d, a), d) + b.contract(p.k, b.param("Wk", e, a), e))
    return _finish(p, b.contract(b.param("v", a), hidden, a))


def score_concat(p: Parts) -> Parts:
    d, c, a = p.axs(f"{p.feature} c a")
    pair = b.concat([p.q, _k_on_q_features(p)], d, c)
    hidden = b.tanh(b.contract(b.param("W", c, a), pair, c))
    return _finish(p, b.contract(b.param("v", a), hidden, a))


def score_cosine(p: Parts) -> Parts:
    d = p.feature
    return _finish(p, b.param("g") * b.contract(b.normalize(p.q, d), b.normalize(_k_on_q_features(p), d), d))


def score_l2(p: Parts) -> Parts:
    diff = p.q - _k_on_q_features(p)
    return _finish(p, -(diff * diff).sum(p.feature) / b.sqrt(b.dim(p.ax(p.feature))))


def score_squared_dot(p: Parts) -> Parts:
    s = _dot(p)
    return _finish(p, s * s)


def _factorised(p: Parts, fq: Term, fk: Term, kernel: str) -> Parts:
    return _finish(p, b.contract(fq, fk, kernel), fq=fq, fk=fk, kernel=kernel)


def score_elu(p: Parts) -> Parts:
    return _factorised(p, b.elu(p.q) + 1, b.elu(p.k) + 1, p.feature)


def score_relu(p: Parts) -> Parts:
    return _factorised(p, b.relu(p.q), b.relu(p.k), p.feature)


def score_favor(p: Parts) -> Parts:
    d, r = p.ax(p.feature), p.ax("r")
    W = b.tensor("W", r, d)

    def phi(t: Term) -> Term:
        ts = t / b.sqrt(b.sqrt(b.dim(d)))
        return b.exp(b.contract(W, ts, d) - b.contract(ts, ts, d) / 2) / b.sqrt(b.dim(r))

    return _factorised(p, phi(p.q), phi(p.k), "r")


def score_softmax_features(p: Parts) -> Parts:
    return _factorised(p, b.softmax(p.q, p.feature), b.softmax(p.k, p.key), p.feature)


def score_synth_dense(p: Parts) -> Parts:
    x, a, j = p.axs(f"x a {p.key}")
    hidden = b.relu(b.linear(p.x, b.param("W1", x, a), x) + b.param("b1", a))
    return _finish(p, b.contract(hidden, b.param("W2", a, j), a) + b.param("b2", j))


def score_synth_random(p: Parts) -> Parts:
    return _finish(p, b.param("R", p.ax(p.query), p.ax(p.key)))


def score_key_only(p: Parts) -> Parts:
    return _finish(p, p.k)


def score_fourier(p: Parts) -> Parts:
    i, j = p.ax(p.query), p.ax(p.key)
    return _finish(p, b.cos(2 * b.const(PI) * b.index(i) * b.index(j) / b.dim(i)))


# == mask: which keys a query sees =====================================================


def mask_none(p: Parts) -> Parts:
    return p


def mask_causal(p: Parts) -> Parts:
    return _set(p, mask=b.causal(p.ax(p.query), p.ax(p.key)))


def mask_sliding_window(p: Parts) -> Parts:
    i, j = p.ax(p.query), p.ax(p.key)
    return _set(p, mask=b.causal(i, j) & b.index(j).gt(b.index(i) - b.dim("W")))


def mask_window_global(p: Parts) -> Parts:
    i, j = p.ax(p.query), p.ax(p.key)
    g = b.tensor("G", j)
    near = b.abs_(b.index(i) - b.index(j)).le(b.dim("W"))
    return _set(p, mask=near | _at(g, "j", "i").gt(0) | g.gt(0))


def mask_strided(p: Parts) -> Parts:
    i, j, bb, c = p.axs(f"{p.query} {p.key} b c")
    off = b.merge(b.index(c) + 0 * b.index(bb), bb, c, into=i)
    local = b.index(j).ge(b.index(i) - b.dim(c))
    return _set(p, mask=b.causal(i, j) & (local | off.eq(_at(off, "i", "j"))))


# == normaliser: how scores become weights =============================================


def _no_factor(p: Parts, name: str) -> None:
    _need(p.factor is None and p.decay is None, f"the normaliser {name!r} takes no multiplicative position factor",
          "use the normaliser 'identity' or 'kernel-sum' with a decaying position")


def _keep(p: Parts, a: Term) -> Term | None:
    """Unnormalised weights: times the position factor, zero outside the mask; ``None``
    when the position only has a recurrent form (a decay without a weight factor)."""
    if p.factor is None and p.decay is not None:
        return None
    a = a * p.factor if p.factor is not None else a
    return b.where(p.mask, a, 0) if p.mask is not None else a


def norm_softmax(p: Parts) -> Parts:
    _no_factor(p, "softmax")
    s = b.masked(p.scores, p.mask) if p.mask is not None else p.scores
    return _set(p, weights=b.softmax(s, p.key), normaliser="softmax")


def norm_softmax_one(p: Parts) -> Parts:
    _no_factor(p, "softmax-plus-one")
    a = _keep(p, b.exp(p.scores))
    return _set(p, weights=a / (1 + a.sum(p.key)), normaliser="softmax-plus-one")


def norm_sigmoid(p: Parts) -> Parts:
    _no_factor(p, "sigmoid")
    return _set(p, weights=_keep(p, b.sigmoid(p.scores - b.log(b.dim(p.ax(p.key))))), normaliser="sigmoid")


def norm_relu(p: Parts) -> Parts:
    _no_factor(p, "relu-over-length")
    return _set(p, weights=_keep(p, b.relu(p.scores) / b.dim(p.ax(p.key))), normaliser="relu-over-length")


def norm_identity(p: Parts) -> Parts:
    return _set(p, weights=_keep(p, p.scores), normaliser="identity")


def norm_kernel_sum(p: Parts) -> Parts:
    a = _keep(p, p.scores)
    return _set(p, weights=None if a is None else a / a.sum(p.key), normaliser="kernel-sum")


SINKHORN_STEPS = 3
"""Sinkhorn normalisations unrolled by the ``sinkhorn`` normaliser: rows, columns, rows."""


def norm_sinkhorn(p: Parts) -> Parts:
    _no_factor(p, "sinkhorn")
    _need(p.mask is None, "the normaliser 'sinkhorn' takes no mask", "use the mask 'none'")
    w = b.softmax(p.scores, p.key)
    for step in range(1, SINKHORN_STEPS):
        w = w / w.sum(p.query if step % 2 else p.key)
    return _set(p, weights=w, normaliser="sinkhorn")


def norm_over_queries(p: Parts) -> Parts:
    _no_factor(p, "softmax-over-queries")
    _need(p.mask is None, "the normaliser 'softmax-over-queries' takes no mask", "use the mask 'none'")
    a = b.softmax(p.scores, p.query)
    return _set(p, weights=a / a.sum(p.key), normaliser="softmax-over-queries")


def norm_talking_heads(p: Parts) -> Parts:
    _no_factor(p, "talking-heads")
    _need(p.heads == ("h",), "talking-heads mixes the heads of a multi-head projection", "use 'multi-head'")
    h, g = p.axs("h g")
    s = b.masked(p.scores, p.mask) if p.mask is not None else p.scores
    w = b.softmax(b.contract(s, b.param("Pl", h, g), h), p.key)
    return _set(p, weights=b.contract(w, b.param("Pw", g, h), g), normaliser="talking-heads")


NYSTROM_STEPS = 6
"""Iterations of Nystromformer's pseudo-inverse (Z <- Z (13 I - AZ (15 I - AZ (7 I - AZ))) / 4)."""


def norm_nystrom(p: Parts) -> Parts:
    _no_factor(p, "nystrom")
    _need(p.mask is None and p.bias is None and p.logit is None,
          "the normaliser 'nystrom' approximates plain softmax attention", "use no mask and no position")
    i, j, a, bb, t, d = p.axs(f"{p.query} {p.key} a b t {p.feature}")
    p.axs("c g")  # the other landmark axes of the pseudo-inverse's products
    scale = b.sqrt(b.dim(d))
    ql = b.split(p.q, i, a, t).sum("t") / b.dim(t)
    kl = b.split(p.k, j, a, t).sum("t") / b.dim(t)
    f = b.softmax(b.contract(p.q, kl.rename(a="c"), d) / scale, "c")
    m = b.softmax(b.contract(ql, kl.rename(a="c"), d) / scale, "c")
    bm = b.softmax(b.contract(ql, p.k, d) / scale, j)
    eye = b.where(b.index(a).eq(b.index(bb)), 1, 0)
    z = m / m.sum("a").max("c")
    for _ in range(NYSTROM_STEPS):
        az = (m * z.rename(a="b")).sum("c")
        mid = 15 * eye - (az.rename(b="g") * (7 * eye.rename(a="g") - az.rename(a="g"))).sum("g")
        inner = 13 * eye.rename(a="b", b="a") - (az.rename(a="b", b="g") * mid.rename(a="g", b="a")).sum("g")
        z = 0.25 * (z.rename(a="b") * inner).sum("b")
    weights = (f * (z * bm).sum("a")).sum("c")
    return _set(p, weights=weights, normaliser="nystrom")


# == aggregation: how weights combine values ===========================================


def agg_weighted_sum(p: Parts) -> Parts:
    _need(p.weights is not None, "this position has only a recurrent form", "use the aggregation 'recurrent-scan'")
    return _set(p, out=b.contract(p.weights, p.v, p.key))


def agg_reassociated(p: Parts) -> Parts:
    _need(p.fq is not None and p.mask is None and p.factor is None and p.decay is None,
          "the aggregation 'reassociated' needs an unmasked factorised score",
          "use a feature-map score (elu-feature, favor, softmax-features) without mask or decay")
    _need(p.normaliser in ("identity", "kernel-sum"), "only a linear normaliser can be reassociated",
          "use the normaliser 'identity' or 'kernel-sum'")
    num = b.contract(p.fq, b.contract(p.fk, p.v, p.key), p.kernel)
    if p.normaliser == "identity":
        return _set(p, out=num)
    return _set(p, out=num / b.contract(p.fq, p.fk.sum(p.key), p.kernel))


def agg_recurrent_scan(p: Parts) -> Parts:
    i, j = p.query, p.key
    _need(p.mask is not None and str(p.mask) == f"{j} <= {i}", "the recurrent form is causal",
          "use the mask 'causal'")
    _need(p.normaliser in ("identity", "kernel-sum"), "only a linear normaliser has a recurrent form",
          "use the normaliser 'identity' or 'kernel-sum'")
    fq = p.fq if p.fq is not None else p.q
    fk = _at(p.fk if p.fk is not None else p.k, j, i)
    kernel = p.kernel or p.feature
    v = _at(p.v, j, i)
    state_axes = [p.ax(h) for h in p.heads] + [p.ax(kernel), p.ax(p.value)]
    S = b.state("S", *state_axes)
    step = S + fk * v if p.decay is None else p.decay * S + fk * v
    num = b.contract(fq, b.scan(i, [(S, 0, step)]), kernel)
    if p.normaliser == "identity":
        return _set(p, out=num)
    _need(p.decay is None, "a decaying state has no kernel-sum form here", "use the normaliser 'identity'")
    Z = b.state("Z", *state_axes[:-1])
    return _set(p, out=num / b.contract(fq, b.scan(i, [(Z, 0, Z + fk)]), kernel))


def agg_delta_rule(p: Parts) -> Parts:
    i, j = p.query, p.key
    _need(p.mask is not None and p.normaliser == "identity", "the delta rule is a causal recurrence",
          "use the mask 'causal' and the normaliser 'identity'")
    d, e = p.ax(p.feature), p.ax(p.value)
    k, v = _at(p.k, j, i), _at(p.v, j, i)
    strength = b.sigmoid(b.tensor("beta", p.ax(j)))
    S = b.state("S", d, e)
    step = S + _at(strength, j, i) * (v - b.contract(S, k, d)) * k
    return _set(p, out=b.contract(p.q, b.scan(i, [(S, 0, step)]), d))


# == output: what happens after =======================================================


def out_none(p: Parts) -> Parts:
    return p


def out_projection(p: Parts) -> Parts:
    e, o = p.ax(p.value), p.ax("o")
    return _set(p, out=b.contract(p.out, b.param("Wo", e, o), e))


def out_merge_heads(p: Parts) -> Parts:
    _need(bool(p.heads), "there are no heads to merge", "use a multi-head projection, or the output 'none'")
    c, o = p.axs("c o")
    merged = b.merge(p.out, *p.heads, p.value, into=c)
    return _set(p, out=b.contract(merged, b.param("Wo", c, o), c))


def out_differential(p: Parts) -> Parts:
    _need(p.heads == ("u",), "differential attention subtracts the second of two maps", "use 'split-pairs'")
    d, u = p.axs("d u")
    lam = (b.exp(b.contract(b.param("lq1", d), b.param("lk1", d), d))
           - b.exp(b.contract(b.param("lq2", d), b.param("lk2", d), d)) + b.tensor("lam_init"))
    first = b.where(b.index(u).eq(0), p.out, 0).sum("u")
    second = b.where(b.index(u).eq(1), p.out, 0).sum("u")
    return _set(p, out=first - lam * second)


def out_query_gate(p: Parts) -> Parts:
    return _set(p, out=b.sigmoid(p.q) * p.out)
