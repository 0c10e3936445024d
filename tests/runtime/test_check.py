"""Invalid calls into the runtime, as a table: each fails eagerly with a precise message."""

from __future__ import annotations

import numpy as np
import pytest

from anatomy.errors import AnatomyError, UnknownNameError, UsageError
from anatomy.ir.term import Axis, Input, Param, State
from anatomy.runtime import default_sizes, evaluate, get_backend, random_values, sizes_of

i, d = Axis("i", "n"), Axis("d", "dk")
X, W = Input("X", (i, d)), Param("W", (d,))
TERM = (X * W).sum("d")
SIZES = {"n": 2, "dk": 3}
GOOD = {"X": np.zeros((2, 3)), "W": np.zeros(3)}
S = State("s", ())

CASES = [
    # (call as the user writes it, entry point, args, kwargs, error, message fragment)
    ("evaluate(TERM, {'X': x})", evaluate, (TERM, {"X": GOOD["X"]}), {"sizes": SIZES},
     UsageError, r"no value for param 'W' \[d: dk\]"),
    ("evaluate(TERM, {..., 'Y': y})", evaluate, (TERM, {**GOOD, "Y": 1.0}), {"sizes": SIZES},
     UnknownNameError, "'Y', which is not an input or parameter"),
    ("evaluate(TERM, {'x': ...})", evaluate, (TERM, {"x": GOOD["X"], "W": GOOD["W"]}), {"sizes": SIZES},
     UnknownNameError, "did you mean 'X'"),
    ("evaluate(TERM, {'X': 1-d})", evaluate, (TERM, {**GOOD, "X": np.zeros(2)}), {"sizes": SIZES},
     UsageError, r"Expected an array of shape \(2, 3\) for input 'X' \[i: n, d: dk\], got shape \(2,\)"),
    ("evaluate(TERM, {'X': 2x4})", evaluate, (TERM, {**GOOD, "X": np.zeros((2, 4))}), {"sizes": SIZES},
     UsageError, r"Expected length 3 along axis 'd' \(size dk, dimension 1\).*got length 4"),
    ("evaluate(TERM, {'X': 'abc'})", evaluate, (TERM, {**GOOD, "X": "abc"}), {"sizes": SIZES},
     UsageError, "Expected a real array for input 'X'"),
    ("evaluate(TERM, [..])", evaluate, (TERM, [GOOD["X"]]), {"sizes": SIZES},
     UsageError, "mapping from input and parameter names"),
    ("evaluate(TERM, .., sizes={'n': 2})", evaluate, (TERM, GOOD), {"sizes": {"n": 2}},
     UsageError, "no value for 'dk'"),
    ("evaluate(TERM, .., sizes={'n': 0, ..})", evaluate, (TERM, GOOD), {"sizes": {**SIZES, "n": 0}},
     UsageError, "Expected a positive integer for size symbol 'n' in sizes, got 0 instead."),
    ("evaluate(TERM, .., sizes={'n': 2.0, ..})", evaluate, (TERM, GOOD), {"sizes": {**SIZES, "n": 2.0}},
     UsageError, "Expected an integer for size symbol 'n'"),
    ("evaluate(TERM, .., sizes={'n': True, ..})", evaluate, (TERM, GOOD), {"sizes": {**SIZES, "n": True}},
     UsageError, "Expected an integer for size symbol 'n'"),
    ("evaluate(TERM, .., sizes=[2, 3])", evaluate, (TERM, GOOD), {"sizes": [2, 3]},
     UsageError, "mapping from size symbols"),
    ("evaluate('x', {}, ..)", evaluate, ("x", {}), {"sizes": {}}, UsageError, "Expected a term"),
    ("evaluate(State, ..)", evaluate, (S + 1.0, {}), {"sizes": {}}, UsageError, "outside any scan"),
    ("evaluate(.., backend='nump')", evaluate, (TERM, GOOD), {"sizes": SIZES, "backend": "nump"},
     UnknownNameError, "did you mean 'numpy'"),
    ("evaluate(.., dtype='int32')", evaluate, (TERM, GOOD), {"sizes": SIZES, "dtype": "int32"},
     UsageError, "numpy float dtype"),
    ("evaluate(.., device='cuda')", evaluate, (TERM, GOOD), {"sizes": SIZES, "device": "cuda"},
     UsageError, "device None or 'cpu' for the numpy backend"),
    ("sizes_of(TERM, {})", sizes_of, (TERM, {}), {}, UsageError, "no value for 'dk', 'n'"),
    ("random_values(TERM, .., seed=-1)", random_values, (TERM,), {"sizes": SIZES, "seed": -1},
     UsageError, "non-negative integer for seed"),
    ("random_values(TERM, .., scale=nan)", random_values, (TERM,), {"sizes": SIZES, "seed": 0, "scale": float("nan")},
     UsageError, "finite real number for scale"),
    ("default_sizes(TERM, base=0)", default_sizes, (TERM,), {"base": 0}, UsageError, "positive integer for base"),
    ("default_sizes(3)", default_sizes, (3,), {}, UsageError, "a term, a size or an iterable"),
    ("get_backend('jax')", get_backend, ("jax",), {}, UnknownNameError, "unknown backend 'jax'"),
]


@pytest.mark.parametrize("call, fn, args, kwargs, error, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input(call, fn, args, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, AnatomyError)


TORCH_CASES = [
    ("evaluate(.., backend='torch', dtype='int64')", {"dtype": "int64"}, "torch float dtype"),
    ("evaluate(.., backend='torch', device='nowhere')", {"device": "nowhere"}, "torch device"),
]


@pytest.mark.parametrize("call, kwargs, match", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_bad_torch_options(call, kwargs, match):
    pytest.importorskip("torch")
    with pytest.raises(UsageError, match=match):
        evaluate(TERM, GOOD, sizes=SIZES, backend="torch", **kwargs)


def test_messages_read_well():
    with pytest.raises(UsageError) as info:
        evaluate(TERM, {**GOOD, "X": np.zeros((2, 4))}, sizes=SIZES)
    assert info.value.render() == (
        "error: Expected length 3 along axis 'd' (size dk, dimension 1) of input 'X' [i: n, d: dk], "
        "got length 4 (shape (2, 4)) instead.\n"
        "  hint: the expected shape is (2, 3), in the declared axis order")
