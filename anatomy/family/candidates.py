"""Witness proposals: for each parameter of B, terms over A's leaves that could stand for it.

A ⊑ B needs a witness τ — B's parameters as terms of A's — with A(θ) ≡ B(τ(θ)). Each
family rule (:data:`anatomy.rules.PARAMETERS`) names a *move* that instantiates it on two
variants; this module implements the moves, each proposing values for one parameter P of B
(with exactly P's axes):

========  ====================  ===================================================
move      rule                  P :=
========  ====================  ===================================================
rename    param-rename          a parameter of A with the same axis sizes
share     share-axis            a parameter of A lacking some of P's axes, broadcast
absorb    absorb-scale          a renamed parameter of A times or over a scalar constant
fix       fix-constant          a fixed (input- and parameter-free) sub-term of A
relative  fix-relative          a fixed sub-term of A read through the offset j - i
zero      zero-param            0
factor    merge-linear          a contraction of two parameters of A over a shared axis
embed     merge-linear-full     an identity embedding, or a parameter of A re-indexed by one
stack     fuse-params           parameters of A side by side along P's small constant axis
slice     fuse-params           one slice of a parameter of A along a small constant axis
========  ====================  ===================================================

Each proposal has a cost (lower is more natural); the search (:mod:`.search`) tries
combinations in order of total cost and keeps those that pass a numeric test.
"""

from __future__ import annotations

import dataclasses
import itertools

from ..ir.ops import BinaryOp, Dtype
from ..ir.size import Size, SizeCondition
from ..ir.term import Axis, Binary, Const, Dim, Index, Input, Merge, Param, Reduce, ReduceOp, Split, Term, Where
from ..ir.traverse import broadcast, params, postorder, rewrite_bottom_up


@dataclasses.dataclass(frozen=True)
class Choice:
    """One proposed value for parameter ``param`` of B, by family rule ``rule``."""

    param: Param
    term: Term
    rule: str
    cost: int
    conditions: tuple[SizeCondition, ...] = ()
    inverse: tuple = ()
    """How to undo the move, when it is onto: ``(A's parameter, its value over P, conditions)``
    triples, or for a slice ``("slice", A's parameter, axis, position, P read with A's axes)``."""

    def to_json(self) -> dict:
        return {"param": self.param.name, "value": str(self.term), "rule": self.rule,
                "conditions": [str(c) for c in self.conditions]}


def _maps(src: tuple[Axis, ...], dst: tuple[Axis, ...]) -> list[dict[str, Axis]]:
    """Injective maps of ``src`` axes into ``dst`` axes of equal size, same names first."""
    out = []
    for image in itertools.permutations(dst, len(src)):
        if all(a.size == b.size for a, b in zip(src, image)):
            out.append({a.name: b for a, b in zip(src, image)})
    return sorted(out, key=lambda m: (-sum(k == v.name for k, v in m.items()), [v.name for v in m.values()]))


def _place(term: Term, amap: dict[str, Axis], dst: tuple[Axis, ...]) -> Term:
    return broadcast(term.rename({k: v.name for k, v in amap.items()}), dst)


def _is_fixed(node: Term) -> bool:
    return not any(isinstance(n, (Input, Param)) for n in postorder(node))


def _maximal(term: Term, keep) -> list[Term]:
    """Sub-terms satisfying ``keep`` whose parent (some occurrence) does not, in post-order."""
    inside: set[int] = set()
    for node in postorder(term):
        if keep(node):
            inside.update(id(k) for k in node.children)
    return [n for n in postorder(term) if keep(n) and (id(n) not in inside or n is term)]


def _fixed_tensors(term: Term) -> list[Term]:
    fixed = {id(n) for n in postorder(term) if _is_fixed(n)}
    found = _maximal(term, lambda n: id(n) in fixed)
    return [n for n in found if n.axes and n.type.dtype is Dtype.REAL and not isinstance(n, (Index, Const, Dim))]


def _scalars(*terms: Term) -> list[Term]:
    found: dict[str, Term] = {}
    for term in terms:
        for n in postorder(term):
            if _is_fixed(n) and not n.axes and n.type.dtype is Dtype.REAL and not n.bound \
                    and not (isinstance(n, Const) and n.value in (0.0, 1.0, -1.0, float("inf"), float("-inf"))):
                found.setdefault(str(n), n)
    return [found[k] for k in sorted(found)] + [Const(-1.0)]  # a sign flip is a scale too


def _offsets(b: Term, axis: str) -> list[tuple[Index, Index, Term]]:
    """Comparisons ``axis == j - i + K`` in ``b``: (j, i, K)."""
    out = []
    for n in postorder(b):
        if isinstance(n, Binary) and n.op is BinaryOp.EQ and isinstance(n.a, Index) and n.a.axis.name == axis:
            e = n.b
            if isinstance(e, Binary) and e.op is BinaryOp.ADD and isinstance(e.a, Binary) and e.a.op is BinaryOp.SUB \
                    and isinstance(e.a.a, Index) and isinstance(e.a.b, Index):
                out.append((e.a.a, e.a.b, e.b))
    return out


