"""From a term to the graph a string diagram draws: boxes, wires, columns and SIMD tubes.

Each distinct sub-term is one box (terms are DAGs, so a shared sub-term is drawn once and
its wire forks). Leaves become *ports*: inputs, parameters, scan states, an input with
renamed axes (``X[j, x]``), and *fixed* sub-terms built from positions and constants only
(a mask ``j <= i``, a bias ``j - i``). Constant scalars (``sqrt(dk)``, ``1``, ``-inf``) are
folded into the label of the box that uses them.

A **tube** (the paper's SIMD box) is drawn for an axis ``a`` that some ``sum_a``, ``max_a``,
``softmax_a``, ``normalize_a`` or ``scan_a`` binds: it holds a connected piece of the
diagram whose boxes all carry ``a`` as a free axis. Tubes nest (a tube that would cross
another one is left undrawn; its reduction box still is), and a reduction closing a tube is
attached to it, on its right edge or its lower edge.

Main names: :class:`Graph`, :class:`Node`, :class:`Tube`, :func:`build_graph`.

Example:
    >>> from anatomy.taxonomy.catalogue import load_entry
    >>> g = build_graph(load_entry("scaled-dot-product").variant.term)
    >>> sorted(t.axis for t in g.tubes)
    ['d', 'j']
    >>> [n.label for n in g.nodes.values() if n.role == "reduce"]
    ['Σ', 'Σ']
"""

from __future__ import annotations

import dataclasses

from ..ir.ops import BinaryOp, UnaryOp
from ..ir.syntax.printer import print_term
from ..ir.term import (Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce, ReduceOp, Rename,
                       Scan, Softmax, Split, State, Term, Unary, Where)
from ..ir.traverse import postorder
from ._svg import clip

ATOM_ROLES = ("input", "param", "state", "fixed")
_UNARY = {UnaryOp.NEG: "−", UnaryOp.NOT: "¬", UnaryOp.SQRT: "√"}
_BINARY = {BinaryOp.SUB: "−", BinaryOp.MUL: "×", BinaryOp.DIV: "÷", BinaryOp.LE: "≤", BinaryOp.GE: "≥",
           BinaryOp.NE: "≠", BinaryOp.EQ: "=", BinaryOp.AND: "∧", BinaryOp.OR: "∨"}


@dataclasses.dataclass
class Node:
    """One box of the diagram.

    Parameters:
        key: its position in the term's post-order (the output port comes last).
        role: ``input``, ``param``, ``state``, ``fixed`` (ports), ``op``, ``reduce``,
            ``norm`` (softmax, normalize), ``scan`` or ``out``.
        label, sub: the text in the box and its subscript (the axis of a reduction).
        axes: the free axes of its output wire.
        inputs: the keys of the boxes whose wires enter it, in operand order.
        feedback: for a scan, the keys of the state ports it feeds back into.
        text: the sub-term in the text syntax (a tooltip).
    """

    key: int
    role: str
    label: str
    sub: str
    axes: tuple[str, ...]
    inputs: list[int]
    feedback: list[int]
    text: str
    axis: str = ""
    col: int = 0
    tube: int | None = None


@dataclasses.dataclass
class Tube:
    """A SIMD tube: the boxes that run in parallel along ``axis``, with the reductions closing it."""

    id: int
    axis: str
    size: str
    members: frozenset[int]
    parent: int | None = None
    depth: int = 0
    binders: list[int] = dataclasses.field(default_factory=list)
    right: list[int] = dataclasses.field(default_factory=list)
    below: list[int] = dataclasses.field(default_factory=list)
    c0: int = 0
    c1: int = 0


@dataclasses.dataclass
class Graph:
    """The boxes (by key, in key order), the tubes (outermost first) and the output port."""

    nodes: dict[int, Node]
    tubes: list[Tube]
    out: int


def build_graph(term: Term) -> Graph:
    """The diagram graph of ``term``: boxes, columns, tubes and each box's innermost tube."""
    order = list(postorder(term))
    data = _has_data(order)
    drawn = _drawn(term, data)
    keys = {t: k for k, t in enumerate(t for t in order if t in drawn)}
    nodes = {keys[t]: _node(t, keys, data) for t in order if t in drawn}
    out = len(nodes)
    nodes[out] = Node(out, "out", f"out[{', '.join(term.axes)}]", "", term.axes, [keys[term]], [], f"out : {term.type}")
    _columns(nodes)
    tubes = _tubes(nodes, term)
    _membership(nodes, tubes)
    return Graph(nodes, tubes, out)


