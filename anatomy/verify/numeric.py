"""The numeric oracle: do two terms compute the same function on random inputs?

Both terms are evaluated by the runtime (never the e-graph) on the same inputs and
parameters, and compared by relative RMS error, ``rms(a - b) / rms(a)`` over the entries
finite on both sides (the design of fla's ``assert_close``). By default the float64 numpy
reference runs ``seeds`` normal cases at each of a few size assignments; ``examples=N``
adds N cases drawn by hypothesis, derandomised (the same ``seed`` gives the same cases, the
same verdict and the same JSON, byte for byte). A drawn case is a size assignment (each
symbol 1..5, ``sizes`` winning), a *value class* and a value seed (see :data:`VALUE_CLASSES`);
:func:`run_case` replays it.

Non-finite entries. Where the two sides are non-finite at different entries (or ``inf``
against ``nan``), the case differs, with error ``inf`` -- except in the ranged classes
(:data:`RANGED_CLASSES`, large and tiny magnitudes), where one form overflowing (or
underflowing to ``0/0``) and the other not is a numerical-stability finding about the
forms, not a refutation of a real-number identity: such a case is counted in ``overflows``
(and the first one is kept) and judged on its entries finite on both sides. ``nan`` on
both sides at the same entry (both forms undefined there, e.g. a fully masked softmax row)
matches.

On torch (``backend="torch"``, any ``device``, ``dtype`` float32 or bfloat16) the default
tolerance is the dtype's entry in :data:`TOLERANCES`.

Main classes: :class:`Case`, :class:`Counterexample`, :class:`NumericVerdict`. Functions:
:func:`compare`, :func:`draw_cases`, :func:`run_case`, :func:`case_values`,
:func:`relative_rms_error`, :func:`value_classes`, :func:`mask_leaves`.

Example:
    >>> from anatomy.examples import load_example
    >>> v = compare(load_example("scaled-dot-product").term, load_example("dot-product").term)
    >>> v.verdict, v.cases > 0
    ('differ', True)
    >>> compare(load_example("linear-elu-linear").term, load_example("linear-elu-quadratic").term).verdict
    'agree'
    >>> a = load_example("sliding-window-3").term
    >>> value_classes(a, a)
    ('normal', 'large', 'tiny', 'ties', 'size-one')
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import UnknownNameError, UsageError
from ..ir.ops import BinaryOp
from ..ir.term import Binary, Const, Input, Param, Rename, Term
from ..ir.traverse import inputs, params, postorder, size_symbols
from ..messages import did_you_mean, expected
from ..runtime import evaluate, get_backend, random_values

TOLERANCE = 1e-9
"""Largest relative RMS error two float64 evaluations may differ by and still agree."""

TOLERANCES = {"float64": 1e-9, "float32": 1e-5, "bfloat16": 2e-2, "float16": 3e-3}
"""The default tolerance (relative RMS error) by dtype, both sides computed in that dtype.