def choices(a: Term, b: Term) -> dict[str, list[Choice]]:
    """Every proposal for every parameter of ``b``, cheapest first (ties by text)."""
    a_params, constants, scalars = params(a), _fixed_tensors(a), _scalars(a, b)
    splits = [n.into for n in postorder(b) if isinstance(n, Split) and len(n.into) == 2]
    out: dict[str, list[Choice]] = {}
    for p in params(b):
        dst = p.shape
        found: list[Choice] = []

        def add(term: Term, rule: str, cost: int, conditions: tuple[SizeCondition, ...] = (), inverse=()) -> None:
            if sorted(term.axes) == sorted(x.name for x in dst):
                found.append(Choice(p, term, rule, cost, conditions, tuple(inverse)))

        for q in a_params:
            for m in _maps(q.shape, dst):
                placed = _place(q, m, dst)
                # a proposal that keeps the parameter's name and axis names is tried first
                off = (q.name != p.name) + any(k != v.name for k, v in m.items())
                if len(q.shape) == len(dst):
                    back = p.rename({v.name: k for k, v in m.items()})
                    add(placed, "param-rename", off, inverse=[(q.name, back, ())])
                    for c in scalars:
                        add(_place(q * c, m, dst), "absorb-scale", 2 + off, inverse=[(q.name, back / c, ())])
                        add(_place(q / c, m, dst), "absorb-scale", 2 + off, inverse=[(q.name, back * c, ())])
                else:
                    add(placed, "share-axis", 1 + off)
                    for t in dst:  # only the first slot of a missing axis: the others switched off
                        if t.name not in {v.name for v in m.values()}:
                            add(Where(Index(t).eq(Const(0.0)), placed, Const(0.0)), "zero-param", 2 + off)
        for c in constants:
            for m in _maps(c.type.axes, dst):
                add(_place(c, m, dst), "fix-constant", 2)
        for r in dst:
            for j, i, k in _offsets(b, r.name):
                for c in constants:
                    offset = next((n for n in postorder(c) if isinstance(n, Binary) and n.op is BinaryOp.SUB
                                   and n.a == j and n.b == i), None)
                    if offset is None:
                        continue
                    moved = rewrite_bottom_up(c, lambda n, o=offset, r=r, k=k: Index(r) - k if n is o else n)
                    for m in _maps(moved.type.axes, dst):
                        if m.get(r.name, r).name == r.name:
                            add(_place(moved, m, dst), "fix-relative", 2)
        add(broadcast(Const(0.0), dst), "zero-param", 3)
        _share_merged(a_params, dst, add, p, splits)
        _factor(a_params, dst, add, p)
        _embed(a_params, dst, add, scalars, fresh=p.name not in {q.name for q in a_params})
        _stack_and_slice(a_params, dst, add, p)
        unique = {}
        for ch in sorted(found, key=lambda c: (c.cost, str(c.term), c.rule)):
            unique.setdefault(str(ch.term), ch)
        out[p.name] = list(unique.values())
    return out


