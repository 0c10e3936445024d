"""Properties over random well-typed terms (tests/common/strategies.py).

* numpy and torch agree to 1e-10 in float64 (nan equal to nan);
* hoisting state-free parts out of scan steps changes nothing;
* computing ``sum_k(a * b)`` as one einsum changes nothing but rounding;
* every result has the term's axes, at the lengths the sizes give;
* the term strategy reaches every node kind, nested scans and simultaneous renames.
"""

from __future__ import annotations

import importlib.util
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from anatomy.ir.term import NODE_KINDS, Rename, Scan
from anatomy.ir.traverse import postorder
from anatomy.runtime import evaluate, random_values, sizes_of
from anatomy.runtime._backend import get_backend
from anatomy.runtime._check import check_sizes, check_values
from anatomy.runtime import _eval
from anatomy.runtime._eval import Evaluator
from tests.common import assert_close
from tests.common.strategies import cases, terms

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: Stop at the first example found: shrinking it would cost seconds and prove nothing more.
FIND = settings(database=None, max_examples=2000, phases=[Phase.generate])


def _replay(term, sizes, seed) -> str:
    return (f"term = {term!r}\nprinted: {term}\nsizes = {sizes!r}, seed = {seed}\n"
            f"replay: evaluate(term, random_values(term, sizes=sizes, seed=seed), sizes=sizes)")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")
@settings(max_examples=300, **SETTINGS)
@given(cases())
def test_numpy_and_torch_agree_in_float64(case):
    term, sizes, seed = case
    values = random_values(term, sizes=sizes, seed=seed)
    ref = evaluate(term, values, sizes=sizes)
    got = evaluate(term, values, sizes=sizes, backend="torch")
    lengths = sizes_of(term, sizes)
    assert ref.axes == got.axes == term.axes
    assert ref.shape == tuple(lengths[a] for a in term.axes)
    assert_close(got.data, ref.data, rtol=1e-10, atol=1e-10, context=_replay(term, sizes, seed))


@settings(max_examples=150, **SETTINGS)
@given(cases())
def test_hoisting_does_not_change_values(case):
    term, sizes, seed = case
    values = random_values(term, sizes=sizes, seed=seed)
    backend = get_backend("numpy")
    bindings, lengths = check_sizes(term, sizes)
    leaves = check_values(term, values, backend, lengths)
    hoisted = Evaluator(backend, lengths, bindings, leaves).run(term)
    naive = Evaluator(backend, lengths, bindings, leaves, hoist=False).run(term)
    assert hoisted.axes == naive.axes
    assert_close(hoisted.data, naive.data, rtol=1e-12, atol=1e-12, context=_replay(term, sizes, seed))


@settings(max_examples=100, **SETTINGS)
@given(cases())
def test_contraction_fusion_does_not_change_values(case):
    term, sizes, seed = case
    values = random_values(term, sizes=sizes, seed=seed)
    fused = evaluate(term, values, sizes=sizes)
    with mock.patch.object(_eval, "_contract", lambda ev, t, x, frame: _eval._reduce_plain(ev, t, frame)):
        plain = evaluate(term, values, sizes=sizes)
    assert_close(fused.data, plain.data, rtol=1e-10, atol=1e-10, context=_replay(term, sizes, seed))


@pytest.mark.parametrize("kind", NODE_KINDS, ids=lambda k: k.__name__)
def test_the_strategy_reaches_every_node_kind(kind):
    found = find(terms(), lambda t: any(isinstance(n, kind) for n in postorder(t)),
                 settings=FIND)
    assert any(isinstance(n, kind) for n in postorder(found))


def test_the_strategy_reaches_nested_scans_and_swaps():
    def nested(t):
        return any(isinstance(n, Scan) and any(isinstance(m, Scan) for s in n.steps for m in postorder(s))
                   for n in postorder(t))

    def swap(t):
        return any(isinstance(n, Rename) and len(n.mapping) == 2 for n in postorder(t))

    for predicate in (nested, swap):
        find(terms(), predicate, settings=FIND)
