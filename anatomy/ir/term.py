"""Terms: immutable, interned tensor expressions over named axes (the closed node union).

A term denotes a tensor whose dimensions are *named axes* (``i`` queries, ``j`` keys,
``d`` features, ``h`` heads, …), each with a symbolic :class:`~anatomy.ir.size.Size`.
Elementwise operations broadcast by name; ``Reduce`` (sum, max) binds an axis; ``Rename``,
``Split``, ``Merge`` and ``Concat`` reshape; ``Scan`` runs a recurrence along an axis.
``Softmax`` and ``Normalize`` are *sugar*: they have a definition in the core
(:mod:`anatomy.ir.lower`) but stay as nodes so that terms print as people write them.

Every node is checked when it is built (:mod:`anatomy.ir.check`): an ill-typed term cannot
exist. Structurally equal terms are one object, so ``==`` is identity and hashing is O(1).

Node kinds: :class:`Input`, :class:`Param`, :class:`Const`, :class:`Dim`, :class:`Index`,
:class:`Unary`, :class:`Binary`, :class:`Where`, :class:`Reduce`, :class:`Rename`,
:class:`Concat`, :class:`Split`, :class:`Merge`, :class:`Scan`, :class:`State`,
:class:`Softmax`, :class:`Normalize`. Value classes: :class:`Axis`, :class:`Type`.

Example:
    >>> i, d = Axis("i", Size.of("n")), Axis("d", Size.of("dk"))
    >>> q = Input("Q", (i, d))
    >>> s = Reduce(ReduceOp.SUM, Binary(BinaryOp.MUL, q, q), "d")
    >>> s.type
    Type(Dtype.REAL, (Axis('i', Size.parse('n')),))
    >>> s is Reduce(ReduceOp.SUM, Binary(BinaryOp.MUL, q, q), "d")
    True
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import weakref
from collections.abc import Mapping
from typing import ClassVar

from ..errors import AxisTypeError
from ..messages import expected
from .ops import BinaryOp, Dtype, UnaryOp
from .size import Size

_AXIS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_TENSOR_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def check_name(name: object, what: str) -> str:
    """Axis names: a letter, then letters or digits; tensor and state names may also use ``_``."""
    pattern, rule = ((_AXIS_NAME, "a letter, then letters or digits") if what == "axis"
                     else (_TENSOR_NAME, "a letter, then letters, digits or _"))
    if not isinstance(name, str) or not pattern.match(name):
        article = "an" if what[:1] in "aeiou" else "a"
        raise AxisTypeError(expected(f"{article} {what} name ({rule})", repr(name)))
    return name


class ReduceOp(enum.Enum):
    """Reductions over one axis (the paper's algebra is SUM)."""

    SUM = "sum"
    MAX = "max"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"


@dataclasses.dataclass(frozen=True)
class Axis:
    """A named axis with its size.

    Parameters:
        name: the axis name (``i``, ``j``, ``d``…).
        size: its :class:`Size` (a symbol, an integer or a polynomial); an int or a string
            such as ``"h*dh"`` is accepted and converted.

    Example:
        >>> Axis("d", "h*dh")
        Axis('d', Size.parse('dh*h'))
    """

    name: str
    size: Size

    def __post_init__(self) -> None:
        check_name(self.name, "axis")
        size = Size.like(self.size)
        const = size.constant
        if const is not None and const < 1:
            raise AxisTypeError(expected(f"a positive size for axis {self.name!r}", str(size)))
        object.__setattr__(self, "size", size)

    def __repr__(self) -> str:
        return f"Axis({self.name!r}, {self.size!r})"

    def __str__(self) -> str:
        return f"{self.name}: {self.size}"


@dataclasses.dataclass(frozen=True, eq=False)
class Type:
    """A term's type: its dtype and its free axes, in order of first appearance.

    Two types are equal when their dtypes and *sets* of axes agree; the order is only the
    default layout of evaluated arrays.

    Example:
        >>> a, b = Axis("i", "n"), Axis("j", "m")
        >>> Type(Dtype.REAL, (a, b)) == Type(Dtype.REAL, (b, a))
        True
    """

    dtype: Dtype
    axes: tuple[Axis, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def sizes(self) -> dict[str, Size]:
        return {a.name: a.size for a in self.axes}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and self.dtype is other.dtype and set(self.axes) == set(other.axes)

    def __hash__(self) -> int:
        return hash((self.dtype, frozenset(self.axes)))

    def __repr__(self) -> str:
        return f"Type({self.dtype!r}, {self.axes!r})"

    def __str__(self) -> str:
        inner = ", ".join(str(a) for a in self.axes)
        return f"{self.dtype.value}[{inner}]"


_TABLE: "weakref.WeakValueDictionary[tuple, Term]" = weakref.WeakValueDictionary()


class _Interned(type):
    """Metaclass: constructing a term returns the one existing structurally equal term."""

    def __call__(cls, *args, **kwargs):
        obj = super().__call__(*args, **kwargs)
        key = (cls, obj._fields())
        found = _TABLE.get(key)
        if found is not None:
            return found
        _TABLE[key] = obj
        return obj


class Term(metaclass=_Interned):
    """Base of the closed union of node kinds. Do not subclass outside this module.

    Attributes computed at construction (by :mod:`anatomy.ir.check`):
        type: the :class:`Type` (dtype and free axes).
        env: every axis the term mentions, free or bound, name -> size (one size per name).
        free_states: the free scan-state variables, name -> their :class:`State` node.
        bound: the axes some sub-term consumes (reduced, renamed, split, merged, concatenated).
    """

    type: Type
    env: Mapping[str, Size]
    free_states: Mapping[str, "State"]
    bound: frozenset[str]
    kind: ClassVar[str]

    def __post_init__(self) -> None:
        from .check import CHECKS

        self._normalise()
        info = CHECKS[type(self)](self)
        object.__setattr__(self, "type", info.type)
        object.__setattr__(self, "env", info.env)
        object.__setattr__(self, "free_states", info.states)
        object.__setattr__(self, "bound", info.bound)

    def _normalise(self) -> None:
        """Convert accepted argument forms to canonical ones (overridden per node)."""

    def _fields(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]

    @property
    def children(self) -> tuple["Term", ...]:
        """The direct sub-terms, in field order."""
        out: list[Term] = []
        for value in self._fields():
            if isinstance(value, Term):
                out.append(value)
            elif isinstance(value, tuple):
                out.extend(v for v in value if isinstance(v, Term))
        return tuple(out)

    def with_children(self, children: tuple["Term", ...]) -> "Term":
        """A copy with the direct sub-terms replaced, in the order of :attr:`children`."""
        it = iter(children)
        values = []
        for value in self._fields():
            if isinstance(value, Term):
                values.append(next(it))
            elif isinstance(value, tuple) and any(isinstance(v, Term) for v in value):
                values.append(tuple(next(it) if isinstance(v, Term) else v for v in value))
            else:
                values.append(value)
        return type(self)(*values)

    @property
    def axes(self) -> tuple[str, ...]:
        """Names of the free axes, in layout order."""
        return self.type.names

    def __reduce__(self):
        return (type(self), self._fields())

    def __str__(self) -> str:
        from .syntax.printer import print_term

        return print_term(self)

    # Arithmetic sugar for the Python builder (comparisons are methods: == is identity).
    def __add__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.ADD, self, as_term(o))

    def __radd__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.ADD, as_term(o), self)

    def __sub__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.SUB, self, as_term(o))

    def __rsub__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.SUB, as_term(o), self)

    def __mul__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.MUL, self, as_term(o))

    def __rmul__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.MUL, as_term(o), self)

    def __truediv__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.DIV, self, as_term(o))

    def __rtruediv__(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.DIV, as_term(o), self)

    def __neg__(self) -> "Term":
        return Unary(UnaryOp.NEG, self)

    def __and__(self, o: "Term") -> "Term":
        return Binary(BinaryOp.AND, self, o)

    def __or__(self, o: "Term") -> "Term":
        return Binary(BinaryOp.OR, self, o)

    def __invert__(self) -> "Term":
        return Unary(UnaryOp.NOT, self)

    def lt(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.LT, self, as_term(o))

    def le(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.LE, self, as_term(o))

    def gt(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.GT, self, as_term(o))

    def ge(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.GE, self, as_term(o))

    def eq(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.EQ, self, as_term(o))

    def ne(self, o: "TermLike") -> "Term":
        return Binary(BinaryOp.NE, self, as_term(o))

    def sum(self, axis: str) -> "Term":
        return Reduce(ReduceOp.SUM, self, axis)

    def max(self, axis: str) -> "Term":
        return Reduce(ReduceOp.MAX, self, axis)

    def __getitem__(self, names: "str | Axis | tuple[str | Axis, ...]") -> "Term":
        """Name the free axes positionally, as in the text syntax: ``X[j, d]``."""
        given = names if isinstance(names, tuple) else (names,)
        if len(given) != len(self.axes):
            raise AxisTypeError(expected(f"{len(self.axes)} axis names for [{', '.join(self.axes)}]",
                                         f"{len(given)}"))
        mapping = {}
        for old, new in zip(self.type.axes, given):
            if isinstance(new, Axis) and new.size != old.size:
                raise AxisTypeError(f"axis {old.name!r} has size {old.size}, but {new.name!r} has size {new.size}",
                                    hint="index with an axis of the same size")
            mapping[old.name] = new.name if isinstance(new, Axis) else new
        return self.rename(mapping)

    def rename(self, mapping: Mapping[str, str] | None = None, **pairs: str) -> "Term":
        """Rename free axes (``x.rename(i="j")``); identity pairs are dropped."""
        items = {**(dict(mapping) if mapping else {}), **pairs}
        items = {k: v for k, v in items.items() if k != v}
        return Rename(self, tuple(sorted(items.items()))) if items else self


