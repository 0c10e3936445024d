"""The rule tables are well formed, and every rule is numerically true.

* every rule's sides parse; names are kebab-case and unique; every rule cites a source
  and its ``site`` points at the line of ``anatomy/rules/exact.py`` that declares it;
* both sides of every rule (``egraph`` and ``prepare`` engines alike) evaluate to the same
  values on the numpy runtime, on shared random float64 values for the metavariables, at
  several small size assignments (all sizes 1 included) and seeds; masks (metavariables
  declared ``: bool``) get random 0/1 values, so ``M != 0`` is a real mask;
* a negative control: deliberately wrong rules fail the same check.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from anatomy.ir.term import Binary, Term
from anatomy.ir.ops import BinaryOp
from anatomy.ir.traverse import inputs, postorder, size_symbols
from anatomy.rules import EXACT_RULES, RULES, Rule
from anatomy.runtime import NamedArray, evaluate, random_values

ROOT = Path(__file__).resolve().parents[2]
EXACT = "anatomy/rules/exact.py"
FAMILY = "anatomy/rules/family.py"
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

SEEDS = (0, 1, 2)
RTOL = 1e-9
ATOL = 1e-12

BY_NAME = sorted(EXACT_RULES, key=lambda r: r.name)  # family rules: tests/rules/test_family_rules.py


# -- well-formedness ---------------------------------------------------------------


def test_rule_tables_are_well_formed():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    files = {path: (ROOT / path).read_text().splitlines() for path in (EXACT, FAMILY)}
    for r in RULES:
        left, right = r.sides  # raises InternalError if a side does not parse
        assert isinstance(left, Term) and isinstance(right, Term), r.name
        used = {leaf.name for side in (left, right) for leaf in inputs(side)}
        assert used <= set(r.metavars), f"{r.name}: undeclared metavariables {sorted(used - set(r.metavars))}"
        assert KEBAB.fullmatch(r.name), f"rule name {r.name!r} is not kebab-case"
        assert r.source.strip(), f"rule {r.name} has no source"
        path, _, line = r.site.rpartition(":")
        assert path == (EXACT if r.level == "≡" else FAMILY), f"rule {r.name}: site {r.site!r} is in the wrong file"
        lines = files[path]
        assert line.isdigit() and 1 <= int(line) <= len(lines), f"rule {r.name}: bad line in site {r.site!r}"
        assert f'"{r.name}"' in lines[int(line) - 1], (
            f"rule {r.name}: line {line} of {path} does not name it: {lines[int(line) - 1].strip()!r}")


# -- the numeric check -------------------------------------------------------------


@dataclasses.dataclass
class Verdict:
    """What :func:`check_rule` found: cases compared, cases skipped (with why), failures."""

    compared: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)
    failures: list[str] = dataclasses.field(default_factory=list)

    @property
    def holds(self) -> bool:
        return bool(self.compared) and not self.failures


def size_assignments(symbols: tuple[str, ...]) -> list[dict[str, int]]:
    """Sizes in 1..4 for ``symbols``: all 1, all distinct-ish (2, 3, 4, 2, ...), and two random draws."""
    rng = np.random.default_rng(1234)
    out = [{s: 1 for s in symbols}, {s: 2 + k % 3 for k, s in enumerate(symbols)}]
    out += [{s: int(rng.integers(1, 5)) for s in symbols} for _ in range(2)]
    return out


def rule_values(rule: Rule, left: Term, right: Term, sizes: dict[str, int], seed: int) -> dict[str, np.ndarray]:
    """Shared random values for the metavariables of both sides; masks get random 0/1 arrays."""
    values = dict(random_values(left, sizes=sizes, seed=seed))
    # Another seed for the right side, so a name only it reads is not a copy of a left-side draw.
    for name, arr in random_values(right, sizes=sizes, seed=seed + 1_000).items():
        values.setdefault(name, arr)
    rng = np.random.default_rng(10_000 + seed)
    for name in rule.masks & set(values):
        mask = rng.integers(0, 2, size=values[name].shape).astype(np.float64)
        if mask.size >= 2 and mask.min() == mask.max():  # make both values present
            mask.flat[0] = 1.0 - mask.flat[0]
        values[name] = mask
    return values


def _evaluate(term: Term, values: dict[str, np.ndarray], sizes: dict[str, int]) -> NamedArray:
    names = {leaf.name for leaf in inputs(term)}
    return evaluate(term, {k: v for k, v in values.items() if k in names}, sizes=sizes)


def zero_divisor(side: Term, values: dict[str, np.ndarray], sizes: dict[str, int]) -> str | None:
    """A divisor of ``side`` (one that reads no scan state) that is exactly 0 somewhere, printed."""
    for node in postorder(side):
        if isinstance(node, Binary) and node.op is BinaryOp.DIV and not node.b.free_states:
            if np.any(np.asarray(_evaluate(node.b, values, sizes).data) == 0):
                return str(node.b)
    return None


def compare(left: NamedArray, right: NamedArray) -> str | None:
    """``None`` if the two values agree after broadcasting to the union of their axes,
    else a description of the worst difference."""
    order = left.axes + tuple(a for a in right.axes if a not in left.axes)
    lengths = {**right.sizes, **left.sizes}
    for a in set(left.axes) & set(right.axes):
        if left.sizes[a] != right.sizes[a]:
            return f"axis {a} has length {left.sizes[a]} on the left, {right.sizes[a]} on the right"
    shape = tuple(lengths[a] for a in order)
    a = np.broadcast_to(np.asarray(left.aligned(order), dtype=np.float64), shape)
    b = np.broadcast_to(np.asarray(right.aligned(order), dtype=np.float64), shape)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any():
        k = tuple(np.argwhere(fa != fb)[0])
        return f"finite on one side only at {_at(order, k)}: left {a[k]!r}, right {b[k]!r}"
    special = ~fa & ~(np.isnan(a) & np.isnan(b)) & (a != b)
    if special.any():
        k = tuple(np.argwhere(special)[0])
        return f"non-finite values differ at {_at(order, k)}: left {a[k]!r}, right {b[k]!r}"
    if not fa.any():
        return None
    rms = float(np.sqrt(np.mean(np.square(a[fa]))))
    err = np.abs(np.where(fa, a, 0.0) - np.where(fb, b, 0.0))
    allowed = ATOL + RTOL * rms
    if (err > allowed).any():
        k = np.unravel_index(int(np.argmax(err)), shape)
        return (f"{int((err > allowed).sum())} of {a.size} differ; worst at {_at(order, k)}: "
                f"left {a[k]!r}, right {b[k]!r} (allowed {allowed:.3g})")
    return None


def _at(order: tuple[str, ...], k) -> dict[str, int]:
    return {a: int(i) for a, i in zip(order, k)}


def check_rule(rule: Rule, seeds=SEEDS) -> Verdict:
    """Evaluate both sides of ``rule`` at every size assignment and seed, and compare."""
    left, right = rule.sides
    symbols = tuple(sorted(set(size_symbols(left)) | set(size_symbols(right))))
    verdict = Verdict()
    for sizes in size_assignments(symbols):
        for seed in seeds:
            case = f"sizes={sizes}, seed={seed}"
            values = rule_values(rule, left, right, sizes, seed)
            zero = zero_divisor(left, values, sizes) or zero_divisor(right, values, sizes)
            if zero is not None:
                verdict.skipped.append(f"{case}: the divisor {zero} is exactly 0 (the rule assumes it is not)")
                continue
            problem = compare(_evaluate(left, values, sizes), _evaluate(right, values, sizes))
            verdict.compared.append(case)
            if problem is not None:
                shown = {k: np.round(v, 4).tolist() for k, v in values.items()}
                verdict.failures.append(f"{case}: {problem}\n  values = {shown}")
    return verdict


@pytest.mark.parametrize("rule", BY_NAME, ids=[r.name for r in BY_NAME])
def test_rule_is_numerically_true(rule):
    verdict = check_rule(rule)
    assert verdict.compared, f"rule {rule.name}: no case compared; skipped:\n" + "\n".join(verdict.skipped)
    assert not verdict.failures, f"rule {rule.name} ({rule.site}) is false:\n" + "\n".join(verdict.failures[:3])
    for reason in verdict.skipped:
        warnings.warn(f"rule {rule.name}: case skipped, {reason}", stacklevel=1)


def test_a_zero_divisor_skips_only_that_case():
    """A case whose divisor is exactly 0 is skipped, with the divisor named; the rest are compared."""
    rule = Rule("masked-divisor", "test", "X[z] / where(M[z], Y[z], 0)", "X[z] / where(M[z], Y[z], 0)",
                vars="M[z]: bool X[z] Y[z]", source="a divisor that a mask can zero")
    verdict = check_rule(rule)
    assert verdict.skipped and verdict.compared and not verdict.failures, verdict
    assert all("is exactly 0" in s and "where(" in s for s in verdict.skipped)


def test_sides_with_fewer_axes_broadcast():
    """``A[z] * 0 -> 0``: the right side lacks ``z`` and is compared broadcast along it."""
    left = NamedArray(("z", "j"), np.array([[1.0, -np.inf], [2.0, 3.0]]))
    assert compare(left, NamedArray(("j", "z"), left.data.T.copy())) is None
    assert compare(NamedArray(("z",), np.zeros(3)), NamedArray((), np.array(0.0))) is None
    assert "differ" in compare(NamedArray(("z",), np.array([0.0, 1.0])), NamedArray((), np.array(0.0)))
    assert "finite on one side only" in compare(left, NamedArray(("z", "j"), np.array([[1.0, 0.0], [2.0, 3.0]])))


def test_masks_are_random_masks():
    """Mask metavariables get 0/1 values with both present, so ``M != 0`` is not vacuous."""
    masked = [r for r in RULES if r.masks]
    assert masked
    for r in masked:
        left, right = r.sides
        sizes = {s: 3 for s in set(size_symbols(left)) | set(size_symbols(right))}
        values = rule_values(r, left, right, sizes, 0)
        for m in r.masks:
            assert set(np.unique(values[m])) == {0.0, 1.0}, (r.name, m, values[m])


# -- negative control ----------------------------------------------------------------

WRONG = (
    Rule("wrong-softmax-scale", "test", "softmax_j(X[z, j] * C[z])", "softmax_j(X[z, j])", vars="X[z, j] C[z]",
         direction="->", source="false: softmax is not scale invariant"),
    Rule("wrong-sum-mul", "test", "sum_j(A[z, j] * B[z, j])", "sum_j(A[z, j]) * sum_j(B[z, j])",
         vars="A[z, j] B[z, j]", source="false: the sum of products is not the product of sums"),
    Rule("wrong-max-add", "test", "max_j(A[z, j] + B[z, j])", "max_j(A[z, j]) + max_j(B[z, j])",
         vars="A[z, j] B[z, j]", source="false: max does not distribute over +"),
)


@pytest.mark.parametrize("rule", WRONG, ids=[r.name for r in WRONG])
def test_the_check_rejects_false_rules(rule):
    verdict = check_rule(rule)
    assert verdict.compared and verdict.failures, verdict
    assert not verdict.holds
