"""TermModule: parameters, forward by name and position, dtypes, devices, gradients, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from anatomy.errors import UnknownNameError, UsageError  # noqa: E402
from anatomy.ir.term import Axis, Const, Dim, Index, Input, Param, Softmax  # noqa: E402
from anatomy.runtime import TermModule, default_sizes, evaluate, random_values, to_module  # noqa: E402
from tests.common import assert_close  # noqa: E402

i, j, d, e = Axis("i", "n"), Axis("j", "m"), Axis("d", "dk"), Axis("e", "dv")
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def scaled_attention():
    x, y = Input("X", (i, d)), Input("Y", (j, d))
    q, k = (x * Param("Wq", (d, e))).sum("d"), (y * Param("Wk", (d, e))).sum("d")
    scores = (q * k).sum("e") / Dim("dv") + Index(j) * Const(0.1)
    return (Softmax(scores, "j") * Input("V", (j, e))).sum("j")


TERM = scaled_attention()
SIZES = default_sizes(TERM)
VALUES = random_values(TERM, sizes=SIZES, seed=3)
INPUTS = {name: torch.from_numpy(VALUES[name]) for name in ("X", "Y", "V")}


def test_parameters_are_registered_by_name_with_their_initial_values():
    m = to_module(TERM, sizes=SIZES, seed=3)
    assert [n for n, _ in m.named_parameters()] == ["Wk", "Wq"]
    assert m.Wq.shape == (SIZES["dk"], SIZES["dv"]) and m.Wq.requires_grad
    assert np.array_equal(m.Wq.detach().numpy(), VALUES["Wq"])  # same draw as random_values
    assert m.input_names == ("X", "Y", "V")
    assert set(m.state_dict()) == {"Wk", "Wq"}


def test_forward_matches_the_numpy_reference():
    m = TermModule(TERM, sizes=SIZES, seed=3)
    ref = evaluate(TERM, VALUES, sizes=SIZES).data
    by_name = m(**INPUTS)
    by_position = m(INPUTS["X"], INPUTS["Y"], V=INPUTS["V"])
    assert by_name.shape == ref.shape and by_name.dtype == torch.float64
    assert_close(by_name, ref, rtol=1e-10, atol=1e-10)
    assert torch.equal(by_name, by_position)


def test_float32_module():
    m = to_module(TERM, sizes=SIZES, seed=3).to(torch.float32)
    out = m(**{k: v.float() for k, v in INPUTS.items()})
    assert out.dtype == torch.float32
    assert_close(out, evaluate(TERM, VALUES, sizes=SIZES).data, rtol=1e-4, atol=1e-5)


def test_numpy_inputs_are_converted_to_the_module_dtype():
    m = to_module(TERM, sizes=SIZES, seed=3).to(torch.float32)
    assert m(**{k: VALUES[k] for k in ("X", "Y", "V")}).dtype == torch.float32


def test_a_module_without_parameters_follows_its_inputs():
    m = to_module(Softmax(Input("S", (i, j)), "j"), sizes={"n": 2, "m": 3})
    assert list(m.parameters()) == []
    assert m(torch.zeros(2, 3, dtype=torch.float32)).dtype == torch.float32
    assert m(np.zeros((2, 3))).dtype == torch.float64


def test_gradients_match_finite_differences():
    m = to_module(TERM, sizes=SIZES, seed=3)
    m(**INPUTS).pow(2).sum().backward()
    analytic = m.Wq.grad[1, 2].item()
    eps = 1e-6

    def loss(delta):
        values = dict(VALUES)
        values["Wq"] = VALUES["Wq"].copy()
        values["Wq"][1, 2] += delta
        return float((evaluate(TERM, values, sizes=SIZES).data ** 2).sum())

    numeric = (loss(eps) - loss(-eps)) / (2 * eps)
    assert math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-9)


def test_the_seed_sets_the_initial_values():
    a, b = to_module(TERM, sizes=SIZES, seed=0), to_module(TERM, sizes=SIZES, seed=1)
    assert torch.equal(a.Wq, to_module(TERM, sizes=SIZES, seed=0).Wq)
    assert not torch.equal(a.Wq, b.Wq)


BAD_CALLS = [
    ("m(X, Y, V, V)", lambda m: m(*INPUTS.values(), INPUTS["V"]), UsageError, "at most 3 positional"),
    ("m(X, Y)", lambda m: m(INPUTS["X"], INPUTS["Y"]), UsageError, "no value for 'V'"),
    ("m(X, Y, V, x=...)", lambda m: m(**INPUTS, x=1), UnknownNameError, "did you mean 'X'"),
    ("m(..., Wq=...)", lambda m: m(**INPUTS, Wq=1), UnknownNameError, "is a parameter"),
    ("m(X, X=...)", lambda m: m(INPUTS["X"], **INPUTS), UsageError, "both by position and by name"),
    ("m(X=float32, ...)", lambda m: m(**{**INPUTS, "X": INPUTS["X"].float()}), UsageError, "dtype"),
    ("m(X=wrong shape)", lambda m: m(**{**INPUTS, "X": torch.zeros(2, 2, dtype=torch.float64)}), UsageError, "along axis"),
]


@pytest.mark.parametrize("call, fn, error, match", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_calls(call, fn, error, match):
    m = to_module(TERM, sizes=SIZES, seed=3)
    with pytest.raises(error, match=match):
        fn(m)


def test_a_parameter_named_like_a_module_attribute_is_refused():
    with pytest.raises(UsageError, match="clashes"):
        to_module(Param("training", (i,)) * 2.0, sizes={"n": 2})


@CUDA
def test_module_on_cuda():
    m = to_module(TERM, sizes=SIZES, seed=3).to("cuda")
    out = m(**{k: v.cuda() for k, v in INPUTS.items()})
    assert out.device.type == "cuda"
    assert_close(out, evaluate(TERM, VALUES, sizes=SIZES).data, rtol=1e-10, atol=1e-10)
