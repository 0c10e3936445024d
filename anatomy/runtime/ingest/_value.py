"""Traced tensors as terms: a :class:`Value` is a term plus the axis name of each tensor dimension.

A PyTorch tensor has positional dimensions; a term has named axes. A :class:`Value` keeps
both: ``dims[p]`` is the axis name of dimension ``p``, or ``None`` where the term does not
vary along it (a size-1 dimension, or one that ``expand`` broadcast). Sizes are concrete
integers while a graph is translated; :mod:`._sizes` makes them symbolic afterwards.

:class:`Namer` hands out axis names (one size per name for the whole translation, so any
two terms compose), and :func:`align` lines values up for an elementwise op the way torch
broadcasts: right-aligned, renaming axes that meet at one position to one name.

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> namer = Namer()
    >>> a = leaf_value(Input, "x", (5, 6), namer, roles=("token", "feature"))
    >>> a.dims, str(a.term)
    (('i', 'd'), 'x[i, d]')
    >>> u = leaf_value(Input, "u", (5,), namer, roles=("token",))
    >>> column, row = Value(u.term, ("i", None), (5, 1)), Value(u.term, (None, "i"), (1, 5))
    >>> terms, dims, shape = align([column, row], namer)
    >>> dims, [str(t) for t in terms]
    (('i', 'j'), ['u[i]', 'u[j]'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from ...ir.ops import BinaryOp, Dtype
from ...ir.term import Axis, Binary, Const, Index, Term
from ...ir.traverse import broadcast
from ._rename import rename

#: Axis names handed out per role, in order of preference (size symbols never use these).
POOLS: dict[str, tuple[str, ...]] = {
    "token": ("i", "j", "k", "l", "t", "u", "w"),
    "feature": ("d", "e", "f", "g", "c", "x", "y", "z", "o", "p"),
    "head": ("h", "g"),
    "batch": ("b", "a"),
    "block": ("r", "s"),
    "other": ("a", "s", "r", "u", "v", "w"),
}
ROLES = tuple(POOLS)


class Namer:
    """Axis names for one translation: each name has one size, and a role per size and name.

    Parameters:
        reserved: names that no axis may take (tensor names, so that a variant file that
            declares both still parses).

    Example:
        >>> n = Namer(reserved={"k"})
        >>> n.fresh(5, role="token"), n.fresh(5, taken={"i"}), n.fresh(7, role="token")
        ('i', 'j', 'l')
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.reserved = set(reserved)
        self.size_of: dict[str, int] = {}
        self.atoms: set[int] = set()  # the sizes of arguments and parameters
        self.written: set[str] = set()  # axes whose size the code wrote as a number
        self.role_of: dict[str, str] = {}
        self.size_role: dict[int, str] = {}

    def role(self, size: int) -> str:
        return self.size_role.get(size, "other")

    def fresh(self, size: int, taken: Iterable[str] = (), role: str | None = None, *, written: bool = False) -> str:
        """A name for an axis of ``size`` that is not in ``taken`` (reusing names of that size).

        A ``written`` axis has a size the code wrote as a number (``chunk(3)``); its names are
        never shared with axes whose size follows the arguments, since one name has one size.
        """
        role = role or self.role(size)
        self.size_role.setdefault(size, role)
        busy = set(taken)
        for name in self._candidates(role):
            if name in busy or name in self.reserved or (name in self.size_of and (name in self.written) != written):
                continue
            if self.size_of.get(name, size) == size:
                self.size_of[name] = size
                self.role_of.setdefault(name, role)
                if written:
                    self.written.add(name)
                return name
        raise AssertionError("unreachable: the candidate names are unbounded")

    def _candidates(self, role: str):
        pool = POOLS[role]
        yield from pool
        k = 2
        while True:
            yield from (f"{p}{k}" for p in pool)
            k += 1


@dataclasses.dataclass(frozen=True)
class Value:
    """A traced tensor: ``term`` plus one axis name (or None) per dimension.

    Parameters:
        term: a real or bool term whose free axes are exactly the names in ``dims``.
        dims: per dimension, its axis name, or None where the term is constant along it.
        shape: the concrete size of each dimension.
        const: the value everywhere, for a constant tensor (``torch.ones``, a scalar).
    """

    term: Term
    dims: tuple[str | None, ...]
    shape: tuple[int, ...]
    const: float | bool | None = None

    @property
    def dtype(self) -> Dtype:
        return self.term.type.dtype

    @property
    def rank(self) -> int:
        return len(self.dims)

    def axis(self, p: int) -> Axis:
        return Axis(self.dims[p], self.shape[p])  # type: ignore[arg-type]

    def permuted(self, order: Sequence[int]) -> "Value":
        return Value(self.term, tuple(self.dims[p] for p in order), tuple(self.shape[p] for p in order), self.const)

    def with_term(self, term: Term, dims=None, shape=None) -> "Value":
        return Value(term, self.dims if dims is None else tuple(dims), self.shape if shape is None else tuple(shape))


