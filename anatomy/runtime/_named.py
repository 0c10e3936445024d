"""Named arrays: an array whose dimensions carry axis names, the runtime's value type.

The evaluator passes :class:`NamedArray` values between node kinds and returns one to
the caller; ``data`` is a backend array (a numpy ``ndarray`` or a torch ``Tensor``) whose
dimensions are ``axes``, in that order.

Main class: :class:`NamedArray`.

Example:
    >>> import numpy as np
    >>> a = NamedArray(("i", "j"), np.arange(6.0).reshape(2, 3))
    >>> a.transpose(("j", "i")).shape
    (3, 2)
    >>> a.aligned(("k", "j", "i")).shape
    (1, 3, 2)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..messages import expected


@dataclasses.dataclass(frozen=True, eq=False)
class NamedArray:
    """An array with one axis name per dimension.

    Parameters:
        axes: the axis names, one per dimension of ``data``, in layout order.
        data: a numpy array or a torch tensor with ``len(axes)`` dimensions.

    Example:
        >>> import numpy as np
        >>> NamedArray(("i",), np.zeros(3)).sizes
        {'i': 3}
    """

    axes: tuple[str, ...]
    data: Any

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.data.shape)

    @property
    def sizes(self) -> dict[str, int]:
        """Axis name -> length."""
        return dict(zip(self.axes, self.shape))

    def transpose(self, order: Sequence[str]) -> "NamedArray":
        """The same array laid out in ``order``, a permutation of :attr:`axes`."""
        order = tuple(order)
        if sorted(order) != sorted(self.axes) or len(set(order)) != len(order):
            raise UsageError(expected(f"a permutation of the axes {list(self.axes)}", repr(list(order))))
        if order == self.axes:
            return self
        perm = tuple(self.axes.index(a) for a in order)
        return NamedArray(order, permute(self.data, perm))

    def aligned(self, order: Sequence[str]) -> Any:
        """The data laid out in ``order``; axes in ``order`` that the array lacks get length 1.

        The result broadcasts against any array laid out in ``order``.
        """
        order = tuple(order)
        missing = [a for a in self.axes if a not in order]
        if missing or len(set(order)) != len(order):
            raise UsageError(expected(f"an axis order with distinct names covering {list(self.axes)}",
                                      repr(list(order))))
        present = tuple(a for a in order if a in self.axes)
        data = self.transpose(present).data
        if len(present) == len(order):
            return data
        sizes = self.sizes
        return data.reshape(tuple(sizes.get(a, 1) for a in order))

    def __repr__(self) -> str:
        return f"NamedArray({self.axes!r}, shape={self.shape})"


def permute(data: Any, perm: tuple[int, ...]) -> Any:
    """Permute dimensions of a numpy array or a torch tensor (whose ``transpose`` swaps two)."""
    if hasattr(data, "permute"):
        return data.permute(perm)
    return np.transpose(data, perm)