Measured with the torch backend on the CPU, equivalence cases at n = m = 64..2048, dk = 64:
well-conditioned equivalent pairs differ by 2e-7..4e-7 in float32, 3e-4..1e-3 in float16 and
3e-3..1e-2 in bfloat16 (online softmax over 32 blocks is the worst); a runtime term against
``scaled_dot_product_attention`` by 4e-7 (float32) and 6e-3 (bfloat16). The nearest distinct
pair, softmax+1 against softmax, differs by about 1/n (3e-4 at n = 2048): float32's 1e-5
keeps a margin of 25x on both sides. float16 and bfloat16 keep 2-3x above their worst
rounding, and cannot see a 1/n difference at these lengths. Forms that lose precision exceed
the tolerance, and should: the expanded ALiBi bias m*j - m*i (1e-5 at n = 1024 in float32,
0.5 in bfloat16), a 1024-step scan accumulating in bfloat16 (9e-2), and, in bfloat16, masks
and biases built from positions past 256, which bfloat16 rounds (2e-2 to 0.5)."""

SIZE_BASES = (2, 3, 1, 5)
"""Each size assignment gives the symbols distinct values from one base upwards (1: all ones)."""

VALUE_CLASSES = ("normal", "large", "tiny", "ties", "masked", "size-one")
"""The kinds of drawn case: standard-normal values; times 30 (naive ``exp`` overflows);
times 1e-4; entries in {-1, 0, 1}; mask leaves (those compared with ``==``, ``!=``, ``<`` …)
with whole rows all zero or all nonzero along an axis; normal values with some sizes 1."""

RANGED_CLASSES = ("large", "tiny")
"""Value classes where a non-finite mismatch counts as an overflow, not as a difference."""

SCALES = {"large": 30.0, "tiny": 1e-4}
MAX_SIZE = 5
_COMPARISONS = (BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE, BinaryOp.EQ, BinaryOp.NE)


@dataclasses.dataclass(frozen=True)
class Case:
    """One evaluation: a size assignment, a value class and the seed of the values.

    Example:
        >>> Case({"n": 2}, "ties", 7).to_json()
        {'sizes': {'n': 2}, 'value_class': 'ties', 'seed': 7}
    """

    sizes: dict[str, int]
    value_class: str
    seed: int

    def to_json(self) -> dict:
        return {"sizes": dict(self.sizes), "value_class": self.value_class, "seed": self.seed}


@dataclasses.dataclass(frozen=True)
class Counterexample:
    """Where two terms differ: the case (sizes, value class, seed), the entry with the largest
    difference (or the first non-finite mismatch), both values there and the error.

    ``run_args`` is the backend, dtype and device of the run as keyword-argument text (empty
    for the float64 reference); :attr:`replay` is a snippet that recomputes both sides.
    """

    sizes: dict[str, int]
    seed: int
    entry: dict[str, int]
    left: float
    right: float
    error: float
    value_class: str = "normal"
    run_args: str = ""

    @property
    def replay(self) -> str:
        """A snippet that recomputes both sides (``a`` and ``b`` bound to the two terms)."""
        return (f"from anatomy.verify.numeric import Case, run_case; "
                f"x, y = run_case(a, b, Case({self.sizes!r}, {self.value_class!r}, {self.seed}){self.run_args})")

    def to_json(self) -> dict:
        return {"sizes": self.sizes, "seed": self.seed, "entry": self.entry, "left": _num(self.left),
                "right": _num(self.right), "relative_rms_error": _num(self.error),
                "value_class": self.value_class, "replay": self.replay}


@dataclasses.dataclass(frozen=True)
class NumericVerdict:
    """``agree`` or ``differ``, after ``cases`` evaluations; ``max_error`` is the worst relative RMS error.

    ``examples`` of the cases were drawn by hypothesis from ``seed``; ``classes`` counts the
    cases per value class; ``overflows`` counts the ranged cases where only one form went
    non-finite, and ``overflow`` is the first of them.
    """

    verdict: str
    cases: int
    max_error: float
    tolerance: float
    counterexample: Counterexample | None
    examples: int = 0
    seed: int = 0
    classes: dict[str, int] = dataclasses.field(default_factory=dict)
    overflows: int = 0
    overflow: Counterexample | None = None
    dtype: str = "float64"
    device: str = "cpu"

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "cases": self.cases, "max_error": _num(self.max_error),
                "tolerance": self.tolerance,
                "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
                "examples": self.examples, "seed": self.seed, "classes": dict(self.classes),
                "overflows": self.overflows,
                "overflow": None if self.overflow is None else self.overflow.to_json(),
                "dtype": self.dtype, "device": self.device}


def _num(x: float) -> float | str:
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")


def _leaves(term: Term) -> dict[str, tuple]:
    return {leaf.name: leaf.shape for leaf in [*inputs(term), *params(term)]}


def signature_mismatch(a: Term, b: Term) -> str | None:
    """Why ``a`` and ``b`` cannot be compared entry by entry (different outputs or leaves), if so."""
    if a.type != b.type:
        return f"the outputs differ: {a.type} and {b.type}"
    la, lb = _leaves(a), _leaves(b)
    for name in sorted(set(la) & set(lb)):
        if set(la[name]) != set(lb[name]):
            return f"{name} is declared with different axes: [{_axes(la[name])}] and [{_axes(lb[name])}]"
    return None


def _axes(shape) -> str:
    return ", ".join(str(a) for a in shape)


def size_cases(a: Term, b: Term, fixed: Mapping[str, int] | None = None) -> list[dict[str, int]]:
    """The size assignments tried: distinct small values from several bases, ``fixed`` winning."""
    symbols = sorted(set(size_symbols(a)) | set(size_symbols(b)))
    out = []
    for base in SIZE_BASES:
        sizes = {s: (1 if base == 1 else base + k) for k, s in enumerate(symbols)}
        sizes.update(fixed or {})
        if sizes not in out:
            out.append(sizes)
    return out


# -- values --------------------------------------------------------------------------


def mask_leaves(*terms: Term) -> dict[str, float]:
    """Leaves used as masks (an operand of a comparison) -> the constant they are compared
    with (the smallest, if several; 0 when compared with a non-constant)."""
    found: dict[str, float] = {}
    for term in terms:
        for node in postorder(term):
            if not (isinstance(node, Binary) and node.op in _COMPARISONS):
                continue
            for mine, other in ((node.a, node.b), (node.b, node.a)):
                while isinstance(mine, Rename):
                    mine = mine.x
                if isinstance(mine, (Input, Param)):
                    c = other.value if isinstance(other, Const) and math.isfinite(other.value) else 0.0
                    found[mine.name] = min(found.get(mine.name, c), c)
    return dict(sorted(found.items()))


def value_classes(a: Term, b: Term, sizes: Mapping[str, int] | None = None) -> tuple[str, ...]:
    """The value classes that make sense for ``a`` and ``b``: ``masked`` needs a mask leaf,
    ``size-one`` a size symbol that ``sizes`` leaves free."""
    symbols = set(size_symbols(a)) | set(size_symbols(b))
    skip = {"masked"} if not mask_leaves(a, b) else set()
    if not symbols - set(sizes or {}):
        skip.add("size-one")
    return tuple(c for c in VALUE_CLASSES if c not in skip)


def case_values(a: Term, b: Term, case: Case) -> dict[str, np.ndarray]:
    """Float64 values for every leaf of ``a`` and ``b``, laid out as ``a`` declares them.

    Normal, large, tiny and size-one cases are :func:`~anatomy.runtime.random_values` with
    the case's seed (times the class's scale); ties round those to {-1, 0, 1}; masked cases
    give each mask leaf values in {c, c + 1} (``c``: the constant it is compared with) and
    then, along one axis, set whole rows to c or to c + 1.
    """
    if case.value_class not in VALUE_CLASSES:
        raise UnknownNameError(f"unknown value class {case.value_class!r}",
                               hint=did_you_mean(str(case.value_class), VALUE_CLASSES))
    scale = SCALES.get(case.value_class, 1.0)
    values = random_values(b, sizes=case.sizes, seed=case.seed, scale=scale)
    values.update(random_values(a, sizes=case.sizes, seed=case.seed, scale=scale))
    if case.value_class == "ties":
        values = {k: np.clip(np.rint(v), -1.0, 1.0) for k, v in values.items()}
    elif case.value_class == "masked":
        rng = np.random.Generator(np.random.PCG64([case.seed, 1]))
        for name, c in mask_leaves(a, b).items():
            values[name] = _masked(rng, values[name].shape, c)
    return values


def _masked(rng: np.random.Generator, shape: tuple[int, ...], c: float) -> np.ndarray:
    out = np.where(rng.random(shape) < 0.5, c + 1.0, c)
    if not shape:
        return out
    k = int(rng.integers(len(shape)))
    fill = c + float(rng.integers(2))
    rows = np.moveaxis(out, k, -1)  # a view: writing whole rows along axis k writes out
    chosen = rng.random(rows.shape[:-1]) < 0.5
    chosen.flat[0] = True
    rows[chosen] = fill
    return out


def _relayout(values: Mapping[str, np.ndarray], source: Term, target: Term) -> dict[str, np.ndarray]:
    """``values`` (laid out as ``source`` declares its leaves) restricted to ``target``'s leaves
    and laid out as ``target`` declares them (the two sides may have different leaves)."""
    have = {n: tuple(a.name for a in s) for n, s in _leaves(source).items()}
    out = {name: values[name] for name in _leaves(target)}
    for name, shape in _leaves(target).items():
        want = tuple(a.name for a in shape)
        if name in have and have[name] != want:
            out[name] = np.transpose(values[name], [have[name].index(x) for x in want])
    return out


def _host(data: Any) -> np.ndarray:
    """A float64 numpy array from a backend array (a torch tensor on any device)."""
    if hasattr(data, "detach"):
        data = data.detach().double().cpu().numpy()
    return np.asarray(data, dtype=float)


def run_case(a: Term, b: Term, case: Case, *, backend: str = "numpy", dtype: Any = None,
             device: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Both sides on ``case``'s values, as float64 arrays laid out in ``a.axes`` order."""
    values = case_values(a, b, case)
    be = get_backend(backend, dtype=dtype, device=device)
    x = evaluate(a, {name: values[name] for name in _leaves(a)}, sizes=case.sizes, backend=be).aligned(a.axes)
    y = evaluate(b, _relayout(values, a, b), sizes=case.sizes, backend=be).aligned(a.axes)
    return _host(x), _host(y)


