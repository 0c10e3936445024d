"""The anatomical components of attention and their options, each option a small builder.

After the seed paper (*On the Anatomy of Attention*), an attention variant is read as a
pipeline of seven components, in this order: ``projection`` (where queries, keys and values
come from, and how heads share them), ``position`` (how positions enter), ``score`` (how a
query meets a key), ``mask`` (which keys a query may see), ``normaliser`` (how scores
become weights), ``aggregation`` (how weights combine values) and ``output`` (what happens
after). :data:`OPTIONS` lists every option of every component with its meaning; each
option's builder takes the :class:`Parts` built so far and adds its piece, so
:func:`recompose` turns a choice of one option per component into a term.

The builders follow naming conventions that the catalogue's variant files share: raw
inputs ``Q[i, d]``, ``K[j, d]``, ``V[j, e]``, a token stream ``X[i, x]``, projections
``Wq``, ``Wk``, ``Wv``, ``Wo``, heads ``h``; a builder that needs an axis or a size the
declarations lack says so. Not every combination is meaningful: a builder that cannot
follow the options before it raises :class:`~anatomy.errors.UsageError`.

Main names: :data:`COMPONENTS`, :data:`OPTIONS`, :class:`Option`, :class:`Parts`,
:func:`recompose`, :func:`option`.

Example:
    >>> from anatomy.ir.build import axes
    >>> choice = dict(projection="none", position="none", score="scaled-dot", mask="causal",
    ...               normaliser="softmax", aggregation="weighted-sum", output="none")
    >>> str(recompose(choice, axes("i:n j:n d:dk e:dv")))
    'sum_j(softmax_j(where(j <= i, sum_d(Q[i, d] * K[j, d]) / sqrt(dk), -inf)) * V[j, e])'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from ..errors import AnatomyError, UnknownNameError, UsageError
from ..ir.term import Axis, Term
from ..messages import did_you_mean
from . import _builders as bld
from ._builders import DOC, Parts

COMPONENTS = ("projection", "position", "score", "mask", "normaliser", "aggregation", "output")
"""The anatomical components, in the order :func:`recompose` applies them."""


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of one component: its name, what it means, and its builder."""

    component: str
    name: str
    meaning: str
    build: Callable[[Parts], Parts] = dataclasses.field(repr=False, compare=False)


# == the table ========================================================================


def _options(component: str, rows: Iterable[tuple[str, Callable[[Parts], Parts], str]]) -> dict[str, Option]:
    return {name: Option(component, name, meaning, build) for name, build, meaning in sorted(rows)}


