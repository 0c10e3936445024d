"""Tracing PyTorch code into an fx graph, and the user's source line of every problem.

:func:`trace` runs the code once under ``make_fx`` with fake tensors of the example
shapes (``pre_dispatch``, so ``matmul``, ``einsum``, ``linear``, ``softmax`` and
``scaled_dot_product_attention`` stay single nodes; Python loops unroll, and shape
arithmetic such as ``q.size(-1) ** -0.5`` becomes a number). A branch on a tensor's value
cannot be traced: it becomes an :class:`~anatomy.errors.IngestError` at the line of the
branch. :func:`source_span` finds the user's line in a node's stack trace.

Example:
    >>> import torch
    >>> g = trace(lambda x: torch.softmax(x, -1), [torch.zeros(2, 3)], file="<doc>")
    >>> [n.target.__name__ for n in g.graph.nodes if n.op == "call_function"]
    ['softmax.int']
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch.fx.experimental.proxy_tensor import make_fx

from ...errors import AnatomyError, IngestError, Span

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>[^\n]+)\n(?P<code>[^\n]*)')
_DATA_DEPENDENT = ("data-dependent", "data dependent", "DataDependent", "GuardOnDataDependent")


def trace(fn: Callable, args: Sequence[torch.Tensor], *, file: str) -> torch.fx.GraphModule:
    """The fx graph of ``fn(*args)``; errors while tracing point at the user's line in ``file``."""
    try:
        return make_fx(fn, tracing_mode="fake", pre_dispatch=True, record_stack_traces=True,
                       _allow_non_fake_inputs=True)(*args)
    except AnatomyError:
        raise
    except Exception as err:  # noqa: BLE001 - anything the user's code raises while tracing
        raise _tracing_error(err, file) from None


def remember_source(path: str) -> None:
    """Ask fx to keep the stack frames of every function in ``path`` on the nodes it records.

    fx keeps only ``forward`` frames and registered anchors; registering the file's code
    objects (functions, methods, lambdas) lets errors name the user's line in plain functions.
    """
    try:
        from torch.fx import proxy

        source = Path(path).read_text(encoding="utf-8")
        code = compile(source, path, "exec")
    except (ImportError, OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return
    anchors = getattr(proxy, "_STACK_TRACE_ANCHORS", None)
    stack = [code]
    while stack and anchors is not None:
        c = stack.pop()
        anchors.add((c.co_filename, c.co_name))
        stack.extend(k for k in c.co_consts if isinstance(k, type(code)))


def _tracing_error(err: Exception, file: str) -> IngestError:
    span = _span_from_traceback(err, file)
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if any(key in type(err).__name__ + str(err) for key in _DATA_DEPENDENT):
        return IngestError("the code branches on a tensor's value, which tracing cannot follow", span=span,
                           hint="branch on sizes or Python values only, or write both branches with torch.where")
    return IngestError(f"tracing failed: {type(err).__name__}: {_clip(text)}", span=span,
                       hint="the code must run on float64 tensors of the example shapes; pass shapes "
                            "(--shape NAME=A,B) if the defaults do not fit")


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _span_from_traceback(err: BaseException, file: str) -> Span | None:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if _same_file(f.filename, file)]
    if not frames:
        return None
    last = frames[-1]
    return _span(last.filename, last.lineno or 1, last.line or "")


def source_span(node: torch.fx.Node, file: str) -> Span | None:
    """The place in ``file`` (the user's) that produced ``node``, from its recorded stack trace."""
    text = node.meta.get("stack_trace") or ""
    frames = [m for m in _FRAME.finditer(text)]
    mine = [m for m in frames if _same_file(m.group("file"), file)]
    if not mine:
        return None
    last = mine[-1]
    return _span(last.group("file"), int(last.group("line")), last.group("code"))


def _span(path: str, line: int, code: str) -> Span:
    text = _line_text(path, line) or code.strip()
    stripped = text.rstrip("\n")
    col = len(stripped) - len(stripped.lstrip()) + 1
    return Span(path, line, col, max(col + 1, len(stripped) + 1), stripped)


def _line_text(path: str, line: int) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def op_name(target) -> str:
    """``aten.softmax.int`` -> ``softmax`` (the key of the op table)."""
    packet = getattr(target, "overloadpacket", None)
    if packet is not None:
        return packet.__name__
    return getattr(target, "__name__", str(target))


def check_output(gm: torch.fx.GraphModule, file: str) -> torch.fx.Node:
    """The single tensor the graph returns."""
    out = next(n for n in gm.graph.nodes if n.op == "output")
    result = out.args[0]
    while isinstance(result, (tuple, list)) and len(result) == 1:
        result = result[0]
    if isinstance(result, (tuple, list)):
        raise IngestError(f"the code returns {len(result)} values; a term has one output",
                          hint="return only the attention output (wrap the code in a function that does)")
    if not isinstance(result, torch.fx.Node):
        raise IngestError(f"the code returns {type(result).__name__} {result!r}, not a tensor",
                          hint="return a tensor")
    return result