# -- judging -------------------------------------------------------------------------


def relative_rms_error(x: Any, y: Any) -> float:
    """``rms(x - y) / rms(x)`` over the entries finite on both sides; ``inf`` when the
    non-finite entries differ (``nan`` matches ``nan``).

    Example:
        >>> relative_rms_error([1.0, 2.0, float("nan")], [1.0, 2.0, float("nan")])
        0.0
        >>> relative_rms_error([1.0, 2.0], [1.0, float("inf")])
        inf
    """
    x, y = _host(x), _host(y)
    err, _, mismatch = _error(x, y)
    return math.inf if mismatch else err


def _error(x: np.ndarray, y: np.ndarray) -> tuple[float, tuple[int, ...], bool]:
    """The error over entries finite on both sides, where it is largest, and whether the
    non-finite entries differ (then: the first entry where they do)."""
    fx, fy = np.isfinite(x), np.isfinite(y)
    both = fx & fy
    same = both | ((~fx & ~fy) & ((x == y) | (np.isnan(x) & np.isnan(y))))
    if not same.all():
        bad = np.argwhere(~same)[0]
        err = _error(np.where(both, x, 0.0), np.where(both, y, 0.0))[0]
        return err, tuple(int(i) for i in bad), True
    if not both.any():
        return 0.0, (), False
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(both, x - y, 0.0)
    err = _rms(diff) / (_rms(np.where(both, x, 0.0)) or 1.0)
    where = np.unravel_index(int(np.argmax(np.abs(diff))), diff.shape) if diff.size else ()
    return err, tuple(int(i) for i in where), False


