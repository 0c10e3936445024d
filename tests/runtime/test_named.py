"""NamedArray: permuting and aligning by axis name."""

from __future__ import annotations

import numpy as np
import pytest

from anatomy.errors import UsageError
from anatomy.runtime import NamedArray


def test_transpose_and_aligned():
    a = NamedArray(("i", "j"), np.arange(6.0).reshape(2, 3))
    assert a.sizes == {"i": 2, "j": 3}
    assert np.array_equal(a.transpose(("j", "i")).data, a.data.T)
    assert a.transpose(("i", "j")) is a
    aligned = a.aligned(("j", "k", "i"))
    assert aligned.shape == (3, 1, 2) and np.array_equal(aligned[:, 0, :], a.data.T)


def test_aligned_torch_tensor():
    torch = pytest.importorskip("torch")
    a = NamedArray(("i", "j"), torch.arange(6.0).reshape(2, 3))
    assert tuple(a.aligned(("j", "k", "i")).shape) == (3, 1, 2)


@pytest.mark.parametrize("order", [("i",), ("i", "i"), ("i", "j", "k")], ids=repr)
def test_transpose_needs_a_permutation(order):
    with pytest.raises(UsageError, match="permutation"):
        NamedArray(("i", "j"), np.zeros((2, 3))).transpose(order)


def test_aligned_needs_every_axis():
    with pytest.raises(UsageError, match="covering"):
        NamedArray(("i", "j"), np.zeros((2, 3))).aligned(("i",))