def _quotient(size, part):
    """``size / part`` when both are monomials and ``part`` divides ``size``, else None."""
    if len(size.terms) != 1 or len(part.terms) != 1:
        return None
    (mono, c), (pm, pc) = size.terms[0], part.terms[0]
    rest = list(mono)
    for sym in pm:
        if sym not in rest:
            return None
        rest.remove(sym)
    if c % pc or not rest and c // pc == 1:
        return None
    return Size.parse("*".join([str(c // pc)] * (c // pc != 1) + rest) or "1")


def _share_merged(a_params: list[Param], dst: tuple[Axis, ...], add, p: Param, splits: list) -> None:
    """A parameter of A shared across heads, for a parameter of B whose axis merges heads
    and features (``Wk[x, d]`` for ``Wk[x, c]``, c = H*dh): merge_{h,d->c}(Wk + 0·h), with
    the head and feature names of a split of that axis in B, so that the split undoes it."""
    for q in a_params:
        if len(q.shape) != len(dst):
            continue
        for c in dst:
            for u in q.shape:
                heads = _quotient(c.size, u.size)
                if heads is None:
                    continue
                rest_q = tuple(x for x in q.shape if x is not u)
                rest_p = tuple(x for x in dst if x is not c)
                for h, f in sorted({(h, f) for h, f in splits if h.size == heads and f.size == u.size},
                                   key=lambda hf: (hf[0].name, hf[1].name)):
                    for m in _maps(rest_q, rest_p):
                        if {h.name, f.name} & ({v.name for v in m.values()} | {c.name}):
                            continue
                        inner = broadcast(q.rename({**{k: v.name for k, v in m.items()}, u.name: f.name}), (h,))
                        off = (q.name != p.name) + any(k != v.name for k, v in m.items())
                        add(Merge(inner, (h.name, f.name), c.name), "share-axis", 1 + off)


def _one_hot(a: Axis, b: Axis) -> Term:
    return Where(Index(a).eq(Index(b)), Const(1.0), Const(0.0))


def _factor(a_params: list[Param], dst: tuple[Axis, ...], add, p: Param) -> None:
    for q1, q2 in itertools.permutations(a_params, 2):
        if len(q1.shape) != 2 or len(q2.shape) != 2:
            continue
        for k in (x for x in q1.shape if x in q2.shape):
            d = next(x for x in q1.shape if x != k)
            f = next(x for x in q2.shape if x != k)
            if f.name == d.name:  # the same axis name on both: read q2's along a fresh one
                taken = {x.name for x in (*q1.shape, *q2.shape, *dst)}
                fresh = next(f"{f.name}{n}" for n in itertools.count(2) if f"{f.name}{n}" not in taken)
                q2r, f = q2.rename({f.name: fresh}), Axis(fresh, f.size)
            else:
                q2r = q2
            prod = Reduce(ReduceOp.SUM, q1 * q2r, k.name)
            for m in _maps(prod.type.axes, dst):
                back = p.rename({v.name: n for n, v in m.items()})  # P read as W[d, f]
                # onto when size(d) <= size(k): q1 embeds d into k, q2 carries P (merge-linear-full)
                cond = (SizeCondition(d.size, k.size),)
                carried = Reduce(ReduceOp.SUM, back * _one_hot(k, d), d.name)
                if q2r is not q2:
                    carried = carried.rename({f.name: next(x.name for x in q2.shape if x != k)})
                inverse = [(q1.name, _one_hot(k, d), cond), (q2.name, carried, cond)]
                add(_place(prod, m, dst), "merge-linear", 2, inverse=inverse)


def _embed(a_params: list[Param], dst: tuple[Axis, ...], add, scalars: list[Term], fresh: bool) -> None:
    if len(dst) != 2:
        return
    if dst[0].size == dst[1].size:  # the identity map (scaled) is a fixed value of a square parameter
        eye = _one_hot(dst[0], dst[1])
        add(eye, "fix-constant", 1 if fresh else 3)  # first choice for a map A does not have
        for c in scalars:
            add(Where(eye.cond, c, Const(0.0)), "fix-constant", 3)
            add(Where(eye.cond, Const(1.0) / c, Const(0.0)), "fix-constant", 3)
    for small, large in itertools.permutations(dst, 2):
        if small.size != large.size:
            add(Where(Index(small).eq(Index(large)), Const(1.0), Const(0.0)), "merge-linear-full", 3,
                (SizeCondition(small.size, large.size),))
    for q in a_params:
        if len(q.shape) != 2:
            continue
        for u in q.shape:
            rest = tuple(x for x in q.shape if x is not u)
            for k in dst:
                if k.size == u.size or k.name == u.name:
                    continue
                for m in _maps(rest, tuple(x for x in dst if x is not k)):
                    if u.name in {x.name for x in dst}:
                        continue
                    body = _place(q, {**m, u.name: u}, (*dst, u)) * Where(Index(k).eq(Index(u)), Const(1.0), Const(0.0))
                    add(Reduce(ReduceOp.SUM, body, u.name), "merge-linear-full", 3, (SizeCondition(u.size, k.size),))


def _select(x: Term, t: Axis, pos: int) -> Term:
    return Reduce(ReduceOp.SUM, Where(Index(t).eq(Const(float(pos))), x, Const(0.0)), t.name)


def _stack_and_slice(a_params: list[Param], dst: tuple[Axis, ...], add, p: Param) -> None:
    for t in dst:
        n = t.size.constant
        if n is None or not 2 <= n <= 4:
            continue
        rest = tuple(x for x in dst if x is not t)
        fits = [q for q in a_params if len(q.shape) == len(rest) and _maps(q.shape, rest)]
        for picked in itertools.permutations(fits, n):
            maps = [_maps(q.shape, rest)[0] for q in picked]
            parts = [_place(q, m, rest) for q, m in zip(picked, maps)]
            value = parts[-1]
            for pos in range(n - 2, -1, -1):
                value = Where(Index(t).eq(Const(float(pos))), parts[pos], value)
            inverse = [(q.name, _select(p, t, pos).rename({v.name: k for k, v in m.items()}), ())
                       for pos, (q, m) in enumerate(zip(picked, maps))]
            add(value, "fuse-params", 2, inverse=inverse)
    for q in a_params:
        for t in q.shape:
            n = t.size.constant
            if n is None or not 2 <= n <= 4 or len(q.shape) != len(dst) + 1:
                continue
            rest = tuple(x for x in q.shape if x is not t)
            for m in _maps(rest, dst):
                back = p.rename({v.name: k for k, v in m.items()})
                for pos in range(n):
                    add(_place(_select(q, t, pos), m, dst), "fuse-params", 2,
                        inverse=[("slice", q.name, t, pos, back)])
