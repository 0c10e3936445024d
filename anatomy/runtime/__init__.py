"""The runtime: evaluate terms on numpy (the float64 reference) or torch, on any device.

:func:`evaluate` computes a term's value from arrays for its inputs and parameters and
integer values for its size symbols, and returns a :class:`NamedArray` laid out in
``term.axes`` order. Backends are a registry keyed by name (``"numpy"``, the default, and
``"torch"``); importing this package does not import torch. :class:`TermModule` (in
:mod:`anatomy.runtime.module`, loaded on first use) wraps a term as a ``torch.nn.Module``.

Main names: :func:`evaluate`, :class:`NamedArray`, :func:`sizes_of`,
:func:`default_sizes`, :func:`random_values`, :func:`to_module`, :class:`TermModule`,
:func:`get_backend`, :func:`register_backend`.

Example:
    >>> import numpy as np
    >>> from anatomy.ir.term import Axis, Input, Softmax
    >>> s = Input("S", (Axis("i", "n"), Axis("j", "m")))
    >>> out = evaluate(Softmax(s, "j"), {"S": np.zeros((2, 4))}, sizes={"n": 2, "m": 4})
    >>> out.axes, out.data[0].tolist()
    (('i', 'j'), [0.25, 0.25, 0.25, 0.25])
    >>> sizes_of(s, {"n": 2, "m": 4})
    {'i': 2, 'j': 4}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ir.term import Term
from ._backend import Backend, backend_names, get_backend, register_backend
from ._check import check_sizes, check_term, check_values, size_symbols
from ._eval import Evaluator
from ._named import NamedArray
from .inputs import default_sizes, random_values

if TYPE_CHECKING:
    from .module import TermModule

__all__ = ["Backend", "NamedArray", "TermModule", "backend_names", "default_sizes", "evaluate",
           "get_backend", "random_values", "register_backend", "size_symbols", "sizes_of", "to_module"]


def evaluate(term: Term, values: Mapping[str, Any], *, sizes: Mapping[str, int], backend: str = "numpy",
             dtype: Any = None, device: Any = None) -> NamedArray:
    """The value of ``term``, laid out in ``term.axes`` order.

    Parameters:
        term: a closed term (every State inside the Scan that declares it).
        values: every Input and Param name -> an array laid out in that leaf's declared
            axis order (numpy arrays, torch tensors, nested lists or numbers).
        sizes: size symbol -> positive int, for every symbol the term's axes and Dims use;
            extra symbols are ignored.
        backend: a registered backend name (:func:`backend_names`).
        dtype: the float dtype to compute in (the backend's; float64 by default).
        device: where to compute (torch only; the CPU by default).

    Raises :class:`~anatomy.errors.UsageError` or :class:`~anatomy.errors.UnknownNameError`
    for a missing, extra or wrongly shaped value, an unbound or non-positive size, or an
    unknown backend, before anything is computed.

    Example:
        >>> import numpy as np
        >>> from anatomy.ir.term import Axis, Index
        >>> i, j = Axis("i", "n"), Axis("j", "n")
        >>> causal = evaluate(Index(j).le(Index(i)), {}, sizes={"n": 2})
        >>> causal.axes
        ('j', 'i')
        >>> causal.transpose(("i", "j")).data.tolist()
        [[True, False], [True, True]]
    """
    check_term(term)
    be = get_backend(backend, dtype=dtype, device=device)
    bindings, lengths = check_sizes(term, sizes)
    leaves = check_values(term, values, be, lengths)
    out = Evaluator(be, lengths, bindings, leaves).run(term)
    if be.name == "numpy":
        return NamedArray(out.axes, np.asarray(out.data))
    return out


def sizes_of(term: Term, bindings: Mapping[str, int]) -> dict[str, int]:
    """Every axis ``term`` mentions (free or bound) -> its length under ``bindings``, by name."""
    check_term(term)
    return check_sizes(term, bindings)[1]


def to_module(term: Term, *, sizes: Mapping[str, int], seed: int = 0) -> "TermModule":
    """``term`` as a ``torch.nn.Module`` (see :class:`anatomy.runtime.module.TermModule`)."""
    from .module import to_module as build

    return build(term, sizes=sizes, seed=seed)


def __getattr__(name: str) -> Any:
    # TermModule subclasses torch.nn.Module, so it is only importable where torch is.
    if name == "TermModule":
        from .module import TermModule

        return TermModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
