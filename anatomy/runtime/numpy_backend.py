"""The numpy backend: the float64 reference, one table entry per elementwise op.

Every op is written in its numerically stable form (sigmoid and softplus never overflow,
gelu uses ``erfc`` so that its left tail keeps its relative precision); the torch backend
writes the same formulas, so the two agree to rounding. Floating-point warnings are
silenced during an evaluation: ``log(0) = -inf`` and ``0/0 = nan`` are honest values.

Main classes: :class:`NumpyBackend`, :class:`NumpyArrays`. Tables: :data:`UNARY`, :data:`BINARY`, :data:`REDUCE`.

Example:
    >>> import numpy as np
    >>> from anatomy.ir.ops import UnaryOp
    >>> UNARY[UnaryOp.SOFTPLUS](np.array([-800.0, 0.0, 800.0])).round(6).tolist()
    [0.0, 0.693147, 800.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import ReduceOp
from ..messages import expected
from ._backend import Backend

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _gelu(x: np.ndarray) -> np.ndarray:
    # No erf in numpy and no scipy dependency: math.erfc, elementwise, is exact to an ulp.
    return x * 0.5 * np.asarray(_erfc(-x / math.sqrt(2.0)), dtype=np.result_type(x))


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


UNARY: dict[UnaryOp, Callable[[Any], Any]] = {
    UnaryOp.NEG: np.negative,
    UnaryOp.EXP: np.exp,
    UnaryOp.LOG: np.log,
    UnaryOp.SQRT: np.sqrt,
    UnaryOp.ABS: np.abs,
    UnaryOp.TANH: np.tanh,
    UnaryOp.SIGMOID: _sigmoid,
    UnaryOp.RELU: lambda x: np.maximum(x, 0.0),
    UnaryOp.ELU: _elu,
    UnaryOp.GELU: _gelu,
    UnaryOp.SILU: lambda x: x * _sigmoid(x),
    UnaryOp.SOFTPLUS: _softplus,
    UnaryOp.SIN: np.sin,
    UnaryOp.COS: np.cos,
    UnaryOp.NOT: np.logical_not,
}

BINARY: dict[BinaryOp, Callable[[Any, Any], Any]] = {
    BinaryOp.ADD: np.add,
    BinaryOp.SUB: np.subtract,
    BinaryOp.MUL: np.multiply,
    BinaryOp.DIV: np.divide,
    BinaryOp.MAX: np.maximum,
    BinaryOp.MIN: np.minimum,
    BinaryOp.LT: np.less,
    BinaryOp.LE: np.less_equal,
    BinaryOp.GT: np.greater,
    BinaryOp.GE: np.greater_equal,
    BinaryOp.EQ: np.equal,
    BinaryOp.NE: np.not_equal,
    BinaryOp.AND: np.logical_and,
    BinaryOp.OR: np.logical_or,
}

REDUCE: dict[ReduceOp, Callable[[Any, int, bool], Any]] = {
    ReduceOp.SUM: lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    ReduceOp.MAX: lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
}


class NumpyArrays(Backend):
    """The array primitives on numpy arrays of any dtype, shared by :class:`NumpyBackend` and
    the verifiers' exact-scalar backend (object arrays)."""

    def reshape(self, data: Any, shape: tuple[int, ...]) -> Any:
        return np.reshape(data, shape)

    def broadcast_to(self, data: Any, shape: tuple[int, ...]) -> Any:
        return np.broadcast_to(data, shape)

    def concat(self, parts: Sequence[Any], axis: int) -> Any:
        return np.concatenate(parts, axis=axis)

    def stack(self, parts: Sequence[Any], axis: int) -> Any:
        return np.stack(parts, axis=axis)

    def take(self, data: Any, axis: int, index: int) -> Any:
        return data[(slice(None),) * axis + (index,)]


class NumpyBackend(NumpyArrays):
    """numpy arrays on the CPU; float64 unless another float dtype is asked for.

    Parameters:
        dtype: a numpy float dtype or its name (default ``float64``).
        device: None or ``"cpu"``.

    Example:
        >>> NumpyBackend(dtype="float32").arange(3).dtype
        dtype('float32')
    """

    name = "numpy"
    unary = UNARY
    binary = BINARY
    reduce = REDUCE

    def __init__(self, *, dtype: Any = None, device: Any = None) -> None:
        try:
            dt = np.dtype("float64" if dtype is None else dtype)
        except TypeError:
            dt = None
        if dt is None or dt.kind != "f":
            raise UsageError(expected("a numpy float dtype such as 'float64' or 'float32' for dtype",
                                      repr(dtype)))
        if device not in (None, "cpu"):
            raise UsageError(expected("device None or 'cpu' for the numpy backend", repr(device)),
                             hint="use backend='torch' to run on another device")
        self.dtype = dt
        self.device = "cpu"

    def asarray(self, value: Any, what: str) -> np.ndarray:
        if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
            value = value.detach().cpu().numpy()
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise UsageError(expected(f"a real array for {what}", f"{type(value).__name__} ({err})")) from None
        if arr.dtype.kind not in "biuf":
            raise UsageError(expected(f"a real array for {what}", f"an array of dtype {arr.dtype}"))
        return arr.astype(self.dtype, copy=False)

    def scalar(self, value: float) -> np.ndarray:
        return np.asarray(value, dtype=self.dtype)

    def arange(self, n: int) -> np.ndarray:
        return np.arange(n, dtype=self.dtype)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    def einsum(self, subscripts: str, a: Any, b: Any) -> Any:
        return np.einsum(subscripts, a, b, optimize=True)

    def context(self) -> Any:
        return np.errstate(all="ignore")