@dataclasses.dataclass(frozen=True)
class Missing:
    """An op result that has no term (the indices of ``torch.max``); using it is an error."""

    what: str
    hint: str | None = None


TRUE = Binary(BinaryOp.LE, Const(0.0), Const(0.0))
FALSE = Binary(BinaryOp.LT, Const(0.0), Const(0.0))


def constant(value: float | bool, shape: Sequence[int] = ()) -> Value:
    """A tensor that holds ``value`` everywhere (a Python scalar, ``torch.full``…)."""
    if isinstance(value, bool):
        term = TRUE if value else FALSE
    else:
        term = Const(float(value))
    return Value(term, (None,) * len(shape), tuple(int(s) for s in shape), value)


def leaf_value(kind, name: str, shape: Sequence[int], namer: Namer, *, roles: Sequence[str]) -> Value:
    """An ``Input`` or ``Param`` leaf for a tensor of ``shape``; size-1 dimensions get no axis."""
    dims: list[str | None] = []
    axes = []
    namer.atoms.update(shape)
    for size, role in zip(shape, roles):
        if size == 1:
            dims.append(None)
            continue
        a = namer.fresh(size, taken=[d for d in dims if d], role=role)
        dims.append(a)
        axes.append(Axis(a, size))
    return Value(kind(name, tuple(axes)), tuple(dims), tuple(shape))


def name_dim(v: Value, p: int, namer: Namer, taken: Iterable[str] = ()) -> tuple[Value, str]:
    """Give dimension ``p`` an axis name (without making the term depend on it)."""
    if v.dims[p] is not None:
        return v, v.dims[p]  # type: ignore[return-value]
    a = namer.fresh(v.shape[p], taken=set(v.term.env) | set(taken) | {d for d in v.dims if d})
    dims = list(v.dims)
    dims[p] = a
    return Value(v.term, tuple(dims), v.shape, v.const), a


def materialise(v: Value, p: int, namer: Namer) -> Value:
    """Make dimension ``p`` a free axis of the term (``x + 0·index``), for ops that need one."""
    if v.dims[p] is not None and v.dims[p] in v.term.axes:
        return v
    named, a = name_dim(v, p, namer)
    if named.dtype is Dtype.BOOL:
        term = Binary(BinaryOp.AND, named.term, Binary(BinaryOp.GE, Index(Axis(a, v.shape[p])), Const(0.0)))
    else:
        term = broadcast(named.term, [Axis(a, v.shape[p])])
    return Value(term, named.dims, v.shape)


def rename_value(v: Value, mapping: Mapping[str, str], namer: Namer) -> Value:
    """Rename axes in the term and the dims together."""
    mapping = {a: b for a, b in mapping.items() if a != b}
    if not mapping:
        return v
    dims = tuple(mapping.get(d, d) if d else None for d in v.dims)
    return Value(rename(v.term, mapping, namer), dims, v.shape, v.const)


def broadcast_shape(shapes: Sequence[Sequence[int]]) -> tuple[int, ...]:
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for p in range(rank):
        sizes = {s[p - rank + len(s)] for s in shapes if p - rank + len(s) >= 0}
        out.append(max(sizes))
    return tuple(out)


def padded(v: Value, rank: int) -> Value:
    extra = rank - v.rank
    return Value(v.term, (None,) * extra + v.dims, (1,) * extra + v.shape, v.const)


def align(values: Sequence[Value], namer: Namer) -> tuple[list[Term], tuple[str | None, ...], tuple[int, ...]]:
    """Terms renamed so that dimensions at one (right-aligned) position share one axis name.

    Returns the renamed terms, the result's dims and its broadcast shape.
    """
    shape = broadcast_shape([v.shape for v in values])
    rank = len(shape)
    vals = [padded(v, rank) for v in values]
    taken = set().union(*(set(v.term.env) for v in vals))
    out: list[str | None] = []
    for p in range(rank):
        name = next((v.dims[p] for v in vals if v.dims[p] is not None), None)
        if name is not None and name in out:
            name = namer.fresh(shape[p], taken=taken | {o for o in out if o})
        out.append(name)
    terms = []
    for v in vals:
        mapping = {v.dims[p]: out[p] for p in range(rank) if v.dims[p] is not None}
        terms.append(rename_value(v, mapping, namer).term)  # type: ignore[arg-type]
    return terms, tuple(out), shape


def positions(dims: Sequence[int] | int | None, rank: int) -> list[int]:
    """Dimension arguments (negative or a list, None for all) as sorted positions."""
    if dims is None:
        return list(range(rank))
    items = [dims] if isinstance(dims, int) else list(dims)
    if not items:
        return list(range(rank))
    return sorted({d % rank if rank else 0 for d in items})