# -- which sub-terms are boxes ---------------------------------------------------------------


def _has_data(order: list[Term]) -> dict[Term, bool]:
    """Whether each sub-term reads an input, a parameter or a scan state."""
    data: dict[Term, bool] = {}
    for t in order:
        data[t] = isinstance(t, (Input, Param, State)) or any(data[c] for c in t.children)
    return data


def _is_const(t: Term, data: dict[Term, bool]) -> bool:
    return not data[t] and not t.axes


def _atom_role(t: Term, data: dict[Term, bool]) -> str | None:
    """The port role of a leaf-like sub-term, or None for an operation."""
    base = t.x if isinstance(t, Rename) else t
    if isinstance(base, Input):
        return "input"
    if isinstance(base, Param):
        return "param"
    if isinstance(base, State):
        return "state"
    return "fixed" if not data[t] else None


def _children(t: Term) -> tuple[Term, ...]:
    """The sub-terms whose wires enter ``t`` (a scan's states are fed back, not inputs)."""
    return t.inits + t.steps if isinstance(t, Scan) else t.children


def _drawn(term: Term, data: dict[Term, bool]) -> set[Term]:
    """The sub-terms that get a box: reachable from the root without entering a port or a constant."""
    seen: set[Term] = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        if _atom_role(t, data) is None:
            stack.extend(c for c in _children(t) if not _is_const(c, data))
    return seen


# -- labels ------------------------------------------------------------------------------------


def _node(t: Term, keys: dict[Term, int], data: dict[Term, bool]) -> Node:
    role = _atom_role(t, data)
    if role is not None:  # ports are small: printing them is cheap (a whole DAG is not)
        text = clip(print_term(t), 300)
        shown = f"index {t.axis.name}" if isinstance(t, Index) else text
        return Node(keys[t], role, clip(shown, 30), "", t.axes, [], [], f"{text} : {t.type}")
    inputs = [keys[c] for c in _children(t) if c in keys]
    feedback = [keys[s] for s in t.states if s in keys] if isinstance(t, Scan) else []
    role, label, sub, axis = _op_label(t, data)
    text = f"{label}{'_' + sub if sub else ''} : {t.type}"
    return Node(keys[t], role, clip(label, 30), sub, t.axes, inputs, feedback, text, axis)


def _const_text(t: Term) -> str:
    return clip(print_term(t), 14)


def _op_label(t: Term, data: dict[Term, bool]) -> tuple[str, str, str, str]:
    """(role, label, subscript, bound axis) of an operation box."""
    if isinstance(t, Reduce):
        return "reduce", ("Σ" if t.op is ReduceOp.SUM else "max"), t.axis, t.axis
    if isinstance(t, Softmax):
        return "norm", "softmax", t.axis, t.axis
    if isinstance(t, Normalize):
        return "norm", "normalize", t.axis, t.axis
    if isinstance(t, Scan):
        return "scan", f"scan ({', '.join(s.name for s in t.states)})", t.axis, t.axis
    if isinstance(t, Unary):
        return "op", _UNARY.get(t.op, t.op.value), "", ""
    if isinstance(t, Binary):
        return "op", _binary_label(t, data), "", ""
    if isinstance(t, Where):
        folded = [f"{w} {_const_text(x)}" for w, x in (("then", t.a), ("else", t.b)) if _is_const(x, data)]
        return "op", " ".join(["where", *folded]), "", ""
    if isinstance(t, Rename):
        return "op", "rename " + ", ".join(f"{a}→{b}" for a, b in t.mapping), "", ""
    if isinstance(t, Split):
        return "op", f"split {t.axis}→{','.join(a.name for a in t.into)}", "", ""
    if isinstance(t, Merge):
        return "op", f"merge {','.join(t.merged)}→{t.out}", "", ""
    if isinstance(t, Concat):
        return "op", f"concat {t.axis}→{t.out}", "", ""
    if isinstance(t, (Input, Param, State, Const, Dim, Index)):
        raise AssertionError("unreachable: leaves are ports")
    raise AssertionError(f"unreachable: no diagram label for node kind {type(t).__name__}")


def _binary_label(t: Binary, data: dict[Term, bool]) -> str:
    sym = _BINARY.get(t.op, t.op.symbol or t.op.value)
    if _is_const(t.b, data):
        return f"{sym} {_const_text(t.b)}"
    if _is_const(t.a, data):
        return f"{sym} {_const_text(t.a)}" if t.op.commutative else f"{_const_text(t.a)} {sym} ·"
    return sym


