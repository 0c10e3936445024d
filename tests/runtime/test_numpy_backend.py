"""The numpy op tables against values computed one by one in 50-digit arithmetic (mpmath)."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

from anatomy.ir.ops import BinaryOp, UnaryOp
from anatomy.ir.term import ReduceOp
from anatomy.runtime.numpy_backend import BINARY, REDUCE, UNARY, NumpyBackend
from tests.common import assert_close

mpmath.mp.dps = 50
GRID = np.array([-800.0, -40.0, -5.5, -1.0, -1e-8, 0.0, 1e-8, 0.3, 1.0, 2.5, 20.0, 40.0, 800.0])


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


#: Each op's definition, evaluated exactly on one number; None marks "nan" (outside the domain).
EXACT = {
    UnaryOp.NEG: lambda x: -x,
    UnaryOp.EXP: mpmath.exp,
    UnaryOp.LOG: lambda x: mpmath.log(x) if x > 0 else (-mpmath.inf if x == 0 else None),
    UnaryOp.SQRT: lambda x: mpmath.sqrt(x) if x >= 0 else None,
    UnaryOp.ABS: abs,
    UnaryOp.TANH: mpmath.tanh,
    UnaryOp.SIGMOID: _sigmoid,
    UnaryOp.RELU: lambda x: max(x, 0),
    UnaryOp.ELU: lambda x: x if x > 0 else mpmath.expm1(x),
    UnaryOp.GELU: lambda x: x * (1 + mpmath.erf(x / mpmath.sqrt(2))) / 2,
    UnaryOp.SILU: lambda x: x * _sigmoid(x),
    UnaryOp.SOFTPLUS: lambda x: mpmath.log(1 + mpmath.exp(x)),
    UnaryOp.SIN: mpmath.sin,
    UnaryOp.COS: mpmath.cos,
}


def _exact(op: UnaryOp, x: float) -> float:
    value = EXACT[op](mpmath.mpf(x))
    return math.nan if value is None else float(value)


def test_tables_cover_every_op():
    assert set(UNARY) == set(UnaryOp)
    assert set(BINARY) == set(BinaryOp)
    assert set(REDUCE) == set(ReduceOp)


@pytest.mark.parametrize("op", sorted(EXACT, key=lambda o: o.value), ids=lambda o: o.value)
def test_unary_matches_exact_values(op):
    grid = GRID if op not in (UnaryOp.SIN, UnaryOp.COS) else GRID[np.abs(GRID) < 100]
    expected = np.array([_exact(op, float(x)) for x in grid])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stable forms: no overflow warnings from unused branches
        got = UNARY[op](grid) if op in (UnaryOp.SIGMOID, UnaryOp.SOFTPLUS, UnaryOp.ELU, UnaryOp.GELU,
                                         UnaryOp.SILU, UnaryOp.RELU) else _quiet(op, grid)
    # Relative 1e-14 everywhere, including the far tails (gelu(-40) ≈ -1e-349 underflows to -0.0).
    assert_close(got, expected, rtol=1e-14, atol=1e-300, context=f"op {op.value} on {grid.tolist()}")


def _quiet(op, grid):
    with np.errstate(all="ignore"):
        return UNARY[op](grid)


def test_unary_ops_propagate_nan():
    for op in EXACT:
        assert np.isnan(_quiet(op, np.array([np.nan]))).all(), op


def test_not():
    assert UNARY[UnaryOp.NOT](np.array([True, False])).tolist() == [False, True]


BINARY_CASES = [
    (BinaryOp.ADD, 1.5, -2.0, -0.5), (BinaryOp.SUB, 1.5, -2.0, 3.5), (BinaryOp.MUL, 1.5, -2.0, -3.0),
    (BinaryOp.DIV, 1.5, -2.0, -0.75), (BinaryOp.DIV, 1.0, 0.0, math.inf), (BinaryOp.DIV, 0.0, 0.0, math.nan),
    (BinaryOp.MAX, 1.5, -2.0, 1.5), (BinaryOp.MAX, math.nan, 1.0, math.nan),
    (BinaryOp.MIN, 1.5, -2.0, -2.0), (BinaryOp.MIN, 1.0, math.nan, math.nan),
    (BinaryOp.LT, 1.0, 2.0, True), (BinaryOp.LE, 2.0, 2.0, True), (BinaryOp.GT, 1.0, 2.0, False),
    (BinaryOp.GE, 2.0, 2.0, True), (BinaryOp.EQ, 2.0, 2.0, True), (BinaryOp.NE, 2.0, 2.0, False),
    (BinaryOp.AND, True, False, False), (BinaryOp.OR, True, False, True),
]


@pytest.mark.parametrize("op, a, b, want", BINARY_CASES, ids=[f"{c[0].value}({c[1]}, {c[2]})" for c in BINARY_CASES])
def test_binary(op, a, b, want):
    with np.errstate(all="ignore"):
        got = BINARY[op](np.array(a), np.array(b))
    if isinstance(want, bool):
        assert bool(got) is want
    else:
        assert_close(got, np.array(want), rtol=0, atol=0)


def test_reduce_keepdims_and_nan():
    x = np.array([[1.0, np.nan], [2.0, 3.0]])
    assert REDUCE[ReduceOp.SUM](x, 1, True).shape == (2, 1)
    assert np.isnan(REDUCE[ReduceOp.MAX](x, 1, False)[0]) and REDUCE[ReduceOp.MAX](x, 1, False)[1] == 3.0


def test_backend_primitives():
    b = NumpyBackend()
    x = np.arange(6.0).reshape(2, 3)
    assert b.take(x, 1, 2).tolist() == [2.0, 5.0]
    assert b.concat([x, x], 0).shape == (4, 3) and b.stack([x, x], 0).shape == (2, 2, 3)
    assert b.asarray([[1, 2]], "input 'x'").dtype == np.float64
    assert NumpyBackend(dtype=np.float32).scalar(1.0).dtype == np.float32
