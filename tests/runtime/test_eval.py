"""The generic evaluator, node kind by node kind, on numpy against hand-written numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anatomy.ir.ops import BinaryOp, UnaryOp
from anatomy.ir.term import (NODE_KINDS, Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize,
                             Param, Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Unary, Where)
from anatomy.runtime import evaluate, random_values
from anatomy.runtime._check import check_sizes, check_values
from anatomy.runtime._backend import get_backend
from anatomy.runtime._eval import EVAL, Evaluator
from tests.common import assert_close

N, M, DK = 4, 3, 5
SIZES = {"n": N, "m": M, "dk": DK, "h": 2, "dh": 3}
i, k, j, d = Axis("i", "n"), Axis("k", "n"), Axis("j", "m"), Axis("d", "dk")
t, u = Axis("t", "n"), Axis("u", "m")
h, c, hd = Axis("h", "h"), Axis("c", "dh"), Axis("hd", "h*dh")
RNG = np.random.default_rng(0)


def run(term, values=None, sizes=SIZES, **kw):
    out = evaluate(term, values or {}, sizes=sizes, **kw)
    assert out.axes == term.axes
    return out.data


def arr(*shape):
    return RNG.standard_normal(shape)


def test_eval_table_covers_every_node_kind():
    assert set(EVAL) == set(NODE_KINDS)


# -- leaves --------------------------------------------------------------------------

def test_leaves_keep_their_declared_layout():
    x = arr(N, DK)
    assert_close(run(Input("X", (i, d)), {"X": x}), x, rtol=0, atol=0)
    assert_close(run(Param("W", (d, i)), {"W": x.T}), x.T, rtol=0, atol=0)


def test_const_dim_and_index():
    assert run(Const(-2.5)) == -2.5
    assert run(Const(-math.inf)) == -math.inf
    assert run(Dim("h*dh")) == 6.0
    assert run(Dim("q"), sizes={**SIZES, "q": 7}) == 7.0  # a size used only by a Dim
    assert run(Index(j)).tolist() == [0.0, 1.0, 2.0]


# -- elementwise ---------------------------------------------------------------------

def test_binary_broadcasts_by_name_in_layout_order():
    a, b = arr(N), arr(M)
    assert_close(run(Binary(BinaryOp.SUB, Input("A", (i,)), Input("B", (j,))), {"A": a, "B": b}),
                 a[:, None] - b[None, :], rtol=0, atol=0)


def test_binary_aligns_operands_laid_out_differently():
    x, y = arr(N, M), arr(M, N)
    out = run(Input("X", (i, j)) * Input("Y", (j, i)), {"X": x, "Y": y})
    assert_close(out, x * y.T, rtol=0, atol=0)


def test_where_with_a_causal_mask():
    s = arr(N, N)
    term = Where(Index(k).le(Index(i)), Input("S", (i, k)), Const(-math.inf))
    assert term.axes == ("k", "i")  # layout follows first appearance: the mask's axes come first
    out = evaluate(term, {"S": s}, sizes=SIZES).transpose(("i", "k")).data
    assert_close(out, np.where(np.tril(np.ones((N, N), bool)), s, -np.inf), rtol=0, atol=0)


def test_comparisons_give_booleans():
    out = run(Index(i).lt(Const(2.0)) | Index(i).eq(Const(3.0)))
    assert out.dtype == bool and out.tolist() == [True, True, False, True]


# -- reductions and sugar ------------------------------------------------------------

@pytest.mark.parametrize("op, fn", [(ReduceOp.SUM, np.sum), (ReduceOp.MAX, np.max)], ids=["sum", "max"])
def test_reduce(op, fn):
    x = arr(N, M, DK)
    assert_close(run(Reduce(op, Input("X", (i, j, d)), "j"), {"X": x}), fn(x, axis=1), rtol=1e-15, atol=1e-15)


def test_softmax_is_stable_for_large_values_and_nan_on_a_masked_row():
    s = np.array([[1000.0, 1001.0, 1002.0], [-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 0.0]])
    three = Axis("a", 3), Axis("b", 3)
    out = run(Softmax(Input("S", three), "b"), {"S": s})
    e = np.exp([0.0, 1.0, 2.0])
    assert_close(out[0], e / e.sum(), rtol=1e-15, atol=0)
    assert np.isnan(out[1]).all()
    assert out[2].tolist() == [0.5, 0.0, 0.5]


def test_normalize_is_exact_and_nan_on_a_zero_row():
    x = arr(N, DK)
    x[1] = 0.0
    out = run(Normalize(Input("X", (i, d)), "d"), {"X": x})
    rows = x[[0, 2, 3]]
    assert_close(out[[0, 2, 3]], rows / np.sqrt((rows * rows).sum(1, keepdims=True)), rtol=1e-15, atol=0)
    assert np.isnan(out[1]).all()


def test_softmax_agrees_with_its_lowering():
    from anatomy.ir.lower import lower

    term = Softmax(Input("S", (i, j)), "j")
    values = random_values(term, sizes=SIZES, seed=3)
    assert_close(run(lower(term), values), run(term, values), rtol=1e-14, atol=1e-15)


# -- reshaping -----------------------------------------------------------------------

def test_rename_is_a_relabel_and_a_swap_transposes():
    x = arr(N, N)
    swapped = Rename(Input("X", (i, k)), (("i", "k"), ("k", "i")))
    out = evaluate(swapped, {"X": x}, sizes=SIZES)
    assert out.axes == ("k", "i")
    assert_close(out.transpose(("i", "k")).data, x.T, rtol=0, atol=0)
    assert_close(run(swapped + Input("X", (i, k)), {"X": x}), x + x.T, rtol=0, atol=0)


def test_concat_with_a_part_lacking_the_axis():
    x, b = arr(N, M), arr(N)
    term = Concat((Input("X", (i, j)), Input("B", (i,)), Const(0.0)), "j", "jj")
    out = run(term, {"X": x, "B": b})
    assert term.axes == ("i", "jj")
    assert_close(out, np.concatenate([x, b[:, None], np.zeros((N, 1))], axis=1), rtol=0, atol=0)


def test_concat_when_no_part_has_the_axis():
    a, b = arr(N), arr(M)
    term = Concat((Input("A", (i,)), Input("B", (j,))), "z", "zz")
    assert term.axes == ("zz", "i", "j")
    expected = np.stack([np.broadcast_to(a[:, None], (N, M)), np.broadcast_to(b[None, :], (N, M))])
    assert_close(run(term, {"A": a, "B": b}), expected, rtol=0, atol=0)


def test_split_is_row_major_and_merge_inverts_it():
    x = arr(N, 6)
    split = Split(Input("X", (i, hd)), "hd", (h, c))
    assert_close(run(split, {"X": x}), x.reshape(N, 2, 3), rtol=0, atol=0)
    assert_close(run(Merge(split, ("h", "c"), "hd"), {"X": x}), x, rtol=0, atol=0)


def test_merge_follows_the_given_order():
    x = arr(2, N, 3)
    term = Merge(Input("X", (h, i, c)), ("c", "h"), "ch")
    assert term.axes == ("ch", "i")  # the merged axis takes the layout place of the first merged one (h)
    assert_close(run(term, {"X": x}), x.transpose(2, 0, 1).reshape(6, N), rtol=0, atol=0)


# -- scans ---------------------------------------------------------------------------

def test_scan_cumulative_sum():
    x, s = arr(N, DK), State("s", (d,))
    term = Scan("t", (s,), (Const(0.0),), (s + Input("X", (t, d)),), 0)
    assert term.axes == ("t", "d")
    assert_close(run(term, {"X": x}), np.cumsum(x, axis=0), rtol=1e-15, atol=1e-15)


def test_two_state_scan_updates_simultaneously():
    a, b = State("a", ()), State("b", ())
    # (a, b) <- (b, a + b) from (0, 1): Fibonacci; a sequential update would give powers of two.
    fib = Scan("t", (a, b), (Const(0.0), Const(1.0)), (b + Index(t) * 0.0, a + b), 0)
    assert run(fib).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert run(Scan("t", (a, b), (Const(0.0), Const(1.0)), (b + Index(t) * 0.0, a + b), 1)).tolist() == [1, 2, 3, 5]


def test_scan_reads_the_position_and_broadcasts_init_and_step():
    s = State("s", (d,))
    w = arr(DK)
    term = Scan("t", (s,), (Param("W", (d,)),), (s * 0.5 + Index(t),), 0)
    expected, cur = [], w.copy()
    for p in range(N):
        cur = cur * 0.5 + p
        expected.append(cur.copy())
    assert_close(run(term, {"W": w}), np.array(expected), rtol=1e-15, atol=0)


def test_scan_step_that_renames_into_the_scan_axis():
    x, s = arr(N), State("s", ())
    term = Scan("t", (s,), (Const(0.0),), (s + Input("X", (k,)).rename(k="t"),), 0)
    assert_close(run(term, {"X": x}), np.cumsum(x), rtol=1e-15, atol=1e-15)


def test_nested_scan_is_a_two_dimensional_prefix_sum():
    x = arr(N, M)
    # Inside the outer step, t is one position, but the inner state must still carry t to
    # read X[t, u]: a step's free axes are its state's axes and its own scan axis.
    row, acc = State("row", (u,)), State("acc", (t,))
    inner = Scan("u", (acc,), (Const(0.0),), (acc + Input("X", (t, u)),), 0)  # cumsum along u at row t
    outer = Scan("t", (row,), (Const(0.0),), (row + inner,), 0)
    assert outer.axes == ("t", "u")
    assert_close(run(outer, {"X": x}), x.cumsum(0).cumsum(1), rtol=1e-14, atol=1e-14)


def test_inner_scan_reads_the_outer_state():
    x = arr(N, M)
    row, acc = State("row", (u,)), State("acc", (t,))
    # Inner: a running max along u of (row + X[t, u]), started from the outer row's sum.
    inner = Scan("u", (acc,), (row.sum("u"),), (Binary(BinaryOp.MAX, acc, row + Input("X", (t, u))),), 0)
    outer = Scan("t", (row,), (Const(1.0),), (Unary(UnaryOp.TANH, inner),), 0)
    expected, r = [], np.ones(M)
    for p in range(N):
        a, new = r.sum(), []
        for q in range(M):
            a = max(a, r[q] + x[p, q])
            new.append(a)
        r = np.tanh(np.array(new))
        expected.append(r)
    assert_close(run(outer, {"X": x}), np.array(expected), rtol=1e-14, atol=1e-14)


def test_hoisting_gives_the_same_values_as_per_position_evaluation():
    x = arr(N, DK)
    s = State("s", (d,))
    shared = Softmax(Input("X", (t, d)), "d")  # state-free: hoisted and sliced
    term = Scan("t", (s,), (shared.sum("t"),), (s * shared + Index(t) * Dim("n"),), 0) * shared.max("t")
    values = {"X": x}
    backend = get_backend("numpy")
    bindings, lengths = check_sizes(term, SIZES)
    leaves = check_values(term, values, backend, lengths)
    hoisted = Evaluator(backend, lengths, bindings, leaves).run(term)
    naive = Evaluator(backend, lengths, bindings, leaves, hoist=False).run(term)
    assert hoisted.axes == naive.axes == term.axes
    assert_close(hoisted.data, naive.data, rtol=1e-14, atol=1e-14)


def test_numpy_float32_evaluation_stays_float32():
    x = arr(N, DK)
    out = run(Softmax(Input("X", (i, d)), "d"), {"X": x}, dtype="float32")
    assert out.dtype == np.float32
    e = np.exp(x - x.max(1, keepdims=True))
    assert_close(out, e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-6)


# -- contraction ---------------------------------------------------------------------

CONTRACTIONS = {
    "matrix product": (("i", "d"), ("j", "d"), "d"),
    "axis in one operand": (("i", "d"), ("i",), "d"),
    "batched": (("h", "i", "d"), ("h", "j", "d"), "d"),
    "outer then sum": (("i",), ("j",), "j"),
}
AXES = {a.name: a for a in (i, j, d, h)}


@pytest.mark.parametrize("name", sorted(CONTRACTIONS))
def test_sum_of_a_product_is_one_einsum_with_the_same_value(name):
    left, right, over = CONTRACTIONS[name]
    a, b = Input("A", tuple(AXES[n] for n in left)), Input("B", tuple(AXES[n] for n in right))
    values = random_values(a * b, sizes=SIZES, seed=11)
    values["A"].flat[0] = math.inf
    values["B"].flat[0] = 0.0  # inf * 0 must stay nan, as in the elementwise definition
    fused = evaluate(Reduce(ReduceOp.SUM, a * b, over), values, sizes=SIZES)
    plain = evaluate(Reduce(ReduceOp.SUM, (a * b) + Const(0.0), over), values, sizes=SIZES)
    assert fused.axes == plain.axes
    assert_close(fused.data, plain.data, rtol=1e-13, atol=1e-13)