# -- columns -----------------------------------------------------------------------------------


def _columns(nodes: dict[int, Node]) -> None:
    """Operations by longest path from the ports; each port just before its first consumer."""
    consumers: dict[int, list[int]] = {k: [] for k in nodes}
    for n in nodes.values():
        for i in n.inputs:
            consumers[i].append(n.key)
    for n in nodes.values():  # keys are a post-order: inputs come first
        n.col = 1 + max((nodes[i].col for i in n.inputs), default=-1) if n.role not in ATOM_ROLES else 0
    for n in nodes.values():
        if n.role in ATOM_ROLES and consumers[n.key]:
            n.col = max(0, min(nodes[c].col for c in consumers[n.key]) - 1)


# -- tubes -------------------------------------------------------------------------------------


def _components(keys: list[int], nodes: dict[int, Node]) -> list[list[int]]:
    """Connected pieces of ``keys`` under the wires between them, each sorted, in key order."""
    parent = {k: k for k in keys}

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k in keys:
        for i in nodes[k].inputs:
            if i in parent:
                a, b = find(i), find(k)
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for k in keys:
        groups.setdefault(find(k), []).append(k)
    return [groups[r] for r in sorted(groups)]


def _tubes(nodes: dict[int, Node], term: Term) -> list[Tube]:
    """The tubes that nest, outermost first, with their parents, depths and binders."""
    ops = [n for n in nodes.values() if n.role in ("op", "reduce", "norm", "scan")]
    found: list[Tube] = []
    for axis in sorted({a for n in ops for a in n.axes}):
        live = [n.key for n in ops if axis in n.axes]
        for comp in _components(live, nodes):
            members = frozenset(comp)
            binders = [n.key for n in ops if n.role == "reduce" and n.axis == axis
                       and any(i in members for i in n.inputs)]
            keeps = any(nodes[k].role in ("norm", "scan") and nodes[k].axis == axis for k in comp)
            if binders or keeps:
                found.append(Tube(0, axis, str(term.env[axis]), members, binders=binders))
    found.sort(key=lambda t: (-len(t.members), -max((nodes[b].col for b in t.binders), default=0), t.axis,
                              min(t.members)))
    kept: list[Tube] = []
    for tube in found:
        if any(tube.members & k.members and not tube.members <= k.members for k in kept):
            continue  # it would cross a tube already drawn
        holders = [k for k in kept if tube.members <= k.members]
        if holders:
            outer = max(holders, key=lambda k: k.depth)
            tube.parent, tube.depth = outer.id, outer.depth + 1
        tube.id = len(kept)
        kept.append(tube)
    return kept


def _membership(nodes: dict[int, Node], tubes: list[Tube]) -> None:
    """Each box's innermost tube, each tube's column range, and where its binders sit."""
    for tube in tubes:  # outermost first, so inner tubes overwrite
        for k in tube.members:
            nodes[k].tube = tube.id
    consumers: dict[int, list[int]] = {k: [] for k in nodes}
    for n in nodes.values():
        for i in n.inputs:
            consumers[i].append(n.key)
    for n in nodes.values():
        if n.role in ATOM_ROLES:
            n.tube = _port_tube(n, [nodes[c].tube for c in consumers[n.key]], tubes)
    for tube in reversed(tubes):  # innermost first: a tube's range covers its children's
        inside = [n.col for n in nodes.values() if _within(n.tube, tube.id, tubes)]
        tube.c0, tube.c1 = min(inside), max(inside)
        for b in tube.binders:
            if nodes[b].tube != tube.parent:
                continue
            if nodes[b].col == tube.c1 + 1:
                tube.right.append(b)
            elif tube.c0 <= nodes[b].col <= tube.c1:
                tube.below.append(b)


def _within(tube: int | None, outer: int, tubes: list[Tube]) -> bool:
    """Whether ``tube`` is ``outer`` or nested in it."""
    while tube is not None:
        if tube == outer:
            return True
        tube = tubes[tube].parent
    return False


def _port_tube(port: Node, homes: list[int | None], tubes: list[Tube]) -> int | None:
    """The deepest tube a port can sit in: one along its own axes that holds all its consumers."""
    here: int | None = None
    while True:
        inner = [t for t in tubes if t.parent == here and t.axis in port.axes
                 and homes and all(_within(h, t.id, tubes) for h in homes)]
        if not inner:
            return here
        here = inner[0].id


__all__ = ["ATOM_ROLES", "Graph", "Node", "Tube", "build_graph"]
