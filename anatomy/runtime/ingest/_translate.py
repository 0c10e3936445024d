"""The graph walker: an fx graph and its leaf values in, the output's :class:`Value` out.

Nodes are translated in graph order through the op table (:mod:`._table`); an in-place op
rebinds the tensor it updates. Every failure becomes an :class:`~anatomy.errors.IngestError`
located at the user's line that produced the node.

Example:
    >>> import torch
    >>> from anatomy.ir.term import Input
    >>> from anatomy.runtime.ingest._trace import trace
    >>> from anatomy.runtime.ingest._value import Namer, leaf_value
    >>> g = trace(lambda x: torch.softmax(x @ x.T, -1), [torch.zeros(4, 6)], file="<doc>")
    >>> cx = Context(Namer(), "<doc>")
    >>> x = leaf_value(Input, "x", (4, 6), cx.namer, roles=("token", "feature"))
    >>> str(translate(g, [x], cx).term)
    'softmax_j(sum_d(x[i, d] * x[j, d]))'
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import torch
from torch.fx.node import map_arg

from ...errors import AnatomyError, IngestError, Span
from ...messages import closest
from ._constants import recognise
from ._table import HINTS, OPS, STORAGE_KWARGS, VIEW_OPS
from ._trace import check_output, op_name, source_span
from ._value import Missing, Value


class Context:
    """What a translation function may use: names, the node's output shape and dtype, errors.

    Parameters:
        namer: the axis names of this translation.
        file: the user's file, to locate errors.
    """

    def __init__(self, namer, file: str) -> None:
        self.namer = namer
        self.file = file
        self.node: torch.fx.Node | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.node.meta["val"].shape)

    @property
    def out_dtype(self) -> torch.dtype:
        return self.node.meta["val"].dtype

    def span(self) -> Span | None:
        return source_span(self.node, self.file) if self.node is not None else None

    def fail(self, message: str, *, hint: str | None = None) -> IngestError:
        return IngestError(message, span=self.span(), hint=hint)


def translate(gm: torch.fx.GraphModule, leaves: Sequence[Value], cx: Context) -> Value:
    """The value of the graph's output, given one value per placeholder."""
    env: dict[torch.fx.Node, object] = {}
    supply = iter(leaves)
    for node in gm.graph.nodes:
        cx.node = node
        if node.op == "placeholder":
            env[node] = _leaf(next(supply), node)
        elif node.op == "get_attr":
            env[node] = _constant(gm, node, cx)
        elif node.op == "call_function":
            env[node] = _call(node, env, cx)
    out = check_output(gm, cx.file)
    cx.node = out
    result = env[out]
    if isinstance(result, Missing):
        raise cx.fail(result.what, hint=result.hint)
    if not isinstance(result, Value):
        raise cx.fail(f"the output is a {type(result).__name__}, not a tensor", hint="return a tensor")
    return result


def _constant(gm, node, cx: Context) -> Value | Missing:
    """A tensor constant of the code (``torch.tensor([...])``); an error where it is used, if any."""
    try:
        return recognise(getattr(gm, node.target), "a constant tensor", cx.namer)
    except IngestError as err:
        return Missing(err.message, hint=err.hint)


def _leaf(leaf, node: torch.fx.Node) -> Value | Missing | None:
    """A placeholder's value; a buffer (a thunk) is read only if used, and fails where it is used."""
    if not callable(leaf):
        return leaf
    if not node.users:
        return None
    try:
        return leaf()
    except IngestError as err:
        return Missing(err.message, hint=err.hint)


def _call(node: torch.fx.Node, env, cx: Context):
    args = map_arg(node.args, lambda n: env[n])
    kwargs = {k: v for k, v in map_arg(node.kwargs, lambda n: env[n]).items() if k not in STORAGE_KWARGS}
    if node.target is operator.getitem:
        return args[0][args[1]]
    name = op_name(node.target)
    in_place = name.endswith("_") and not name.endswith("__") and name[:-1] in OPS
    key = name[:-1] if in_place else name
    if key not in OPS:
        raise _unsupported(node, name, cx)
    missing = [a for a in _flat(args) + _flat(list(kwargs.values())) if isinstance(a, Missing)]
    if missing:
        raise cx.fail(missing[0].what, hint=missing[0].hint or "use the values only")
    try:
        result = OPS[key](cx, *args, **kwargs)
    except IngestError as err:
        raise (err.with_span(cx.span()) if cx.span() else err) from None
    except AnatomyError as err:
        raise cx.fail(f"{node.target} cannot be expressed here: {err.message}", hint=err.hint) from None
    except (TypeError, ValueError, IndexError, KeyError, ArithmeticError) as err:
        raise cx.fail(f"{node.target} with these arguments is not supported ({err})",
                      hint="see docs/reference/pytorch.md for the supported forms") from None
    except Exception as err:  # noqa: BLE001 - a bug here must still read as one located error
        raise cx.fail(f"{node.target} could not be translated ({type(err).__name__}: {err})",
                      hint="this is a bug in anatomy's translation of the op; please report it") from None
    if in_place:
        _rebind(node, env, result, cx)
    return result


def _rebind(node: torch.fx.Node, env, result, cx: Context) -> None:
    target = node.args[0]
    if target.op == "call_function" and op_name(target.target) in VIEW_OPS:
        raise cx.fail(f"{op_name(node.target)} updates a view of another tensor in place, which has no term",
                      hint="write the update out of place (x = x.masked_fill(...)) on the whole tensor")
    env[target] = result


def _flat(items) -> list:
    out = []
    for a in items:
        out.extend(_flat(a) if isinstance(a, (list, tuple)) else [a])
    return out


def _unsupported(node: torch.fx.Node, name: str, cx: Context) -> IngestError:
    hint = HINTS.get(name)
    if hint is None:
        near = closest(name, OPS)
        hint = ("did you mean " + " or ".join(repr(n) for n in near) + "? " if near else "") + \
            "the supported ops are listed in docs/reference/pytorch.md"
    return cx.fail(f"unsupported PyTorch op {node.target} ({name})", hint=hint)
