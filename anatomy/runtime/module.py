"""A term as a ``torch.nn.Module``: its parameters are the term's Params, trainable.

:class:`TermModule` registers every :class:`~anatomy.ir.term.Param` of the term as an
``nn.Parameter`` under its name, with its declared axis order, initialised to the values
:func:`~anatomy.runtime.inputs.random_values` gives for the same sizes and seed (so the
module and :func:`~anatomy.runtime.evaluate` agree by construction). ``forward`` takes the
Inputs by name or in the order of :func:`anatomy.ir.traverse.inputs` and returns a tensor
laid out in ``term.axes`` order. It runs on any device and float dtype: ``module.to(...)``
moves the parameters, and constants, dims and indices are made in the inputs' dtype and
device.

Main class: :class:`TermModule`. Function: :func:`to_module`.

Example:
    >>> import torch
    >>> from anatomy.ir.term import Axis, Input, Param
    >>> d = Axis("d", "dk")
    >>> m = to_module((Input("x", (d,)) * Param("w", (d,))).sum("d"), sizes={"dk": 3}, seed=0)
    >>> [name for name, _ in m.named_parameters()]
    ['w']
    >>> m(torch.ones(3, dtype=torch.float64)).shape
    torch.Size([])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._backend import missing_dependency

try:
    import torch
except ModuleNotFoundError as _err:  # pragma: no cover - exercised by a subprocess test
    if _err.name != "torch":
        raise
    raise missing_dependency("torch", "anatomy.runtime.module (TermModule)") from None

from ..errors import UnknownNameError, UsageError
from ..ir.term import Term
from ..ir.traverse import inputs, params
from ..messages import did_you_mean, expected
from ._check import check_sizes, check_term, check_values
from ._eval import Evaluator
from .inputs import random_values
from .torch_backend import TorchBackend


class TermModule(torch.nn.Module):
    """A term as a module: Params are ``nn.Parameter`` s, Inputs are ``forward`` arguments.

    Parameters:
        term: a closed term.
        sizes: size symbol -> positive int (the module's shapes are fixed by them).
        seed: seeds the initial parameter values (see :func:`random_values`).

    Attributes:
        term: the term.
        sizes: the size bindings.
        input_names: the Inputs, in the order positional arguments take them.

    Example:
        >>> import torch
        >>> from anatomy.ir.term import Axis, Input, Softmax
        >>> x = Input("x", (Axis("i", "n"), Axis("j", "m")))
        >>> m = TermModule(Softmax(x, "j"), sizes={"n": 2, "m": 3})
        >>> m(torch.zeros(2, 3)).tolist()
        [[0.333..., 0.333..., 0.333...], [0.333..., 0.333..., 0.333...]]
    """

    def __init__(self, term: Term, *, sizes: Mapping[str, int], seed: int = 0) -> None:
        super().__init__()
        check_term(term)
        bindings, lengths = check_sizes(term, sizes)
        initial = random_values(term, sizes=bindings, seed=seed)
        self.term = term
        self.sizes = bindings
        self.input_names = tuple(leaf.name for leaf in inputs(term))
        self._lengths = lengths
        self._param_names = tuple(sorted(p.name for p in params(term)))
        for name in self._param_names:
            try:
                self.register_parameter(name, torch.nn.Parameter(torch.from_numpy(initial[name])))
            except KeyError:
                raise UsageError(f"parameter name {name!r} clashes with an attribute of torch.nn.Module",
                                 hint="rename the parameter in the term") from None
        # Follows module.to(dtype/device), so a module without parameters knows its own.
        self.register_buffer("_anchor", torch.zeros(0, dtype=torch.float64), persistent=False)

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        given = self._bind_inputs(args, kwargs)
        dtype, device = self._placement(given)
        backend = TorchBackend(dtype=dtype, device=device)
        values = {**given, **{name: getattr(self, name) for name in self._param_names}}
        leaves = check_values(self.term, values, backend, self._lengths)
        return Evaluator(backend, self._lengths, self.sizes, leaves).run(self.term).data

    def _bind_inputs(self, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        names = self.input_names
        if len(args) > len(names):
            raise UsageError(expected(f"at most {len(names)} positional inputs ({', '.join(names) or 'none'})",
                                      f"{len(args)}"))
        given = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                hint = (f"{name!r} is a parameter of the module; set it with module.{name}.data = ..."
                        if name in self._param_names else did_you_mean(name, names))
                raise UnknownNameError(f"forward() got {name!r}, which is not an input of the term", hint=hint)
            if name in given:
                raise UsageError(f"forward() got input {name!r} both by position and by name")
            given[name] = value
        missing = [n for n in names if n not in given]
        if missing:
            raise UsageError(expected(f"every input of the term ({', '.join(names)})",
                                      f"no value for {', '.join(repr(n) for n in missing)}"))
        return given

    def _placement(self, given: Mapping[str, Any]) -> tuple[torch.dtype, torch.device]:
        """The dtype and device of the floating tensor inputs, else the module's own."""
        tensors = [(n, v) for n, v in given.items() if isinstance(v, torch.Tensor) and v.is_floating_point()]
        dtype, device = (tensors[0][1].dtype, tensors[0][1].device) if tensors else \
            (self._anchor.dtype, self._anchor.device)
        others = tensors + [(n, getattr(self, n)) for n in self._param_names]
        for name, t in others:
            if t.dtype != dtype or t.device != device:
                what = "parameter" if name in self._param_names else "input"
                raise UsageError(expected(f"{what} {name!r} with dtype {dtype} on {device}, like the inputs",
                                          f"dtype {t.dtype} on {t.device}"),
                                 hint=f"call module.to({dtype}) / module.to({str(device)!r}), "
                                      "or convert the inputs")
        return dtype, device

    def extra_repr(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"axes={self.term.axes}, inputs={self.input_names}, sizes=({sizes})"


def to_module(term: Term, *, sizes: Mapping[str, int], seed: int = 0) -> TermModule:
    """``TermModule(term, sizes=sizes, seed=seed)``."""
    return TermModule(term, sizes=sizes, seed=seed)
