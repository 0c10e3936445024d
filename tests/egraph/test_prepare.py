"""The prepare pass (anatomy/egraph/prepare.py) computes the same function.

* ``push_renames`` on random terms keeps the type and the values, and leaves Rename nodes
  only directly on Input and Param leaves;
* ``prepare`` on random terms keeps the values, and on the recurrent causal linear
  attention removes every Scan;
* ``scan_prefix_sum`` declines scans it does not cover: a nonzero init, two states, a step
  that is not ``S + X``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from anatomy.egraph.prepare import prepare, push_renames, scan_prefix_sum
from anatomy.examples import load_example
from anatomy.ir.ops import BinaryOp
from anatomy.ir.term import Axis, Binary, Const, Index, Input, Param, Rename, Scan, State, Term
from anatomy.ir.traverse import inputs, params, postorder
from anatomy.runtime import default_sizes, evaluate, random_values
from tests.common import assert_close
from tests.common.strategies import cases

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _replay(term: Term, out: Term, sizes: dict, seed: int) -> str:
    return f"term = {term!r}\nprinted: {term}\nresult: {out}\nsizes = {sizes!r}, seed = {seed}"


def _same_values(term: Term, out: Term, sizes: dict, seed: int) -> None:
    values = random_values(term, sizes=sizes, seed=seed)
    names = {leaf.name for leaf in [*inputs(out), *params(out)]}
    assert names <= set(values), _replay(term, out, sizes, seed)
    ref = evaluate(term, values, sizes=sizes)
    got = evaluate(out, {k: v for k, v in values.items() if k in names}, sizes=sizes)
    assert set(got.axes) == set(ref.axes), _replay(term, out, sizes, seed)
    assert_close(got.transpose(ref.axes).data, ref.data, rtol=1e-10, atol=1e-10,
                 context=_replay(term, out, sizes, seed))


@settings(max_examples=200, **SETTINGS)
@given(cases())
def test_push_renames_keeps_type_and_values(case):
    term, sizes, seed = case
    out = push_renames(term)
    assert out.type == term.type, _replay(term, out, sizes, seed)
    stray = [n for n in postorder(out) if isinstance(n, Rename) and not isinstance(n.x, (Input, Param))]
    assert not stray, f"renames not on a leaf: {[str(n) for n in stray]}\n" + _replay(term, out, sizes, seed)
    _same_values(term, out, sizes, seed)


@settings(max_examples=150, **SETTINGS)
@given(cases())
def test_prepare_keeps_values(case):
    term, sizes, seed = case
    out, used = prepare(term)
    assert out.type == term.type, _replay(term, out, sizes, seed)
    assert list(used) == sorted(set(used))
    _same_values(term, out, sizes, seed)


def test_prepare_turns_the_causal_linear_scan_into_masked_sums():
    term = load_example("causal-linear-scan").term
    assert any(isinstance(n, Scan) for n in postorder(term))
    out, used = prepare(term)
    assert used == ("scan-prefix-sum",)
    assert not any(isinstance(n, Scan) for n in postorder(out)), str(out)
    assert out.type == term.type
    for seed, sizes in enumerate([{"n": 1, "dk": 1, "dv": 1}, default_sizes(term), {"n": 5, "dk": 2, "dv": 3}]):
        _same_values(term, out, sizes, seed)


# -- scan_prefix_sum declines what it does not cover --------------------------------

T, D = Axis("t", "T"), Axis("d", "D")
X = Input("X", (T, D))
S = State("S", (D,))


def test_scan_prefix_sum_rewrites_a_running_sum():
    scan = Scan("t", (S,), (Const(0.0),), (S + X,), 0)
    out = scan_prefix_sum(scan)
    assert out is not None and not any(isinstance(n, Scan) for n in postorder(out))
    _same_values(scan, out, {"T": 4, "D": 2}, 0)


def test_scan_prefix_sum_declines_a_nonzero_init():
    assert scan_prefix_sum(Scan("t", (S,), (Const(1.0),), (S + X,), 0)) is None
    assert scan_prefix_sum(Scan("t", (S,), (Input("Y", (D,)),), (S + X,), 0)) is None


def test_scan_prefix_sum_declines_two_states():
    s2 = State("S2", (D,))
    for out in (0, 1):
        assert scan_prefix_sum(Scan("t", (S, s2), (Const(0.0), Const(0.0)), (S + X, s2 + X), out)) is None


def test_scan_prefix_sum_declines_other_steps():
    steps = [
        S * X,                               # not a sum
        S - X,                               # not a sum
        S + S * X,                           # the addend reads the state
        X + X,                               # the state is not an operand
        Binary(BinaryOp.MAX, S, X),          # another binary op
        S + Input("Y", (D,)) + Index(T) * 0,  # (S + Y) + ...: the state is not a direct operand
    ]
    for step in steps:
        assert scan_prefix_sum(Scan("t", (S,), (Const(0.0),), (step,), 0)) is None, str(step)
