"""The float64 numeric oracle: do two terms compute the same function on random inputs?

Both terms are evaluated by the numpy reference runtime (never the e-graph) on the same
random inputs and parameters, at several size assignments, and compared by relative RMS
error (``rms(a - b) / rms(a)``, with non-finite entries required to match exactly). The
verdict reports the cases run and the worst error; a difference above the tolerance comes
with the sizes, seed and entry where it was largest.

Example:
    >>> from anatomy.examples import load_example
    >>> v = compare(load_example("scaled-dot-product").term, load_example("dot-product").term)
    >>> v.verdict, v.cases > 0
    ('differ', True)
    >>> compare(load_example("linear-elu-linear").term, load_example("linear-elu-quadratic").term).verdict
    'agree'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from ..errors import UsageError
from ..ir.term import Term
from ..ir.traverse import inputs, params, size_symbols
from ..runtime import evaluate, random_values

TOLERANCE = 1e-9
"""Largest relative RMS error two float64 evaluations may differ by and still agree."""

SIZE_BASES = (2, 3, 1, 5)
"""Each size assignment gives the symbols distinct values from one base upwards (1: all ones)."""


@dataclasses.dataclass(frozen=True)
class Counterexample:
    """Where two terms differ: sizes, seed, the entry with the largest difference and both values."""

    sizes: dict[str, int]
    seed: int
    entry: dict[str, int]
    left: float
    right: float
    error: float

    def to_json(self) -> dict:
        return {"sizes": self.sizes, "seed": self.seed, "entry": self.entry, "left": _num(self.left),
                "right": _num(self.right), "relative_rms_error": _num(self.error)}


@dataclasses.dataclass(frozen=True)
class NumericVerdict:
    """``agree`` or ``differ``, after ``cases`` evaluations; ``max_error`` is the worst relative RMS error."""

    verdict: str
    cases: int
    max_error: float
    tolerance: float
    counterexample: Counterexample | None

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "cases": self.cases, "max_error": _num(self.max_error),
                "tolerance": self.tolerance,
                "counterexample": None if self.counterexample is None else self.counterexample.to_json()}


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


def _error(x: np.ndarray, y: np.ndarray) -> tuple[float, tuple[int, ...]]:
    fx, fy = np.isfinite(x), np.isfinite(y)
    if not np.array_equal(fx, fy) or not np.array_equal(x[~fx], y[~fy]):
        bad = np.argwhere((fx != fy) | (~fx & (x != y)))
        return math.inf, tuple(int(i) for i in bad[0])
    if not fx.any():
        return 0.0, ()
    diff = np.where(fx, x - y, 0.0)
    scale = math.sqrt(float(np.mean(np.where(fx, x, 0.0) ** 2))) or 1.0
    err = math.sqrt(float(np.mean(diff ** 2))) / scale
    where = np.unravel_index(int(np.argmax(np.abs(diff))), diff.shape) if diff.size else ()
    return err, tuple(int(i) for i in where)


def compare(a: Term, b: Term, *, seeds: int = 3, sizes: Mapping[str, int] | None = None,
            tolerance: float = TOLERANCE) -> NumericVerdict:
    """Evaluate ``a`` and ``b`` on shared random values at several sizes; ``agree`` or ``differ``."""
    why = signature_mismatch(a, b)
    if why is not None:
        raise UsageError(f"the two terms cannot be compared numerically: {why}",
                         hint="compare variants with the same output axes and the same inputs")
    axes = a.type.names
    worst: Counterexample | None = None
    cases = 0
    for case in size_cases(a, b, sizes):
        for seed in range(seeds):
            values = random_values(b, sizes=case, seed=seed)
            values.update(random_values(a, sizes=case, seed=seed))
            x = evaluate(a, values, sizes=case).aligned(axes)
            y = evaluate(b, values, sizes=case).aligned(axes)
            cases += 1
            err, at = _error(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
            if worst is None or err > worst.error:
                entry = dict(zip(axes, at))
                left = float(x[at]) if at else float(np.asarray(x).reshape(-1)[0]) if np.size(x) else 0.0
                right = float(y[at]) if at else float(np.asarray(y).reshape(-1)[0]) if np.size(y) else 0.0
                worst = Counterexample(dict(case), seed, entry, left, right, err)
    assert worst is not None
    differ = not worst.error <= tolerance
    return NumericVerdict("differ" if differ else "agree", cases, worst.error, tolerance, worst if differ else None)
