"""The ≅ stage of the recombination: bucket by necessary conditions, then search witnesses.

Two ≡ classes are one ≅ class when the witness search (:func:`anatomy.family.relation.family_relation`)
derives and verifies an inclusion each way. Trying every pair is quadratic (millions of
pairs in the full space), so pairs are narrowed in three steps, each counted in the record:

1. **Comparable.** The witness search only relates terms with the same output type and the
   same inputs (names and shapes) and with parameters on both sides (a family without
   parameters is one function); other pairs are *not comparable*.
2. **Family profile.** Equal families have equal images on any inputs, and share every
   property that is an identity in the inputs and holds for all parameters or fails for
   almost all of them. :func:`profile` measures several at one draw of parameters, at tiny
   sizes: the dimension of the family on random inputs and on inputs constant along the
   sequence (the rank of the Jacobian with respect to the parameters); the rank of the
   Jacobian with respect to all inputs and to each one; which input positions each output
   position depends on and which pairs of positions interact; and the degree and parity
   of homogeneity and the degree as a polynomial along a line, in all inputs and in each
   one. Pairs whose profiles differ are *screened out*: not ≅ by a numeric necessary
   condition (finite differences, float64, one generic draw, thresholds; a non-smooth
   family can in rare draws look different), not by a derivation.
3. **Witness search.** Pairs with equal profiles go to the numeric witness screen
   (:func:`anatomy.family.search.plausible`) both ways, all of them or the first ``pairs``
   in a stated order (the rest are counted as *not tried*, and the first of them named);
   those that pass and are not already in one ≅ class get the full relation, and a
   ``reparam-equivalent`` one without conditions merges them. A pair of classes with one
   fingerprint is not tried: numerically equal, its relation would need the join the
   e-graph did not find (it is counted as *numerically equal*).

Main names: :func:`profile`, :func:`reparam_classes`.

Example:
    >>> from anatomy.ir.build import axes, param, tensor
    >>> i, d, e = axes("i:n d:dk e:dv")
    >>> x, w = tensor("X", i, d), param("W", d, e)
    >>> linear, scaled = (x * w).sum("d"), (x * (w * 2)).sum("d")
    >>> profile(linear) == profile(scaled), profile(linear) == profile((x * w * x).sum("d"))
    (True, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..errors import AnatomyError
from ..ir.term import Axis, Input, Param, Term
from ..ir.traverse import inputs, params, rewrite_bottom_up, size_symbols
from ..runtime import evaluate
from ._parallel import SHARED, children_peak_mb, ordered_map
from .build import UnionFind

PROFILE_SIZES = {"n": 5, "m": 5, "W": 2, "L": 1, "dk": 3, "dv": 2, "dm": 4, "P": 2, "R": 3}
"""Tiny sizes for :func:`profile` (any other symbol is 2): the number of rows it evaluates
grows with the number of parameter and input entries."""

SEQUENCE = "n"
"""The size symbol of the sequence: a profile input is made constant along axes of this size."""

EPS = 1e-5
"""The central-difference step."""

RANK = 1e-6
"""A singular value counts when it exceeds this times the largest (finite differences are
accurate to about 1e-10 at these sizes)."""

SCREEN_TRIALS = 50
"""Witness proposals screened per direction and pair."""

_SCALE = 0.5
"""The standard deviation of the drawn values: small enough that no softmax saturates, so a
weak dependence is not mistaken for none."""

_BATCH = Axis("zbatch", "Zbatch")


def _draw(name: str, shape: tuple[int, ...], k: int) -> np.ndarray:
    digest = hashlib.sha256(f"profile|{name}|{shape}|{k}".encode()).digest()
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest[:8], "little")))
    return np.asarray(_SCALE * rng.standard_normal(shape), dtype=float).reshape(shape)


def _rank(jac: np.ndarray) -> int:
    if jac.size == 0:
        return 0
    s = np.linalg.svd(jac, compute_uv=False)
    return int(np.sum(s > max(s[0] * RANK, 1e-9)))


def _close(x: np.ndarray, y: np.ndarray) -> bool:
    scale = max(float(np.sqrt(np.mean(x * x))), float(np.sqrt(np.mean(y * y))), 1e-300)
    return float(np.sqrt(np.mean((x - y) ** 2))) <= 1e-9 * scale


def profile(term: Term) -> tuple:
    """The family profile of ``term`` (see the module docstring): a tuple, equal for ≅ families.

    Every row (an input sample, a parameter or input entry nudged by ±:data:`EPS`, scaled
    inputs) is one entry of a batch axis added to every leaf, so the term is evaluated once.
    A term that cannot be batched or evaluated gets ``("unprofiled",)``; one whose values are
    not all finite gets ``("non-finite",)``.
    """
    try:
        return _profile(term)
    except (AnatomyError, ValueError, ArithmeticError, IndexError):
        return ("unprofiled",)


def _profile(term: Term) -> tuple:
    sizes = {s: PROFILE_SIZES.get(s, 2) for s in size_symbols(term)}
    ins = sorted(inputs(term), key=lambda x: x.name)
    ps = sorted(params(term), key=lambda x: x.name)
    shape = {x.name: tuple(a.size.evaluate(sizes) for a in x.shape) for x in ins + ps}
    theta = {p.name: _draw(p.name, shape[p.name], 0) for p in ps}
    x0 = {x.name: _draw(x.name, shape[x.name], 1) for x in ins}
    x1 = {x.name: _draw(x.name, shape[x.name], 2) for x in ins}
    flat = {x.name: _along_sequence(x, x0[x.name], lambda a, k: np.take(a, [0], axis=k)) for x in ins}
    out_size = int(np.prod([term.type.sizes[a].evaluate(sizes) for a in term.axes])) or 1
    count = sum(a.size for a in theta.values())
    samples = [x0] + [{x.name: _draw(x.name, shape[x.name], 3 + k) for x in ins}
                      for k in range(min(_SAMPLES, -(-2 * count // out_size)) - 1)]
    rows: list[dict] = []

    def row(xs: dict, th: dict) -> int:
        rows.append({**xs, **th})
        return len(rows) - 1

    def nudged(values: dict, name: str) -> list[tuple[dict, dict]]:
        out = []
        for k in range(values[name].size):
            hi, lo = values[name].copy(), values[name].copy()
            hi.flat[k] += EPS
            lo.flat[k] -= EPS
            out.append(({**values, name: hi}, {**values, name: lo}))
        return out

    # the family's dimension on random inputs, and on inputs constant along the sequence
    d_theta = [[[(row(xs, hi), row(xs, lo)) for p in ps for hi, lo in nudged(theta, p.name)] for xs in group]
               for group in (samples, [flat])]
    # which output positions each input position moves, and in how many directions
    d_input = [[(row(hi, theta), row(lo, theta)) for hi, lo in nudged(x0, x.name)] for x in ins]
    # degree and parity of homogeneity; degree as a polynomial along the line x0 + t x1
    subsets = [ins] + ([[x] for x in ins] if len(ins) > 1 else [])
    scaled = [[row({**x0, **{x.name: c * x0[x.name] for x in sub}}, theta) for c in (1.0, 2.0, 3.0, -1.0)]
              for sub in subsets]
    line = [[row({**x0, **{x.name: x0[x.name] + t / 2 * x1[x.name] for x in sub}}, theta) for t in range(_LINE)]
            for sub in subsets]
    # which input positions each output position depends on, and which pairs interact
    bumps = [_bump_rows(x, x0, x1, theta, row) for x in ins]

    batched = rewrite_bottom_up(term, lambda n: Input(n.name, (_BATCH,) + n.shape)
                                if isinstance(n, (Input, Param)) else n)
    values = {n: np.stack([r[n] for r in rows]) for n in rows[0]}
    with np.errstate(all="ignore"):
        out = evaluate(batched, values, sizes={**sizes, _BATCH.size.symbols[0]: len(rows)})
    order = tuple(sorted(a for a in out.axes if a != _BATCH.name))
    # outputs as (row, position along the sequence, the rest); no sequence axis: one position
    seq = [a for a in order if str(term.type.sizes[a]) == SEQUENCE][:1]
    data = np.asarray(out.transpose((_BATCH.name, *seq, *(a for a in order if a not in seq))).data, dtype=float)
    y = data.reshape(len(rows), data.shape[1] if seq else 1, -1)
    if not np.all(np.isfinite(y)):
        return ("non-finite",)

    def jac(cols: list[tuple[int, int]]) -> np.ndarray:
        if not cols:
            return np.zeros((y[0].size, 0))
        return np.stack([(y[hi] - y[lo]).ravel() / (2 * EPS) for hi, lo in cols], axis=1)

    dims = tuple(_rank(np.concatenate([jac(cols) for cols in group])) for group in d_theta)
    blocks = [jac(cols) for cols in d_input]
    homogeneity = [_homogeneity(y, r) for r in scaled]
    degree = [_degree(y[r]) for r in line]
    return (dims, _rank(np.concatenate(blocks, axis=1)) if blocks else 0, tuple(_rank(b) for b in blocks),
            tuple(homogeneity), tuple(degree), tuple(_dependence(y, b) for b in bumps))


_SAMPLES = 4
"""At most this many random input samples for the family's dimension (enough that the
rank is not capped by the number of outputs, up to this many)."""

_LINE = 9
"""Points on the line x0 + t x1 (t = 0, 1/2, …, 4): a polynomial of degree 7 or less is recognised."""

_BUMP = 0.5
"""The step of the position bumps (any step shows an exact zero as zero)."""

_ZERO = 1e-12
"""A difference counts as nonzero above this times the largest output (rounding stays
near 1e-15)."""


def _along_sequence(x: Input, a: np.ndarray, fn) -> np.ndarray:
    for k, axis in enumerate(x.shape):
        if str(axis.size) == SEQUENCE:
            a = np.broadcast_to(fn(a, k), a.shape)
    return np.array(a)


def _bump_rows(x: Input, x0: dict, x1: dict, theta: dict, row) -> tuple[int, list[int], list[tuple[int, int, int]]]:
    """Rows for f(x), f(x + u_p) for each sequence position p of input ``x`` (u_p: ``x1``
    at position p only, times :data:`_BUMP`; an input without a sequence axis: one bump of
    it all), and f(x + u_p + u_q) for p < q."""
    seq = [k for k, axis in enumerate(x.shape) if str(axis.size) == SEQUENCE][:1]
    length = x0[x.name].shape[seq[0]] if seq else 1

    def bump(ps: tuple[int, ...]) -> dict:
        a = x0[x.name].copy()
        for p in ps:
            index = [slice(None)] * a.ndim
            if seq:
                index[seq[0]] = p
            a[tuple(index)] += _BUMP * x1[x.name][tuple(index)]
        return {**x0, x.name: a}

    base = row(x0, theta)
    single = [row(bump((p,)), theta) for p in range(length)]
    pairs = [(p, q) for p in range(length) for q in range(p + 1, length)]
    return base, single, [(row(bump(pq), theta), *pq) for pq in pairs]


def _dependence(y: np.ndarray, bumps: tuple[int, list[int], list[tuple[int, int, int]]]) -> str:
    """Bits, output position by output position: which input positions move the output, then
    which pairs of input positions interact (a nonzero mixed second difference). Both are
    exactly zero, whatever the step, where the output does not depend on a position or is a
    sum of one function per position."""
    base, single, pairs = bumps
    scale = max(float(np.max(np.abs(y[base]))), 1e-300)
    moves = [np.any(np.abs(y[r] - y[base]) > _ZERO * scale, axis=-1) for r in single]
    mixed = [np.any(np.abs(y[r] - y[single[p]] - y[single[q]] + y[base]) > _ZERO * scale, axis=-1)
             for r, p, q in pairs]
    bits = np.stack(moves + mixed, axis=1)  # (output position, input position or pair)
    return "".join("1" if b else "0" for b in bits.ravel())


def _homogeneity(y: np.ndarray, rows: list[int]) -> tuple:
    y1, y2, y3, ym = (y[r] for r in rows)
    degree = next((k for k in range(9) if _close(y2, 2 ** k * y1) and _close(y3, 3 ** k * y1)), None)
    parity = "odd" if _close(ym, -y1) else "even" if _close(ym, y1) else None
    return degree, parity


def _degree(ys: np.ndarray) -> int | None:
    """The degree of the polynomial through ``ys`` at equally spaced t, if one of degree < len - 1 fits."""
    ys = ys.reshape(len(ys), -1)
    scale = max(float(np.max(np.abs(ys))), 1e-300)
    diff = ys
    for d in range(len(ys) - 1):
        diff = np.diff(diff, axis=0)
        if float(np.max(np.abs(diff))) <= 1e-11 * scale * 2 ** (d + 1):
            return d
    return None


def comparable_key(term: Term) -> tuple:
    """What the witness search needs equal on both sides: the output type and the inputs."""
    return (str(term.type), tuple(sorted((x.name, tuple(str(a) for a in x.shape)) for x in inputs(term))))


def swap(a: Mapping[str, str], b: Mapping[str, str]) -> tuple[str, ...]:
    """The components in which two choices differ, each as ``component: option / option``."""
    return tuple(f"{c}: {' / '.join(sorted((a[c], b[c])))}" for c in a if a[c] != b[c])


def _profile_of(name: str) -> tuple:
    return profile(SHARED["terms"][name])


def _screen(pair: tuple[str, str]) -> bool:
    from ..family.search import plausible

    a, b = (SHARED["terms"][n] for n in pair)
    return plausible(a, b, trials=SCREEN_TRIALS) and plausible(b, a, trials=SCREEN_TRIALS)


def _relation(a: Term, b: Term) -> tuple[str, list[str]]:
    from ..family.relation import family_relation

    rel = family_relation(a, b, examples=0, seeds=2, bound=1)
    return rel["relation"], list(rel["conditions"])


def reparam_classes(classes: Sequence[dict], terms: Mapping[str, Term], *, pairs: int | None = None,
                    first: Callable[[Mapping[str, str]], bool] = lambda choice: False, workers: int = 1,
                    stages) -> tuple[list[list[str]], dict]:
    """≡ classes (by representative) merged into ≅ classes, and the pair accounting.

    A same-profile pair of classes that are numerically equal (one fingerprint group) but
    not joined is left out: the search would need the very join the e-graph did not find.
    ``pairs`` caps the others that go to the witness search (None: all). They are taken in
    a fixed order: pairs whose representatives' choices both satisfy ``first`` (the named
    subspaces), then fewer differing components first, and round-robin over the kinds of
    swap (which components differ, and between which options), so that every kind is tried
    in k contexts before any is tried in k + 1; within a kind, by name. ``stages`` times and
    counts the three steps (``≅ profiles``, ``≅ screens``, ``≅ relations``) and reports
    their progress (:class:`.explore._Stages`).
    """
    reps = [c["representative"] for c in classes]
    choice = {c["representative"]: c["choice"] for c in classes}
    union = UnionFind(reps)
    with_params = [r for r in reps if params(terms[r])]
    buckets: dict[tuple, list[str]] = {}
    for r in with_params:
        buckets.setdefault(comparable_key(terms[r]), []).append(r)
    comparable = sum(len(b) * (len(b) - 1) // 2 for b in buckets.values())

    SHARED["terms"] = {r: terms[r] for r in with_params}
    to_profile = [r for _, b in sorted(buckets.items()) if len(b) > 1 for r in b]
    with stages("≅ profiles", classes=len(to_profile)) as st:
        got = ordered_map(_profile_of, to_profile, workers=workers, tick=stages.ticker("≅ profiles", len(to_profile)))
        profiles = dict(zip(to_profile, got))
        st["unprofiled"] = sum(1 for p in got if p == ("unprofiled",))
        st["non_finite"] = sum(1 for p in got if p == ("non-finite",))
        st["workers_peak_mb"] = round(children_peak_mb(), 1) if workers > 1 else None

    same: dict[tuple, list[str]] = {}
    for key, b in sorted(buckets.items()):
        for r in b:
            same.setdefault((key, profiles.get(r)), []).append(r)
    near = {c["representative"]: set(c["numerically_equal_not_joined"]) for c in classes}
    kinds: dict[tuple, list[tuple[str, str]]] = {}
    unjoined = 0
    for group in same.values():
        for k, a in enumerate(group):
            for b in group[k + 1:]:
                if b in near[a]:
                    unjoined += 1
                    continue
                kinds.setdefault(swap(choice[a], choice[b]), []).append((a, b))
    ordered = sorted((not (first(choice[pair[0]]) and first(choice[pair[1]])), len(kind), n, kind, pair)
                     for kind, ps in kinds.items() for n, pair in enumerate(sorted(ps)))
    candidates = [(kind, pair) for *_, kind, pair in ordered]
    tried = candidates if pairs is None else candidates[:pairs]

    with stages("≅ screens", pairs=len(tried)) as st:
        passed = ordered_map(_screen, [p for _, p in tried], workers=workers,
                             tick=stages.ticker("≅ screens", len(tried)))
        st["workers_peak_mb"] = round(children_peak_mb(), 1) if workers > 1 else None
    to_check = [(kind, pair) for (kind, pair), ok in zip(tried, passed) if ok]

    by_kind: dict[tuple, dict] = {}
    for kind, ps in kinds.items():
        by_kind[kind] = {"swap": list(kind), "same_profile": len(ps), "tried": 0, "passed_screen": 0, "merged": 0}
    for kind, _ in tried:
        by_kind[kind]["tried"] += 1
    SHARED.pop("terms", None)
    # the full relation runs here, not in a worker: the e-graph and z3 have left threads in
    # this process, and a forked child can wait forever on a lock one of them held
    merged, implied, not_merged = 0, 0, []
    with stages("≅ relations", pairs=len(to_check)):
        step = stages.ticker("≅ relations", len(to_check))
        for k, (kind, (a, b)) in enumerate(to_check):
            step(k)
            by_kind[kind]["passed_screen"] += 1
            if union.find(a) == union.find(b):
                implied += 1
                continue
            relation, conditions = _relation(terms[a], terms[b])
            if relation == "reparam-equivalent" and not conditions:
                union.join(a, b)
                by_kind[kind]["merged"] += 1
                merged += 1
            else:
                not_merged.append({"left": a, "right": b, "relation": relation, "conditions": conditions})
    n = len(reps)
    counts = {"classes": n, "with_params": len(with_params), "all": n * (n - 1) // 2, "comparable": comparable,
              "profile_differs": comparable - len(candidates) - unjoined, "same_profile": len(candidates) + unjoined,
              "numerically_equal": unjoined, "first": sum(1 for key in ordered if not key[0]),
              "tried": len(tried), "not_tried": len(candidates) - len(tried),
              "first_not_tried": list(candidates[len(tried)][1]) if len(tried) < len(candidates) else None,
              "screen_trials": SCREEN_TRIALS, "passed_screen": len(to_check), "implied": implied, "merged": merged,
              "checked_not_merged": not_merged,
              "swaps": sorted((k for k in by_kind.values() if len(k["swap"]) == 1), key=lambda k: k["swap"]),
              "other_swaps": {f: sum(k[f] for k in by_kind.values() if len(k["swap"]) > 1)
                              for f in ("same_profile", "tried", "passed_screen", "merged")}}
    counts["other_swaps"]["kinds"] = sum(1 for k in by_kind if len(k) > 1)
    return union.groups(), counts
