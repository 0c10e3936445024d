"""Well-formedness: one type rule per node kind, run on every term as it is built.

``CHECKS[kind](node)`` returns the node's :class:`Info` (its type, every axis it mentions
with its size, its free scan states, the axes it consumes) or raises
:class:`~anatomy.errors.AxisTypeError` naming both sides that fail to compose. The
invariant that makes named axes sound: **within one term, an axis name has one size**.

Example:
    >>> from anatomy.ir.term import Axis, Input, Binary
    >>> from anatomy.ir.ops import BinaryOp
    >>> q = Input("Q", (Axis("i", "n"), Axis("d", "dk")))
    >>> k = Input("K", (Axis("i", "m"), Axis("d", "dk")))
    >>> Binary(BinaryOp.ADD, q, k)
    Traceback (most recent call last):
    ...
    anatomy.errors.AxisTypeError: error: Q[i, d] does not compose with K[i, d]: axis 'i' has size n on the left and m on the right.
      hint: rename one of the axes, or declare both with the same size
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from ..errors import AxisTypeError
from ..messages import does_not_compose, expected
from .ops import Dtype
from .size import Size
from .term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce,
                   Rename, Scan, Softmax, Split, State, Term, Type, Unary, Where, check_name)


@dataclasses.dataclass(frozen=True)
class Info:
    type: Type
    env: Mapping[str, Size]
    states: Mapping[str, State]
    bound: frozenset[str]


def show(term: Term, limit: int = 60) -> str:
    """A short printed form of a term for messages."""
    text = str(term)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail(message: str, hint: str | None = None) -> AxisTypeError:
    return AxisTypeError(message, hint=hint)


def _merge_envs(children: list[Term], extra: Iterable[Axis] = ()) -> dict[str, Size]:
    env: dict[str, Size] = {}
    where: dict[str, Term | None] = {}
    for child in children:
        for name, size in child.env.items():
            _bind(env, where, name, size, child)
    for ax in extra:
        _bind(env, where, ax.name, ax.size, None)
    return env


def _bind(env: dict[str, Size], where: dict[str, Term | None], name: str, size: Size,
          origin: Term | None) -> None:
    old = env.get(name)
    if old is None:
        env[name] = size
        where[name] = origin
    elif old != size:
        first, second = where[name], origin
        left = show(first) if first is not None else f"axis {name}: {old}"
        right = show(second) if second is not None else f"axis {name}: {size}"
        raise _fail(does_not_compose(left, right, f"axis {name!r} has size {old} on the left and {size} on the right"),
                    "rename one of the axes, or declare both with the same size")


def _merge_states(children: list[Term]) -> dict[str, State]:
    states: dict[str, State] = {}
    for child in children:
        for name, node in child.free_states.items():
            if name in states and states[name] is not node:
                raise _fail(f"scan state {name!r} is used with two shapes: "
                            f"[{_shape(states[name].shape)}] and [{_shape(node.shape)}]",
                            "refer to a state with the axes it was declared with")
            states[name] = node
    return states


def _shape(axes: Iterable[Axis]) -> str:
    return ", ".join(a.name for a in axes)


def _union_axes(*groups: Iterable[Axis]) -> tuple[Axis, ...]:
    seen: dict[str, Axis] = {}
    for group in groups:
        for ax in group:
            seen.setdefault(ax.name, ax)
    return tuple(seen.values())


def _bound(children: list[Term], *more: str) -> frozenset[str]:
    out: set[str] = set(more)
    for c in children:
        out |= c.bound
    return frozenset(out)


def _need_dtype(term: Term, dtype: Dtype, role: str) -> None:
    if term.type.dtype is not dtype:
        raise _fail(expected(f"a {dtype.value} term as {role}", f"{show(term)} of type {term.type}"),
                    "use a comparison (j <= i) for a mask and where(mask, a, b) to apply it"
                    if dtype is Dtype.BOOL else "turn a mask into numbers with where(mask, 1, 0)")


def _need_free(term: Term, axis: str, role: str) -> None:
    if axis not in term.axes:
        have = ", ".join(term.axes) or "no free axes"
        raise _fail(expected(f"a term with a free axis {axis!r} to {role}", f"{show(term)} with {have}"),
                    f"{role} over an axis the term has, or broadcast first")


def _leaf(node: Input | Param | State, dtype: Dtype = Dtype.REAL) -> Info:
    check_name(node.name, node.kind)
    names = [a.name for a in node.shape]
    for a in node.shape:
        if not isinstance(a, Axis):
            raise _fail(expected(f"axes (Axis objects) in the shape of {node.name!r}", repr(a)))
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _fail(f"{node.kind} {node.name!r} lists axis {dup[0]!r} twice",
                    "give each dimension its own axis name")
    env = _merge_envs([], node.shape)
    states = {node.name: node} if isinstance(node, State) else {}
    return Info(Type(dtype, node.shape), env, states, frozenset())


def _input(node: Input) -> Info:
    return _leaf(node)


def _param(node: Param) -> Info:
    return _leaf(node)


def _state(node: State) -> Info:
    return _leaf(node)


def _const(node: Const) -> Info:
    return Info(Type(Dtype.REAL, ()), {}, {}, frozenset())


def _dim(node: Dim) -> Info:
    return Info(Type(Dtype.REAL, ()), {}, {}, frozenset())


def _index(node: Index) -> Info:
    if not isinstance(node.axis, Axis):
        raise _fail(expected("an Axis for an index term", repr(node.axis)))
    return Info(Type(Dtype.REAL, (node.axis,)), {node.axis.name: node.axis.size}, {}, frozenset())


def _unary(node: Unary) -> Info:
    _need_dtype(node.x, node.op.dtype, f"the argument of {node.op.value}")
    x = node.x
    return Info(Type(node.op.dtype, x.type.axes), x.env, x.free_states, x.bound)


def _binary(node: Binary) -> Info:
    a, b = node.a, node.b
    _need_dtype(a, node.op.operand, f"the left operand of {node.op.value}")
    _need_dtype(b, node.op.operand, f"the right operand of {node.op.value}")
    env = _merge_envs([a, b])
    axes = _union_axes(a.type.axes, b.type.axes)
    return Info(Type(node.op.result, axes), env, _merge_states([a, b]), _bound([a, b]))


def _where(node: Where) -> Info:
    c, a, b = node.cond, node.a, node.b
    _need_dtype(c, Dtype.BOOL, "the condition of where")
    if a.type.dtype is not b.type.dtype:
        raise _fail(does_not_compose(show(a), show(b), "the branches of where have different dtypes"))
    kids = [c, a, b]
    return Info(Type(a.type.dtype, _union_axes(c.type.axes, a.type.axes, b.type.axes)),
                _merge_envs(kids), _merge_states(kids), _bound(kids))


def _reduce(node: Reduce) -> Info:
    x = node.x
    _need_dtype(x, Dtype.REAL, f"the argument of {node.op.value}")
    _need_free(x, node.axis, node.op.value)
    axes = tuple(a for a in x.type.axes if a.name != node.axis)
    return Info(Type(Dtype.REAL, axes), x.env, x.free_states, x.bound | {node.axis})


def _along(node: Softmax | Normalize) -> Info:
    x = node.x
    _need_dtype(x, Dtype.REAL, f"the argument of {node.kind}")
    _need_free(x, node.axis, node.kind)
    return Info(x.type, x.env, x.free_states, x.bound | {node.axis})


def _rename(node: Rename) -> Info:
    x = node.x
    if not node.mapping:
        raise _fail("a rename must rename at least one axis")
    olds = [o for o, _ in node.mapping]
    news = [n for _, n in node.mapping]
    for old, new in node.mapping:
        check_name(new, "axis")
        if old == new:
            raise _fail(f"rename maps axis {old!r} to itself", "drop the pair")
        _need_free(x, old, "rename")
    if len(set(olds)) != len(olds) or len(set(news)) != len(news):
        raise _fail(f"rename {dict(node.mapping)} is not one-to-one")
    clash = [n for n in news if n in x.axes and n not in olds]
    if clash:
        raise _fail(f"rename of {show(x)} maps onto its free axis {clash[0]!r}",
                    f"rename {clash[0]!r} too, or pick a fresh name")
    sizes = x.type.sizes
    m = dict(node.mapping)
    axes = tuple(Axis(m.get(a.name, a.name), a.size) for a in x.type.axes)
    env = _merge_envs([x], [Axis(new, sizes[old]) for old, new in node.mapping])
    return Info(Type(x.type.dtype, axes), env, x.free_states, x.bound | set(olds))


def _concat(node: Concat) -> Info:
    parts = list(node.parts)
    check_name(node.out, "axis")
    if len(parts) < 2:
        raise _fail(expected("at least two parts to concatenate", str(len(parts))))
    dtype = parts[0].type.dtype
    for p in parts:
        if p.type.dtype is not dtype:
            raise _fail(does_not_compose(show(parts[0]), show(p), "the parts have different dtypes"))
        if node.out in p.axes:
            raise _fail(f"concatenation into axis {node.out!r}, but the part {show(p)} already has it",
                        "concatenate into a fresh axis name")
    if node.out == node.axis:
        raise _fail(f"concatenation along {node.axis!r} must produce a new axis name",
                    f"write concat_{node.axis}->{node.axis}2(...)")
    size = Size()
    for p in parts:
        size = size + (p.type.sizes[node.axis] if node.axis in p.axes else Size.const(1))
    out = Axis(node.out, size)
    free = _union_axes(*(p.type.axes for p in parts))
    if any(a.name == node.axis for a in free):
        axes = tuple(out if a.name == node.axis else a for a in free)
    else:
        axes = (out,) + free
    env = _merge_envs(parts, [out])
    return Info(Type(dtype, axes), env, _merge_states(parts), _bound(parts, node.axis))


def _split(node: Split) -> Info:
    x = node.x
    _need_free(x, node.axis, "split")
    if len(node.into) < 2:
        raise _fail(expected("at least two axes to split into", str(len(node.into))))
    names = [a.name for a in node.into]
    if len(set(names)) != len(names):
        raise _fail(f"split of {node.axis!r} into {names} repeats an axis")
    for a in node.into:
        if not isinstance(a, Axis):
            raise _fail(expected("Axis objects to split into", repr(a)))
        if a.name in x.axes:
            raise _fail(f"split of {node.axis!r} into {a.name!r}, but {show(x)} already has axis {a.name!r}",
                        "split into fresh axis names")
    total = Size.const(1)
    for a in node.into:
        total = total * a.size
    have = x.type.sizes[node.axis]
    if total != have:
        raise _fail(does_not_compose(f"axis {node.axis}: {have}",
                                     " × ".join(f"{a.name}: {a.size}" for a in node.into),
                                     f"the sizes multiply to {total}, not {have}"),
                    f"declare {node.axis} with size {total}")
    axes: list[Axis] = []
    for a in x.type.axes:
        axes.extend(node.into if a.name == node.axis else (a,))
    env = _merge_envs([x], node.into)
    return Info(Type(x.type.dtype, tuple(axes)), env, x.free_states, x.bound | {node.axis})


def _merge(node: Merge) -> Info:
    x = node.x
    check_name(node.out, "axis")
    if len(node.merged) < 2 or len(set(node.merged)) != len(node.merged):
        raise _fail(expected("at least two distinct axes to merge", str(list(node.merged))))
    for name in node.merged:
        _need_free(x, name, "merge")
    if node.out in x.axes:
        raise _fail(f"merge into axis {node.out!r}, but {show(x)} already has it", "merge into a fresh name")
    sizes = x.type.sizes
    size = Size.const(1)
    for name in node.merged:
        size = size * sizes[name]
    out = Axis(node.out, size)
    first = next(a.name for a in x.type.axes if a.name in node.merged)
    axes = tuple(out if a.name == first else a for a in x.type.axes
                 if a.name == first or a.name not in node.merged)
    env = _merge_envs([x], [out])
    return Info(Type(x.type.dtype, axes), env, x.free_states, x.bound | set(node.merged))


def _scan(node: Scan) -> Info:
    t = check_name(node.axis, "axis")
    n = len(node.states)
    if n == 0 or len(node.inits) != n or len(node.steps) != n:
        raise _fail("a scan needs one initial value and one step per state "
                    f"(got {n} states, {len(node.inits)} initial values, {len(node.steps)} steps)")
    names = [s.name for s in node.states]
    if len(set(names)) != n:
        raise _fail(f"scan states {names} repeat a name")
    if not 0 <= node.out < n:
        raise _fail(expected(f"an output state index in 0..{n - 1}", str(node.out)))
    own = dict(zip(names, node.states))
    for st, init, step in zip(node.states, node.inits, node.steps):
        if not isinstance(st, State):
            raise _fail(expected("State declarations in a scan", repr(st)))
        shape = {a.name for a in st.shape}
        if t in shape:
            raise _fail(f"scan state {st.name!r} must not have the scan axis {t!r}",
                        "the scan adds that axis to its output")
        for role, term in (("initial value", init), ("step", step)):
            _need_dtype(term, Dtype.REAL, f"the {role} of state {st.name!r}")
            extra = [a for a in term.axes if a not in shape and not (role == "step" and a == t)]
            if extra:
                raise _fail(does_not_compose(show(term), f"state {st.name}[{_shape(st.shape)}]",
                                             f"the {role} has axis {extra[0]!r}, which the state lacks"),
                            f"reduce {extra[0]!r} in the {role} or add it to the state's axes")
        if any(name in init.free_states for name in names):
            raise _fail(f"the initial value of state {st.name!r} refers to the scan's own state",
                        "initial values are computed before the scan starts")
        if t in step.bound:
            raise _fail(f"the step of state {st.name!r} reduces or reshapes the scan axis {t!r}",
                        f"inside a step, {t!r} is the current position; reduce over it outside the scan")
        for name, used in step.free_states.items():
            if name in own and used is not own[name]:
                raise _fail(f"scan state {name!r} is used with axes [{_shape(used.shape)}] "
                            f"but declared with [{_shape(own[name].shape)}]")
    if not any(t in s.axes for s in node.steps):
        raise _fail(f"no step of the scan reads along {t!r}, so its length is unknown",
                    f"use a term with axis {t!r} in a step")
    kids = list(node.states) + list(node.inits) + list(node.steps)
    env = _merge_envs(kids)
    states = {k: v for k, v in _merge_states(list(node.inits) + list(node.steps)).items() if k not in own}
    axes = (Axis(t, env[t]),) + node.states[node.out].shape
    return Info(Type(Dtype.REAL, axes), env, states, _bound(kids, t))


CHECKS: dict[type[Term], Callable[..., Info]] = {
    Input: _input, Param: _param, Const: _const, Dim: _dim, Index: _index, State: _state,
    Unary: _unary, Binary: _binary, Where: _where, Reduce: _reduce, Rename: _rename,
    Concat: _concat, Split: _split, Merge: _merge, Scan: _scan, Softmax: _along, Normalize: _along,
}
