"""Renaming free axes *inside* a term, so that renames sit on the leaves.

``rename(t, {"i": "j"}, namer)`` returns a term equal to ``rename_{i->j}(t)`` but with the
renaming pushed down to the inputs, parameters and positions: ``sum_x(X[j, x] * W[x, c])``
rather than ``rename_{i->j}(sum_x(X[i, x] * W[x, c]))``. A bound axis that would capture a
new name is renamed to a fresh one first. Scans keep an explicit ``Rename`` node.

Example:
    >>> from anatomy.ir.term import Axis, Input, Reduce, ReduceOp
    >>> from anatomy.runtime.ingest._value import Namer
    >>> x, w = Input("X", (Axis("i", 5), Axis("x", 6))), Input("W", (Axis("x", 6), Axis("c", 7)))
    >>> str(rename(Reduce(ReduceOp.SUM, x * w, "x"), {"i": "j"}, Namer()))
    'sum_x(X[j, x] * W[x, c])'
"""

from __future__ import annotations

from collections.abc import Mapping

from ...ir.term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce, Rename,
                        Scan, Softmax, Split, State, Term, Unary, Where)


def rename(term: Term, mapping: Mapping[str, str], namer) -> Term:
    """``term`` with its free axes renamed by ``mapping`` (one-to-one, sizes kept)."""
    m = {a: b for a, b in mapping.items() if a != b and a in term.axes}
    if not m:
        return term
    key = (term, tuple(sorted(m.items())))
    memo = namer.__dict__.setdefault("_rename_memo", {})
    if key not in memo:
        memo[key] = _RENAME[type(term)](term, m, namer)
    return memo[key]


def _capture(bound: list[str], sizes: Mapping[str, object], targets: set[str], term: Term, namer) -> dict[str, str]:
    """Fresh names for the bound axes that a new name in ``targets`` would capture."""
    out = {}
    taken = set(term.env) | targets
    for b in bound:
        if b in targets:
            size = sizes[b].constant if hasattr(sizes[b], "constant") else sizes[b]
            fresh = namer.fresh(size, taken=taken, written=b in namer.written)
            taken.add(fresh)
            out[b] = fresh
    return out


def unused(base: str, taken: set[str]) -> str:
    """A name for an axis that no part of a concatenation has (it never gets a size)."""
    k = 0
    while f"{base}{k}" in taken:
        k += 1
    return f"{base}{k}"


def _leaf(t: Input | Param | State, m, namer) -> Term:
    return Rename(t, tuple(sorted(m.items())))


def _rename_node(t: Rename, m, namer) -> Term:
    inner = dict(t.mapping)
    total = {}
    for u in t.x.axes:
        v = inner.get(u, u)
        w = m.get(v, v)
        if w != u:
            total[u] = w
    return rename(t.x, total, namer)


def _index(t: Index, m, namer) -> Term:
    return Index(Axis(m[t.axis.name], t.axis.size))


def _children(t: Term, m, namer) -> Term:
    return t.with_children(tuple(rename(c, m, namer) for c in t.children))


def _reduce(t: Reduce, m, namer) -> Term:
    extra = _capture([t.axis], t.x.env, set(m.values()), t, namer)
    return Reduce(t.op, rename(t.x, {**m, **extra}, namer), extra.get(t.axis, t.axis))


def _along(t: Softmax | Normalize, m, namer) -> Term:
    return type(t)(rename(t.x, m, namer), m.get(t.axis, t.axis))


def _concat(t: Concat, m, namer) -> Term:
    out = m.get(t.out, t.out)
    inner = {a: b for a, b in m.items() if a != t.out}
    having = [p for p in t.parts if t.axis in p.axes]
    targets = set(inner.values()) | {out}
    if having:
        extra = _capture([t.axis], having[0].env, targets, t, namer)
    else:  # no part has the axis: any name that no part uses will do
        extra = {t.axis: unused(out, set(t.env) | targets)} if t.axis in targets else {}
    parts = tuple(rename(p, {**inner, **extra}, namer) for p in t.parts)
    return Concat(parts, extra.get(t.axis, t.axis), out)


def _split(t: Split, m, namer) -> Term:
    new = tuple(Axis(m.get(a.name, a.name), a.size) for a in t.into)
    inner = {a: b for a, b in m.items() if a not in {x.name for x in t.into}}
    extra = _capture([t.axis], t.x.env, set(inner.values()) | {a.name for a in new}, t, namer)
    return Split(rename(t.x, {**inner, **extra}, namer), extra.get(t.axis, t.axis), new)


def _merge(t: Merge, m, namer) -> Term:
    out = m.get(t.out, t.out)
    inner = {a: b for a, b in m.items() if a != t.out}
    extra = _capture(list(t.merged), t.x.env, set(inner.values()) | {out}, t, namer)
    return Merge(rename(t.x, {**inner, **extra}, namer), tuple(extra.get(a, a) for a in t.merged), out)


def _scan(t: Scan, m, namer) -> Term:
    return Rename(t, tuple(sorted(m.items())))


_RENAME = {
    Input: _leaf, Param: _leaf, State: _leaf, Const: _children, Dim: _children, Index: _index,
    Unary: _children, Binary: _children, Where: _children, Reduce: _reduce, Rename: _rename_node,
    Concat: _concat, Split: _split, Merge: _merge, Scan: _scan, Softmax: _along, Normalize: _along,
}