_dc = dataclasses.dataclass(frozen=True, eq=False, repr=True)


# -- leaves -------------------------------------------------------------------------


@_dc
class Input(Term):
    """A named input tensor with declared axes (e.g. ``Q[i, d]``)."""

    name: str
    shape: tuple[Axis, ...]
    kind = "input"

    def _normalise(self) -> None:
        object.__setattr__(self, "shape", tuple(self.shape))


@_dc
class Param(Term):
    """A learnable parameter with declared axes (e.g. ``Wq[d, f]``)."""

    name: str
    shape: tuple[Axis, ...]
    kind = "param"

    def _normalise(self) -> None:
        object.__setattr__(self, "shape", tuple(self.shape))


@_dc
class Const(Term):
    """A real scalar constant (finite, ``inf`` or ``-inf``), broadcast everywhere."""

    value: float
    kind = "const"

    def _normalise(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise AxisTypeError(expected("a real constant", repr(self.value)))
        v = float(self.value)
        if math.isnan(v):
            raise AxisTypeError(expected("a constant that is a number", "nan"))
        object.__setattr__(self, "value", v + 0.0)  # -0.0 -> 0.0

    def __repr__(self) -> str:
        v = self.value
        return f"Const(value={v!r})" if math.isfinite(v) else f"Const(value=float({str(v)!r}))"


@_dc
class Dim(Term):
    """The value of a size as a real scalar (``sqrt(dk)`` in a scaled dot product)."""

    size: Size
    kind = "dim"

    def _normalise(self) -> None:
        object.__setattr__(self, "size", Size.like(self.size))


@_dc
class Index(Term):
    """The position along an axis, 0-based (``j <= i`` is a causal mask)."""

    axis: Axis
    kind = "index"


@_dc
class State(Term):
    """The previous value of a scan's state component, inside that scan's steps."""

    name: str
    shape: tuple[Axis, ...]
    kind = "state"

    def _normalise(self) -> None:
        object.__setattr__(self, "shape", tuple(self.shape))


# -- elementwise --------------------------------------------------------------------


@_dc
class Unary(Term):
    """An elementwise function of one term."""

    op: UnaryOp
    x: Term
    kind = "unary"


@_dc
class Binary(Term):
    """An elementwise function of two terms, broadcast over the union of their axes."""

    op: BinaryOp
    a: Term
    b: Term
    kind = "binary"


@_dc
class Where(Term):
    """``where(cond, a, b)``: ``a`` where the boolean ``cond`` holds, else ``b``."""

    cond: Term
    a: Term
    b: Term
    kind = "where"


# -- axes ---------------------------------------------------------------------------


@_dc
class Reduce(Term):
    """Sum or max of ``x`` over one of its free axes (the axis is bound)."""

    op: ReduceOp
    x: Term
    axis: str
    kind = "reduce"


@_dc
class Rename(Term):
    """Rename free axes simultaneously; ``mapping`` is a sorted tuple of (old, new)."""

    x: Term
    mapping: tuple[tuple[str, str], ...]
    kind = "rename"

    def _normalise(self) -> None:
        object.__setattr__(self, "mapping", tuple(sorted(tuple(p) for p in self.mapping)))


@_dc
class Concat(Term):
    """Concatenate ``parts`` along ``axis`` into a new axis ``out``.

    A part without ``axis`` contributes one slice (it is broadcast along the other axes);
    the size of ``out`` is the sum of the parts' lengths.
    """

    parts: tuple[Term, ...]
    axis: str
    out: str
    kind = "concat"

    def _normalise(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))