OPTIONS: dict[str, dict[str, Option]] = {
    "projection": _options("projection", [
        ("none", bld.proj_none, "pre-projected inputs Q[i, d], K[j, d], V[j, e]"),
        ("per-head", bld.proj_per_head, "pre-projected inputs with a head axis: Q[h, i, d], K[h, j, d], V[h, j, e]"),
        ("keys-as-values", bld.proj_keys_as_values, "queries Q[i, d]; the keys K[j, e] also serve as the values"),
        ("elementwise", bld.proj_elementwise, "pre-projected Q, K, V sharing one feature axis e"),
        ("identity", bld.proj_identity, "the token stream X itself is queries, keys and values (no projection)"),
        ("single", bld.proj_single, "one head: Q = X Wq, K = X Wk, V = X Wv"),
        ("values-only", bld.proj_values_only, "only values are projected, V = X Wv; the score reads X directly"),
        ("multi-head", bld.proj_multi_head, "X Wq, X Wk, X Wv split into H heads (c = H * dh)"),
        ("cross-multi-head", bld.proj_cross, "multi-head, with keys and values from a second stream Y"),
        ("multi-query", bld.proj_multi_query, "H query heads share one key head and one value head"),
        ("grouped-query", bld.proj_grouped_query, "G key/value heads, each shared by R query heads"),
        ("latent", bld.proj_latent, "queries, keys and values up-projected from low-rank latents (MLA)"),
        ("split-pairs", bld.proj_split_pairs, "queries and keys split into two halves u = 0, 1 (two maps)"),
        ("length-compressed", bld.proj_length_compressed, "keys and values compressed along the sequence by "
                                                       "learned E, F (key axis p)"),
        ("zero-sink", bld.proj_zero_sink, "pre-projected inputs plus one extra zero key and zero value"),
        ("ssd", bld.proj_ssd, "state space duality: C as queries, B as keys, Delta * X as values, "
                           "Delta = softplus(dt + dtb)"),
    ]),
    "position": _options("position", [
        ("none", bld.pos_none, "no positional information inside attention"),
        ("alibi", bld.pos_alibi, "per-head linear bias slope_h * (j - i), slopes 2^(-8(h+1)/H)"),
        ("rope", bld.pos_rope, "rotate feature pairs by position * 10000^(-2p/d)"),
        ("xpos", bld.pos_xpos, "rope with per-pair scales zeta^(i/512) on queries and zeta^(-j/512) on keys"),
        ("shaw", bld.pos_shaw, "learned embeddings of the clipped offset added to keys and values"),
        ("transformer-xl", bld.pos_transformer_xl, "sinusoids of i - j projected as keys, with global biases u, v"),
        ("t5-bias", bld.pos_t5, "learned per-head scalar for the bucketed offset (32 buckets, distance 128)"),
        ("retention", bld.pos_retention, "rotation by given angles theta and causal decay gamma_h^(i-j)"),
        ("selective-decay", bld.pos_selective_decay, "data-dependent decay exp(A * (Delta_{j+1} + ... + Delta_i))"),
        ("gated-decay", bld.pos_gated_decay, "data-dependent per-feature decay sigmoid(A)^(1/16) of a recurrent "
                                          "state"),
        ("cos-reweighting", bld.pos_cos_reweighting, "weights times cos(pi/2 * (i - j) / n)"),
        ("learned-pairwise-bias", bld.pos_pairwise_bias, "a learned bias w[i, j] for every pair of positions"),
    ]),
    "score": _options("score", [
        ("dot", bld.score_dot, "q . k"),
        ("scaled-dot", bld.score_scaled_dot, "q . k / sqrt(d)"),
        ("inverse-temperature", bld.score_inverse_temperature, "beta * q . k, beta given"),
        ("bilinear", bld.score_bilinear, "q^T W k with a learned W"),
        ("additive", bld.score_additive, "v . tanh(Wq q + Wk k): a one-hidden-layer MLP"),
        ("concat", bld.score_concat, "v . tanh(W [q; k]) on the concatenated pair"),
        ("cosine", bld.score_cosine, "g * cos(q, k) with a learned scale g"),
        ("l2-distance", bld.score_l2, "-(q - k) . (q - k) / sqrt(d)"),
        ("squared-dot", bld.score_squared_dot, "(q . k)^2"),
        ("elu-feature", bld.score_elu, "phi(q) . phi(k), phi = elu + 1"),
        ("relu-feature", bld.score_relu, "relu(q) . relu(k)"),
        ("favor", bld.score_favor, "positive random features exp(w . x - x . x / 2) / sqrt(R), W given"),
        ("softmax-features", bld.score_softmax_features, "softmax of q over features . softmax of k over positions"),
        ("synthesized-dense", bld.score_synth_dense, "logits from a two-layer MLP of the query token alone"),
        ("synthesized-random", bld.score_synth_random, "a learned logit matrix R[i, j], independent of the input"),
        ("key-only", bld.score_key_only, "per-feature logits K[j, e]: no query-key interaction"),
        ("fourier", bld.score_fourier, "fixed weights cos(2 pi i j / n): the real part of the sequence DFT"),
    ]),
    "mask": _options("mask", [
        ("none", bld.mask_none, "every key is visible"),
        ("causal", bld.mask_causal, "keys at or before the query, j <= i"),
        ("sliding-window", bld.mask_sliding_window, "causal, the last W keys: i - W < j <= i"),
        ("window-global", bld.mask_window_global, "abs(i - j) <= W, or either token global (G > 0)"),
        ("strided", bld.mask_strided, "causal; the previous S keys or keys a multiple of S away"),
    ]),
    "normaliser": _options("normaliser", [
        ("softmax", bld.norm_softmax, "exp(s) / sum_j exp(s) over the keys"),
        ("softmax-plus-one", bld.norm_softmax_one, "exp(s) / (1 + sum_j exp(s))"),
        ("sigmoid", bld.norm_sigmoid, "sigmoid(s - log m), elementwise"),
        ("relu-over-length", bld.norm_relu, "relu(s) / m, elementwise"),
        ("identity", bld.norm_identity, "the scores themselves (times any decay), zero outside the mask"),
        ("kernel-sum", bld.norm_kernel_sum, "a / sum_j a for non-negative kernel scores a"),
        ("sinkhorn", bld.norm_sinkhorn, "softmax, then column and row normalisation (3 Sinkhorn steps)"),
        ("softmax-over-queries", bld.norm_over_queries, "softmax over the queries, then a weighted mean over keys"),
        ("talking-heads", bld.norm_talking_heads, "logits mixed across heads by Pl, softmax, weights mixed by Pw"),
        ("nystrom", bld.norm_nystrom, "Nystrom approximation of the softmax matrix from segment-mean landmarks"),
    ]),
    "aggregation": _options("aggregation", [
        ("weighted-sum", bld.agg_weighted_sum, "sum_j w[i, j] v[j]"),
        ("reassociated", bld.agg_reassociated, "phi(q) . sum_j phi(k_j) v_j^T: keys meet values first, O(n)"),
        ("recurrent-scan", bld.agg_recurrent_scan, "a causal prefix scan of the state S_t = decay S_{t-1} + k_t v_t^T"),
        ("delta-rule", bld.agg_delta_rule, "the scan S_t = S_{t-1} + beta_t (v_t - S_{t-1}^T k_t) k_t^T"),
    ]),
    "output": _options("output", [
        ("none", bld.out_none, "the weighted values are the output"),
        ("projection", bld.out_projection, "an output projection Wo"),
        ("merge-heads", bld.out_merge_heads, "heads merged into c and projected by Wo"),
        ("differential", bld.out_differential, "first map minus lambda times the second (lambda learned)"),
        ("query-gate", bld.out_query_gate, "gated elementwise by sigmoid(Q)"),
    ]),
}
"""Every option of every component, by component then by name (names sorted)."""


