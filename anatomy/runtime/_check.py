"""Eager validation of what the runtime is given: the term, the sizes and the values.

Every problem is reported before any computation starts, as a
:class:`~anatomy.errors.UsageError` or :class:`~anatomy.errors.UnknownNameError` that
names the argument and the tensor or axis, in the "Expected X, got Y instead." grammar
(STYLE 27, 32).

Functions: :func:`check_term`, :func:`check_bindings`, :func:`check_sizes`, :func:`check_values`,
:func:`~anatomy.ir.traverse.size_symbols` (re-exported).

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> x = Input("x", (Axis("i", "n"),))
    >>> check_sizes(x, {"n": 0})
    Traceback (most recent call last):
    ...
    anatomy.errors.UsageError: error: Expected a positive integer for size symbol 'n' in sizes, got 0 instead.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from ..errors import UnknownNameError, UsageError
from ..ir.term import Input, Param, Term
from ..ir.traverse import inputs, params, size_symbols
from ..messages import did_you_mean, expected
from ._backend import Backend


def check_term(term: Any) -> Term:
    """A closed term the runtime can evaluate (no state read outside its scan)."""
    if not isinstance(term, Term):
        raise UsageError(expected("a term (anatomy.ir.term.Term) to evaluate", f"{type(term).__name__} {term!r}"))
    if term.free_states:
        names = ", ".join(repr(s) for s in sorted(term.free_states))
        raise UsageError(f"the term reads scan state {names} outside any scan",
                         hint="a State node only has a value inside the steps of the Scan that declares it")
    return term


def check_bindings(sizes: Any) -> dict[str, int]:
    """``sizes`` as a dict of size symbol -> positive int, sorted by symbol."""
    if not isinstance(sizes, Mapping):
        raise UsageError(expected("a mapping from size symbols to positive integers for sizes",
                                  f"{type(sizes).__name__} {sizes!r}"))
    bindings: dict[str, int] = {}
    for name in sorted(sizes, key=str):
        value = sizes[name]
        if not isinstance(name, str):
            raise UsageError(expected("size symbols (strings) as the keys of sizes", repr(name)))
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise UsageError(expected(f"an integer for size symbol {name!r} in sizes",
                                      f"{type(value).__name__} {value!r}"))
        if value < 1:
            raise UsageError(expected(f"a positive integer for size symbol {name!r} in sizes", repr(int(value))))
        bindings[name] = int(value)
    return bindings


def check_sizes(term: Term, sizes: Any) -> tuple[dict[str, int], dict[str, int]]:
    """(size symbol -> int, axis name -> length) for ``term``; extra symbols are allowed."""
    bindings = check_bindings(sizes)
    needed = size_symbols(term)
    missing = [s for s in needed if s not in bindings]
    if missing:
        example = ", ".join(f"{s!r}: 4" for s in missing)
        raise UsageError(expected(f"a value in sizes for every size symbol of the term ({', '.join(needed)})",
                                  f"no value for {', '.join(repr(s) for s in missing)}"),
                         hint=f"pass sizes={{{example}, ...}}, or use anatomy.runtime.default_sizes(term)")
    lengths: dict[str, int] = {}
    for axis in sorted(term.env):
        size = term.env[axis]
        n = size.evaluate(bindings)
        if n < 1:
            raise UsageError(expected(f"a positive length for axis {axis!r} (size {size})", f"{n} with these sizes"))
        lengths[axis] = n
    return bindings, lengths


def _declared(leaf: Input | Param) -> str:
    return f"{leaf.kind} {leaf.name!r} [{', '.join(f'{a.name}: {a.size}' for a in leaf.shape)}]"


def check_values(term: Term, values: Any, backend: Backend, lengths: Mapping[str, int]) -> dict[str, Any]:
    """Input and Param name -> backend array, each checked against its declared shape."""
    if not isinstance(values, Mapping):
        raise UsageError(expected("a mapping from input and parameter names to arrays for values",
                                  f"{type(values).__name__}"))
    leaves: list[Input | Param] = [*inputs(term), *params(term)]
    known = {leaf.name: leaf for leaf in leaves}
    extra = sorted((n for n in values if n not in known), key=str)
    if extra:
        raise UnknownNameError(f"values has {extra[0]!r}, which is not an input or parameter of the term",
                               hint=did_you_mean(str(extra[0]), known))
    missing = [leaf for leaf in leaves if leaf.name not in values]
    if missing:
        raise UsageError(expected("a value for every input and parameter of the term",
                                  f"no value for {', '.join(_declared(m) for m in missing)}"),
                         hint="anatomy.runtime.random_values(term, sizes=..., seed=0) draws them all")
    out: dict[str, Any] = {}
    for leaf in sorted(leaves, key=lambda x: x.name):
        array = backend.asarray(values[leaf.name], f"{leaf.kind} {leaf.name!r}")
        want = tuple(lengths[a.name] for a in leaf.shape)
        got = tuple(int(s) for s in array.shape)
        if len(got) != len(want):
            raise UsageError(expected(f"an array of shape {want} for {_declared(leaf)}", f"shape {got}"),
                             hint=f"lay it out in the declared axis order ({', '.join(a.name for a in leaf.shape)})")
        for k, (axis, w, g) in enumerate(zip(leaf.shape, want, got)):
            if w != g:
                raise UsageError(expected(f"length {w} along axis {axis.name!r} (size {axis.size}, dimension {k}) "
                                          f"of {_declared(leaf)}", f"length {g} (shape {got})"),
                                 hint=f"the expected shape is {want}, in the declared axis order")
        out[leaf.name] = array
    return out
