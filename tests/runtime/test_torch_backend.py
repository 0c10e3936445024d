"""The torch backend agrees with the numpy reference: op by op, on whole terms, in float32."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from anatomy.errors import UsageError  # noqa: E402
from anatomy.ir.ops import BinaryOp, UnaryOp  # noqa: E402
from anatomy.ir.term import (Axis, Concat, Const, Index, Input, Merge, Normalize, Param, ReduceOp,  # noqa: E402
                             Scan, Softmax, Split, State, Unary, Where)
from anatomy.runtime import default_sizes, evaluate, random_values  # noqa: E402
from anatomy.runtime import numpy_backend as nb  # noqa: E402
from anatomy.runtime import torch_backend as tb  # noqa: E402
from tests.common import assert_close  # noqa: E402

SPECIAL = np.array([-np.inf, -800.0, -40.0, -3.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 40.0, 800.0, np.inf, np.nan])
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

i, j, d, e = Axis("i", "n"), Axis("j", "m"), Axis("d", "dk"), Axis("e", "dv")
h, c, hd = Axis("h", "h"), Axis("c", "dh"), Axis("hd", "h*dh")


def test_tables_cover_every_op():
    assert set(tb.UNARY) == set(UnaryOp)
    assert set(tb.BINARY) == set(BinaryOp)
    assert set(tb.REDUCE) == set(ReduceOp)


@pytest.mark.parametrize("op", [op for op in UnaryOp if op is not UnaryOp.NOT], ids=lambda o: o.value)
def test_unary_agrees_with_numpy(op):
    with np.errstate(all="ignore"):
        want = nb.UNARY[op](SPECIAL)
    got = tb.UNARY[op](torch.from_numpy(SPECIAL))
    assert_close(got, want, rtol=1e-13, atol=1e-300, context=f"op {op.value} on {SPECIAL.tolist()}")


@pytest.mark.parametrize("op", list(BinaryOp), ids=lambda o: o.value)
def test_binary_agrees_with_numpy(op):
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    if op in (BinaryOp.AND, BinaryOp.OR):
        a, b = a > 0, b > 0
    with np.errstate(all="ignore"):
        want = nb.BINARY[op](a, b)
    assert_close(tb.BINARY[op](torch.from_numpy(a), torch.from_numpy(b)), want, rtol=1e-15, atol=0)


def attention():
    q, k, v = Input("Q", (i, d)), Input("K", (j, d)), Input("V", (j, e))
    scores = (q * k).sum("d") / Const(1.0) + Param("b", (j,))
    mask = Index(j).le(Index(i) + Const(1.0))
    return (Softmax(Where(mask, scores, Const(-math.inf)), "j") * v).sum("j")


def heads():
    x, w = Input("X", (i, hd)), Param("W", (hd, e))
    per_head = Normalize(Split(x, "hd", (h, c)), "c")
    merged = Merge(per_head, ("h", "c"), "hd")
    return Concat(((merged * w).sum("hd"), Const(0.0)), "e", "f")


def recurrence():
    s, z = State("s", (d, e)), State("z", (d,))
    k, v = Input("K", (j, d)), Input("V", (j, e))
    phi = Unary(UnaryOp.ELU, k) + Const(1.0)  # linear attention's feature map, as a prefix scan
    return Scan("j", (s, z), (Const(0.0), Const(1.0)), (s + phi * v, z + phi), 0).sum("d")


TERMS = {"attention": attention, "heads": heads, "recurrence": recurrence}


@pytest.mark.parametrize("name", sorted(TERMS))
def test_terms_agree_in_float64(name):
    term = TERMS[name]()
    sizes = default_sizes(term)
    values = random_values(term, sizes=sizes, seed=7)
    ref = evaluate(term, values, sizes=sizes)
    got = evaluate(term, values, sizes=sizes, backend="torch")
    assert got.axes == ref.axes == term.axes
    assert isinstance(got.data, torch.Tensor) and got.data.dtype == torch.float64
    assert_close(got.data, ref.data, rtol=1e-10, atol=1e-10, context=f"{term}\nsizes={sizes} seed=7")


@pytest.mark.parametrize("name", sorted(TERMS))
def test_terms_agree_in_float32_loosely(name):
    term = TERMS[name]()
    sizes = default_sizes(term)
    values = random_values(term, sizes=sizes, seed=7)
    got = evaluate(term, values, sizes=sizes, backend="torch", dtype=torch.float32)
    assert got.data.dtype == torch.float32
    assert_close(got.data, evaluate(term, values, sizes=sizes).data, rtol=1e-4, atol=1e-5)


def test_fully_masked_row_is_nan_in_both_backends():
    s = Input("S", (i, j))
    term = Softmax(Where(Index(i).eq(Const(0.0)), Const(-math.inf), s), "j")
    values = {"S": np.full((3, 4), 1000.0)}
    for backend in ("numpy", "torch"):
        out = np.asarray(evaluate(term, values, sizes={"n": 3, "m": 4}, backend=backend).data)
        assert np.isnan(out[0]).all() and np.allclose(out[1:], 0.25), backend


def test_gradients_flow_through_evaluate():
    term = attention()
    sizes = default_sizes(term)
    values = {k: torch.tensor(v, requires_grad=True) for k, v in random_values(term, sizes=sizes, seed=1).items()}
    evaluate(term, values, sizes=sizes, backend="torch").data.sum().backward()
    assert all(v.grad is not None and torch.isfinite(v.grad).all() for v in values.values())


def test_dtype_names_and_devices():
    assert tb.as_dtype("float32") is torch.float32 and tb.as_dtype(None) is torch.float64
    assert tb.as_device(None) == torch.device("cpu")
    with pytest.raises(UsageError, match="float dtype"):
        tb.as_dtype(torch.int64)
    with pytest.raises(UsageError, match="torch device"):
        tb.as_device("warp-drive")


@CUDA
@pytest.mark.parametrize("name", sorted(TERMS))
def test_terms_agree_on_cuda(name):
    term = TERMS[name]()
    sizes = default_sizes(term)
    values = random_values(term, sizes=sizes, seed=7)
    got = evaluate(term, values, sizes=sizes, backend="torch", device="cuda")
    assert got.data.device.type == "cuda"
    assert_close(got.data, evaluate(term, values, sizes=sizes).data, rtol=1e-10, atol=1e-10)