def option(component: str, name: str) -> Option:
    """The option ``name`` of ``component``; unknown names get a did-you-mean hint.

    Example:
        >>> option("normaliser", "softmax").meaning
        'exp(s) / sum_j exp(s) over the keys'
    """
    if component not in OPTIONS:
        raise UnknownNameError(f"unknown component {component!r}", hint=did_you_mean(component, COMPONENTS), doc=DOC)
    table = OPTIONS[component]
    if name not in table:
        raise UnknownNameError(f"unknown {component} option {name!r}", hint=did_you_mean(name, table), doc=DOC)
    return table[name]


def recompose(choice: Mapping[str, str], axes: Iterable[Axis]) -> Term:
    """The term that one option per component builds over the declared ``axes``.

    ``choice`` maps every component of :data:`COMPONENTS` to an option name. A builder that
    cannot follow the options before it raises :class:`UsageError`, naming the component.
    """
    missing = [c for c in COMPONENTS if c not in choice]
    if missing:
        raise UsageError(f"no option chosen for {', '.join(missing)}",
                         hint=f"name one option for each of: {', '.join(COMPONENTS)}", doc=DOC)
    parts = Parts(axes={a.name: a for a in axes})
    for component in COMPONENTS:
        chosen = option(component, choice[component])
        try:
            parts = chosen.build(parts)
        except AnatomyError as err:
            raise type(err)(f"{component} {chosen.name!r}: {err.message}", hint=err.hint, doc=err.doc) from None
    assert parts.out is not None
    return parts.out


__all__ = ["COMPONENTS", "DOC", "OPTIONS", "Option", "Parts", "option", "recompose"]
