"""The torch backend: any device, any float dtype, the same formulas as the numpy reference.

Each op is written as in :mod:`anatomy.runtime.numpy_backend` (softplus as
``relu(x) + log1p(exp(-|x|))`` rather than torch's thresholded ``F.softplus``, gelu with
``erfc``), so that float64 results agree with the reference to rounding. Gradients flow
through every op, which is what :class:`~anatomy.runtime.module.TermModule` relies on.

Main class: :class:`TorchBackend`. Tables: :data:`UNARY`, :data:`BINARY`, :data:`REDUCE`.

Example:
    >>> import torch
    >>> from anatomy.ir.ops import UnaryOp
    >>> x = torch.tensor([-800.0, 0.0, 800.0], dtype=torch.float64)
    >>> UNARY[UnaryOp.SOFTPLUS](x).round(decimals=6).tolist()
    [0.0, 0.693147, 800.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ._backend import Backend, missing_dependency

try:
    import torch
except ModuleNotFoundError as _err:  # pragma: no cover - exercised by a subprocess test
    if _err.name != "torch":
        raise
    raise missing_dependency("torch", "the 'torch' backend") from None

from ..errors import UsageError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import ReduceOp
from ..messages import expected


def _elu(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, torch.expm1(torch.clamp(x, max=0.0)))


def _softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.relu(x) + torch.log1p(torch.exp(-torch.abs(x)))


def _gelu(x: torch.Tensor) -> torch.Tensor:
    return x * 0.5 * torch.special.erfc(-x / math.sqrt(2.0))


UNARY: dict[UnaryOp, Callable[[Any], Any]] = {
    UnaryOp.NEG: torch.neg,
    UnaryOp.EXP: torch.exp,
    UnaryOp.LOG: torch.log,
    UnaryOp.SQRT: torch.sqrt,
    UnaryOp.ABS: torch.abs,
    UnaryOp.TANH: torch.tanh,
    UnaryOp.SIGMOID: torch.sigmoid,
    UnaryOp.RELU: torch.relu,
    UnaryOp.ELU: _elu,
    UnaryOp.GELU: _gelu,
    UnaryOp.SILU: lambda x: x * torch.sigmoid(x),
    UnaryOp.SOFTPLUS: _softplus,
    UnaryOp.SIN: torch.sin,
    UnaryOp.COS: torch.cos,
    UnaryOp.NOT: torch.logical_not,
}

BINARY: dict[BinaryOp, Callable[[Any, Any], Any]] = {
    BinaryOp.ADD: torch.add,
    BinaryOp.SUB: torch.sub,
    BinaryOp.MUL: torch.mul,
    BinaryOp.DIV: torch.div,
    BinaryOp.MAX: torch.maximum,
    BinaryOp.MIN: torch.minimum,
    BinaryOp.LT: torch.lt,
    BinaryOp.LE: torch.le,
    BinaryOp.GT: torch.gt,
    BinaryOp.GE: torch.ge,
    BinaryOp.EQ: torch.eq,
    BinaryOp.NE: torch.ne,
    BinaryOp.AND: torch.logical_and,
    BinaryOp.OR: torch.logical_or,
}

REDUCE: dict[ReduceOp, Callable[[Any, int, bool], Any]] = {
    ReduceOp.SUM: lambda x, axis, keepdims: torch.sum(x, dim=axis, keepdim=keepdims),
    # amax propagates nan, like numpy's max (torch.max(dim=...) also returns indices).
    ReduceOp.MAX: lambda x, axis, keepdims: torch.amax(x, dim=axis, keepdim=keepdims),
}


def as_dtype(dtype: Any) -> torch.dtype:
    """A torch float dtype from a torch dtype or its name (``"float32"``); float64 for None."""
    if dtype is None:
        return torch.float64
    if isinstance(dtype, str):
        found = getattr(torch, dtype.removeprefix("torch."), None)
        dtype = found if isinstance(found, torch.dtype) else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point or dtype.is_complex:
        raise UsageError(expected("a torch float dtype such as torch.float64 or 'float32' for dtype",
                                  repr(dtype)))
    return dtype


def as_device(device: Any) -> torch.device:
    """A torch device from a device or its name; the CPU for None. Checks it is present."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise UsageError(expected("a torch device such as 'cpu' or 'cuda:0' for device", repr(device))) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(expected("an available device", f"{str(dev)!r}, but CUDA is not available here"),
                         hint="pass device='cpu'")
    return dev


class TorchBackend(Backend):
    """torch tensors of one float dtype on one device.

    Parameters:
        dtype: a torch float dtype or its name (default ``torch.float64``).
        device: a torch device or its name (default the CPU).

    Example:
        >>> TorchBackend(dtype="float32").arange(3)
        tensor([0., 1., 2.])
    """

    name = "torch"
    unary = UNARY
    binary = BINARY
    reduce = REDUCE

    def __init__(self, *, dtype: Any = None, device: Any = None) -> None:
        self.dtype = as_dtype(dtype)
        self.device = as_device(device)

    def asarray(self, value: Any, what: str) -> torch.Tensor:
        if isinstance(value, torch.Tensor):
            if value.is_complex() or not (value.is_floating_point() or value.dtype in _INTEGRAL):
                raise UsageError(expected(f"a real tensor for {what}", f"a tensor of dtype {value.dtype}"))
            return value.to(dtype=self.dtype, device=self.device)
        import numpy as np

        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise UsageError(expected(f"a real array for {what}", f"{type(value).__name__} ({err})")) from None
        if arr.dtype.kind not in "biuf":
            raise UsageError(expected(f"a real array for {what}", f"an array of dtype {arr.dtype}"))
        return torch.as_tensor(arr, device=self.device).to(self.dtype)

    def scalar(self, value: float) -> torch.Tensor:
        return torch.tensor(value, dtype=self.dtype, device=self.device)

    def arange(self, n: int) -> torch.Tensor:
        return torch.arange(n, dtype=self.dtype, device=self.device)

    def reshape(self, data: Any, shape: tuple[int, ...]) -> Any:
        return torch.reshape(data, shape)

    def broadcast_to(self, data: Any, shape: tuple[int, ...]) -> Any:
        return torch.broadcast_to(data, shape)

    def concat(self, parts: Sequence[Any], axis: int) -> Any:
        return torch.cat(list(parts), dim=axis)

    def stack(self, parts: Sequence[Any], axis: int) -> Any:
        return torch.stack(list(parts), dim=axis)

    def take(self, data: Any, axis: int, index: int) -> Any:
        return data.select(axis, index)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return torch.where(cond, a, b)

    def einsum(self, subscripts: str, a: Any, b: Any) -> Any:
        return torch.einsum(subscripts, a, b)


_INTEGRAL = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
