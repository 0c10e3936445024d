"""α-conversion before insertion: a term's bound axes renamed after another term's.

The e-graph compares bound axes by name: ``sum_j(K[j, d] * V[j, e])`` and
``sum_i(K[i, d] * V[i, e])`` are the same function, but two e-classes, and every rule that
rebuilds a sum keeps the name it matched. Patterns cannot rename a bound axis (that needs a
fresh name and a renaming pushed through binders), so two spellings that differ in their
bound names — a traced layer sums over its inputs' own axis ``i``, a hand-written one over
``j``; a recurrence becomes a masked sum over a fresh axis — never meet.

:func:`align_binders` renames the bound axes of one term after the other's. A binder is
known by what it ranges over: its reduction, its size and the leaf axes it reads (``K``'s
axis 0 and ``V``'s axis 0; a position ``index(j)``). Where the other term binds exactly one
name for the same key, the binder takes that name, unless the name is free in its body
(that would capture it). Renaming a bound axis is exact (rule ``alpha-rename``), so the
result computes the same function.

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> k = Input("K", (Axis("i", "n"), Axis("d", "dk")))
    >>> left, right = k.rename(i="j").sum("j"), k.sum("i")
    >>> out, renamed = align_binders(left, right)
    >>> str(out), renamed
    ('sum_j(K[j, d])', ('i->j',))
"""

from __future__ import annotations

from ..ir.term import (Concat, Index, Input, Merge, Param, Reduce, Rename, Split, State, Term)
from ..ir.traverse import postorder
from .prepare import push_renames

Read = tuple[str, str, int]  # leaf kind, leaf name, axis position


def _reads(term: Term, axis: str, memo: dict) -> frozenset[Read]:
    """The leaf axes through which ``term`` depends on its free axis ``axis``."""
    key = (term, axis)
    if key not in memo:
        memo[key] = _reads1(term, axis, memo)
    return memo[key]


def _reads1(t: Term, axis: str, memo: dict) -> frozenset[Read]:
    if isinstance(t, (Input, Param, State)):
        return frozenset((t.kind, t.name, p) for p, a in enumerate(t.shape) if a.name == axis)
    if isinstance(t, Index):
        return frozenset({("index", "", 0)}) if t.axis.name == axis else frozenset()
    if isinstance(t, Rename):
        m = dict(t.mapping)
        old = [a for a, b in m.items() if b == axis]
        if old:
            return _reads(t.x, old[0], memo)
        return frozenset() if axis in m else _reads(t.x, axis, memo)
    if isinstance(t, Reduce) and t.axis == axis:
        return frozenset()
    if isinstance(t, Split):
        if axis == t.axis:
            return frozenset()
        if axis in {a.name for a in t.into}:
            return _reads(t.x, t.axis, memo)
    if isinstance(t, Merge):
        if axis in t.merged:
            return frozenset()
        if axis == t.out:
            return frozenset().union(*(_reads(t.x, a, memo) for a in t.merged))
    if isinstance(t, Concat):
        if axis == t.axis:
            return frozenset()
        if axis == t.out:
            return frozenset().union(*(_reads(p, t.axis, memo) for p in t.parts))
    return frozenset().union(*(_reads(c, axis, memo) for c in t.children)) if t.children else frozenset()


def binder_keys(term: Term) -> dict[Term, tuple]:
    """Each sum or max in ``term`` with its key: (reduction, size, the leaf axes it reads)."""
    memo: dict = {}
    return {node: (node.op.value, str(node.x.type.sizes[node.axis]), tuple(sorted(_reads(node.x, node.axis, memo))))
            for node in postorder(term) if isinstance(node, Reduce) and node.axis in node.x.axes}


def align_binders(like: Term, term: Term) -> tuple[Term, tuple[str, ...]]:
    """``term`` with its bound axes renamed after ``like``'s (see the module docstring), and
    the renamings made (``"i->j"``, sorted). Both terms are prepared (renames at the leaves)."""
    names: dict[tuple, set[str]] = {}
    for node, key in binder_keys(like).items():
        names.setdefault(key, set()).add(node.axis)
    chosen = {}
    for node, key in binder_keys(term).items():
        target = names.get(key, set())
        if len(target) == 1 and (new := next(iter(target))) != node.axis and new not in node.x.axes:
            chosen[node] = new
    if not chosen:
        return term, ()
    done: dict[int, Term] = {}
    for node in postorder(term):
        kids = tuple(done[id(k)] for k in node.children)
        out = node if all(a is b for a, b in zip(node.children, kids)) else node.with_children(kids)
        if node in chosen:
            out = Reduce(out.op, Rename(out.x, ((out.axis, chosen[node]),)), chosen[node])
        done[id(node)] = out
    return push_renames(done[id(term)]), tuple(sorted({f"{n.axis}->{new}" for n, new in chosen.items()}))