@_dc
class Split(Term):
    """Split axis ``axis`` into ``into`` (row-major: the last axis varies fastest)."""

    x: Term
    axis: str
    into: tuple[Axis, ...]
    kind = "split"

    def _normalise(self) -> None:
        object.__setattr__(self, "into", tuple(self.into))


@_dc
class Merge(Term):
    """Merge free axes ``merged`` (row-major) into one axis ``out`` of their product size."""

    x: Term
    merged: tuple[str, ...]
    out: str
    kind = "merge"

    def _normalise(self) -> None:
        object.__setattr__(self, "merged", tuple(self.merged))


@_dc
class Scan(Term):
    """A recurrence along ``axis``: every state's value at each position.

    State ``k`` starts at ``inits[k]`` (before position 0); at position ``p`` it becomes
    ``steps[k]`` evaluated with ``axis`` fixed to ``p`` and each :class:`State` bound to
    the previous values (all components update together). The term is the sequence of
    component ``out``: its axes are ``axis`` and that state's axes.
    """

    axis: str
    states: tuple[State, ...]
    inits: tuple[Term, ...]
    steps: tuple[Term, ...]
    out: int
    kind = "scan"

    def _normalise(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "inits", tuple(self.inits))
        object.__setattr__(self, "steps", tuple(self.steps))

    @property
    def children(self) -> tuple[Term, ...]:
        return self.states + self.inits + self.steps

    def with_children(self, children: tuple[Term, ...]) -> Term:
        n = len(self.states)
        s, i, st = children[:n], children[n:2 * n], children[2 * n:]
        return Scan(self.axis, tuple(s), tuple(i), tuple(st), self.out)  # type: ignore[arg-type]


# -- sugar --------------------------------------------------------------------------


@_dc
class Softmax(Term):
    """``softmax_axis(x) = exp(x) / sum_axis(exp(x))`` (sugar; see :mod:`anatomy.ir.lower`)."""

    x: Term
    axis: str
    kind = "softmax"


@_dc
class Normalize(Term):
    """``normalize_axis(x) = x / sqrt(sum_axis(x * x))``, the L2 normalisation (sugar)."""

    x: Term
    axis: str
    kind = "normalize"


#: The closed union, in a fixed order (tables keyed by node kind are checked against it).
NODE_KINDS: tuple[type[Term], ...] = (Input, Param, Const, Dim, Index, State, Unary, Binary, Where,
                                      Reduce, Rename, Concat, Split, Merge, Scan, Softmax, Normalize)
#: Node kinds that are sugar over the core.
SUGAR_KINDS: tuple[type[Term], ...] = (Softmax, Normalize)

TermLike = Term | int | float


def as_term(x: TermLike) -> Term:
    """A term from a term or a Python number (a :class:`Const`)."""
    if isinstance(x, Term):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Const(float(x))
    raise AxisTypeError(expected("a term or a number", f"{type(x).__name__} {x!r}"))
