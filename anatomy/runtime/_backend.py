"""The backend interface and the registry of numeric backends, keyed by name.

A backend is a handful of array primitives (reshape, broadcast, concatenate, stack, take a
slice, where, a two-operand einsum) plus three op tables (unary, binary, reduce), one entry per op. The generic
evaluator (:mod:`anatomy.runtime._eval`) needs nothing else, so a backend never sees a term.
Backends are loaded lazily: naming ``"torch"`` is the first time torch is imported.

Main class: :class:`Backend`. Functions: :func:`get_backend`, :func:`register_backend`,
:func:`backend_names`.

Example:
    >>> b = get_backend("numpy")
    >>> b.name, str(b.dtype)
    ('numpy', 'float64')
    >>> backend_names()
    ('numpy', 'torch')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ..errors import UnknownNameError, UsageError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import ReduceOp
from ..messages import did_you_mean

#: The exact install command for each optional dependency (STYLE 5).
INSTALL = {"torch": "pip install torch==2.13.0"}


class Backend:
    """Array primitives and op tables of one numeric library, at one dtype and device.

    Subclasses set the class tables ``unary``, ``binary`` and ``reduce`` (one entry per
    :class:`UnaryOp`, :class:`BinaryOp` and :class:`ReduceOp`; a test checks coverage) and
    implement the primitives below on their own array type.

    Parameters:
        dtype: the real dtype of the computation (library-specific; None for the default).
        device: where arrays live (None for the default).
    """

    name: ClassVar[str]
    unary: ClassVar[Mapping[UnaryOp, Callable[[Any], Any]]]
    binary: ClassVar[Mapping[BinaryOp, Callable[[Any, Any], Any]]]
    #: ``reduce[op](data, axis, keepdims)``.
    reduce: ClassVar[Mapping[ReduceOp, Callable[[Any, int, bool], Any]]]

    dtype: Any
    device: Any

    def asarray(self, value: Any, what: str) -> Any:
        """A real array of this backend's dtype on its device; ``what`` names it in errors."""
        raise NotImplementedError

    def scalar(self, value: float) -> Any:
        """A 0-dimensional real array."""
        raise NotImplementedError

    def arange(self, n: int) -> Any:
        """``0.0, 1.0, …, n-1`` as a real vector."""
        raise NotImplementedError

    def reshape(self, data: Any, shape: tuple[int, ...]) -> Any:
        """Row-major reshape."""
        raise NotImplementedError

    def broadcast_to(self, data: Any, shape: tuple[int, ...]) -> Any:
        raise NotImplementedError

    def concat(self, parts: Sequence[Any], axis: int) -> Any:
        raise NotImplementedError

    def stack(self, parts: Sequence[Any], axis: int) -> Any:
        raise NotImplementedError

    def take(self, data: Any, axis: int, index: int) -> Any:
        """The slice at ``index`` along ``axis`` (that dimension removed)."""
        raise NotImplementedError

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def einsum(self, subscripts: str, a: Any, b: Any) -> Any:
        """``sum`` of a product in one call (``"ik,jk->ij"``), without the product array."""
        raise NotImplementedError

    def context(self) -> Any:
        """A context manager entered around a whole evaluation (e.g. numpy's errstate)."""
        import contextlib

        return contextlib.nullcontext()


BackendFactory = Callable[..., Backend]

# Entries are "module:attribute" strings until first use, so that naming a backend is
# what imports its library.
_REGISTRY: dict[str, BackendFactory | str] = {
    "numpy": "anatomy.runtime.numpy_backend:NumpyBackend",
    "torch": "anatomy.runtime.torch_backend:TorchBackend",
}


def register_backend(name: str, factory: BackendFactory | str) -> None:
    """Register a backend under ``name``: a callable ``factory(*, dtype, device)`` or a
    ``"module:attribute"`` string naming one (imported on first use)."""
    if not isinstance(name, str) or not name:
        raise UsageError(f"Expected a backend name (a non-empty string), got {name!r} instead.")
    _REGISTRY[name] = factory


def backend_names() -> tuple[str, ...]:
    """The registered backend names, sorted."""
    return tuple(sorted(_REGISTRY))


def get_backend(name: "str | Backend", *, dtype: Any = None, device: Any = None) -> Backend:
    """The backend registered as ``name``, configured for ``dtype`` and ``device``; a
    :class:`Backend` instance is returned as it is.

    Raises :class:`UnknownNameError` for an unregistered name and :class:`UsageError`
    (with the install command) when the backend's library is not installed.
    """
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UnknownNameError(f"unknown backend {name!r}", hint=did_you_mean(str(name), _REGISTRY))
    factory = _REGISTRY[name]
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as err:
            if err.name in INSTALL:
                raise missing_dependency(err.name, f"the {name!r} backend") from None
            raise
        _REGISTRY[name] = factory
    return factory(dtype=dtype, device=device)


def missing_dependency(package: str, needed_by: str) -> UsageError:
    """The error for an optional dependency that is not installed, with its install command."""
    return UsageError(f"{needed_by} needs {package}, which is not installed",
                      hint=f"install it with: {INSTALL[package]}")