def _rms(v: np.ndarray) -> float:
    """The root mean square, rescaled by the largest entry when squaring over- or underflows."""
    with np.errstate(over="ignore", under="ignore"):
        r = math.sqrt(float(np.mean(v ** 2)))
        if math.isfinite(r) and (r > 0 or not v.any()):
            return r
        m = float(np.max(np.abs(v)))
        return m * math.sqrt(float(np.mean((v / m) ** 2))) if math.isfinite(m) else math.inf


def draw_cases(a: Term, b: Term, *, examples: int, sizes: Mapping[str, int] | None = None,
               seed: int = 0) -> list[Case]:
    """``examples`` cases drawn by hypothesis, the same for the same arguments.

    Each case draws a value class among :func:`value_classes` (hypothesis draws the
    simplest first: ``normal``, sizes 1, seed 0), every size symbol in 1..:data:`MAX_SIZE`
    (``sizes`` winning; in a ``size-one`` case at least one free symbol is 1), and a value
    seed. Hypothesis runs derandomised from ``seed``, without a database or shrinking.

    Example:
        >>> from anatomy.examples import load_example
        >>> t = load_example("scaled-dot-product").term
        >>> cases = draw_cases(t, t, examples=2, sizes={"dk": 4})
        >>> len(cases), cases[0]
        (2, Case(sizes={'dk': 4, 'dv': 1, 'm': 1, 'n': 1}, value_class='normal', seed=0))
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, strategies as st
    from hypothesis import seed as seeded

    fixed = dict(sizes or {})
    symbols = sorted(set(size_symbols(a)) | set(size_symbols(b)))
    free = [s for s in symbols if s not in fixed]
    classes = value_classes(a, b, fixed)

    @st.composite
    def cases(draw) -> Case:
        value_class = draw(st.sampled_from(classes))
        sizes = {s: draw(st.integers(1, MAX_SIZE)) for s in free}
        if value_class == "size-one":
            ones = [draw(st.booleans()) for _ in free]
            ones[draw(st.integers(0, len(free) - 1))] = True
            sizes.update({s: 1 for s, one in zip(free, ones) if one})
        sizes.update(fixed)
        return Case(dict(sorted(sizes.items())), value_class, draw(st.integers(0, 2 ** 32 - 1)))

    drawn: list[Case] = []

    @seeded(seed)
    @settings(database=None, derandomize=True, max_examples=examples, deadline=None,
              suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate),
              verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False)
    @given(cases())
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


def _check_count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise UsageError(expected(f"a non-negative integer for {what}", repr(value)))
    return int(value)


def compare(a: Term, b: Term, *, seeds: int = 3, sizes: Mapping[str, int] | None = None,
            tolerance: float | None = None, examples: int = 0, seed: int = 0, backend: str = "numpy",
            dtype: Any = None, device: Any = None) -> NumericVerdict:
    """Evaluate ``a`` and ``b`` on shared values; ``agree`` or ``differ``.

    Parameters:
        seeds: normal cases per size assignment of :func:`size_cases`.
        sizes: size symbol -> int, fixed in every case.
        tolerance: the largest relative RMS error that agrees; by default the dtype's
            entry in :data:`TOLERANCES`.
        examples: extra cases drawn by hypothesis (sizes 1..5, a value class, a seed).
        seed: the hypothesis seed of the drawn cases.
        backend, dtype, device: where both sides are evaluated (see
            :func:`anatomy.runtime.evaluate`); the float64 numpy reference by default.

    A case whose non-finite entries differ makes the verdict ``differ`` (error ``inf``),
    unless its value class is ranged (:data:`RANGED_CLASSES`): then it counts in
    ``overflows`` and is judged on the entries finite on both sides.
    """
    why = signature_mismatch(a, b)
    if why is not None:
        raise UsageError(f"the two terms cannot be compared numerically: {why}",
                         hint="compare variants with the same output axes and the same inputs")
    seeds, examples, seed = (_check_count(v, w) for v, w in ((seeds, "seeds"), (examples, "examples"), (seed, "seed")))
    if seeds + examples == 0:
        raise UsageError(expected("at least one case (seeds or examples above 0)", "seeds=0, examples=0"))
    be = get_backend(backend, dtype=dtype, device=device)
    dtype_name = str(be.dtype).removeprefix("torch.")
    if tolerance is None:
        if dtype_name not in TOLERANCES:
            raise UsageError(f"no default tolerance for dtype {dtype_name}", hint="pass tolerance=")
        tolerance = TOLERANCES[dtype_name]
    elif isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not tolerance >= 0:
        raise UsageError(expected("a non-negative number for tolerance", repr(tolerance)))
    fixed = dict(sizes or {})
    drawn = draw_cases(a, b, examples=examples, sizes=fixed, seed=seed) if examples else []
    plan = [Case(s, "normal", k) for s in size_cases(a, b, fixed) for k in range(seeds)] + drawn
    run_args = "" if be.name == "numpy" and dtype_name == "float64" else \
        f", backend={be.name!r}, dtype={dtype_name!r}, device={str(be.device)!r}"
    axes = a.axes
    worst: Counterexample | None = None
    overflow: Counterexample | None = None
    overflows = 0
    classes = dict.fromkeys(VALUE_CLASSES, 0)
    for case in plan:
        x, y = run_case(a, b, case, backend=be)
        classes[case.value_class] += 1
        err, at, mismatch = _error(x, y)
        found = _counterexample(case, axes, at, x, y, err, run_args)
        if mismatch and case.value_class in RANGED_CLASSES:
            overflows += 1
            overflow = overflow or found
        elif mismatch:
            found = dataclasses.replace(found, error=math.inf)
        if worst is None or found.error > worst.error:
            worst = found
    assert worst is not None
    differ = not worst.error <= tolerance
    return NumericVerdict("differ" if differ else "agree", len(plan), worst.error, tolerance,
                          worst if differ else None, examples=len(drawn),
                          seed=seed, classes={k: v for k, v in classes.items() if v}, overflows=overflows,
                          overflow=overflow, dtype=dtype_name, device=str(be.device))


def _counterexample(case: Case, axes: tuple[str, ...], at: tuple[int, ...], x: np.ndarray, y: np.ndarray,
                    err: float, run_args: str) -> Counterexample:
    left = float(x[at]) if at else float(x.reshape(-1)[0]) if x.size else 0.0
    right = float(y[at]) if at else float(y.reshape(-1)[0]) if y.size else 0.0
    return Counterexample(dict(case.sizes), case.seed, dict(zip(axes, at)), left, right, err, case.value_class,
                          run_args)
