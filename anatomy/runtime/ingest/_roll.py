"""Rolling an unrolled Python loop back up into a map or a scan.

Tracing unrolls ``for t in range(n)``: the stacked results ``y_0 … y_{n-1}`` each read
``x[t]`` (``sum_a(where(a == t, x, 0))``) and, in a recurrence, the state the previous
iteration computed. A term with ``n`` copies only fits one ``n``, so :func:`roll` finds the
loop body instead: step ``k``'s nodes are the sub-terms whose latest selected position is
``k``; in them, ``x[k]`` becomes ``x`` read along a new axis ``t``, and every sub-term of
step ``k-1`` they read becomes a scan state. The body must be the same term at every step;
the states' initial values are read off step 0. Without states the loop is a map (the body
itself, with ``t`` free); with states it is ``scan_t``, whose extra state ``Y`` is the
stacked result.

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> from anatomy.runtime.ingest._shape import pick
    >>> from anatomy.runtime.ingest._value import Namer
    >>> x = Input("x", (Axis("i", 3), Axis("d", 4)))
    >>> acc, ys = 0.0, []
    >>> for k in range(3):
    ...     acc = acc + pick(x, Axis("i", 3), k)
    ...     ys.append(acc * 2)
    >>> term, t = roll(ys, Namer())
    >>> str(term)
    'scan_i(S0[d] = 0 => S0[d] + x[i, d], Y[d] = 0 => (S0[d] + x[i, d]) * 2).Y'
"""

from __future__ import annotations

from ...errors import AnatomyError
from ...ir.ops import BinaryOp
from ...ir.term import Axis, Binary, Const, Dim, Index, Merge, Reduce, ReduceOp, Scan, State, Term, Where
from ...ir.traverse import postorder
from ._rename import rename
from ._value import Value, rename_value


class _NoRoll(Exception):
    """The items are not one loop body applied at every position."""


def as_select(u: Term, n: int) -> tuple[Term, str, int] | None:
    """``(x, a, k)`` when ``u`` is ``sum_a(where(a == k, x, 0))`` over an axis of size ``n``."""
    if not (isinstance(u, Reduce) and u.op is ReduceOp.SUM and isinstance(u.x, Where)):
        return None
    w = u.x
    c = w.cond
    if not (isinstance(w.b, Const) and w.b.value == 0.0 and isinstance(c, Binary) and c.op is BinaryOp.EQ):
        return None
    if not (isinstance(c.a, Index) and isinstance(c.b, Const) and c.a.axis.name == u.axis):
        return None
    if c.a.axis.size.constant != n or c.b.value != int(c.b.value):
        return None
    return w.a, u.axis, int(c.b.value)


class _Steps:
    """The positions each sub-term selects (memoised), and its step: the latest of them."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.memo: dict[Term, frozenset[int]] = {}

    def indices(self, term: Term) -> frozenset[int]:
        for node in postorder(term):
            if node not in self.memo:
                found = frozenset().union(*(self.memo[c] for c in node.children))
                sel = as_select(node, self.n)
                self.memo[node] = found | {sel[2]} if sel else found
        return self.memo[term]

    def step(self, term: Term) -> int:
        return max(self.indices(term), default=-1)


class _Body:
    """Step ``k``'s sub-terms with ``x[k]`` read along ``t`` and step ``k-1``'s as states."""

    def __init__(self, k: int, steps: _Steps, t: Axis, namer) -> None:
        self.k, self.steps, self.t, self.namer = k, steps, t, namer
        self.memo: dict[Term, Term] = {}
        self.states: list[Term] = []
        self.holders: dict[Term, State] = {}
        self.reads: dict[Term, tuple[Term, str]] = {}

    def __call__(self, u: Term) -> Term:
        if u not in self.memo:
            self.memo[u] = self._body(u)
        return self.memo[u]

    def _body(self, u: Term) -> Term:
        s = self.steps.step(u)
        if s < 0:
            return u
        if s == self.k - 1:
            return self._holder(u)
        if s < self.k - 1:
            raise _NoRoll
        sel = as_select(u, self.steps.n)
        if sel is not None and sel[2] == self.k:
            x, a, _ = sel
            if self.steps.step(x) >= 0:
                raise _NoRoll
            read = rename(x, {a: self.t.name}, self.namer)
            self.reads[read] = (x, a)
            return read
        return u.with_children(tuple(self(c) for c in u.children))

    def _holder(self, u: Term) -> State:
        if u not in self.holders:
            if self.t.name in u.axes:
                raise _NoRoll
            self.holders[u] = State(_state_name(f"S{len(self.states)}", self.namer), tuple(u.type.axes))
            self.states.append(u)
        return self.holders[u]


def _state_name(base: str, namer) -> str:
    name = base
    while name in namer.reserved:
        name += "_"
    return name


def _loop_axis(items: list[Term], n: int, namer) -> Axis:
    loop_axes = sorted({sel[1] for u in postorder(items[-1]) if (sel := as_select(u, n)) and sel[2] == n - 1})
    if len(loop_axes) == 1 and not any(loop_axes[0] in y.axes for y in items):
        return Axis(loop_axes[0], n)  # the axis the loop walks along: x[k] becomes x itself
    role = namer.role_of.get(loop_axes[0], "token") if loop_axes else "token"
    return Axis(namer.fresh(n, taken=set().union(*(y.env for y in items)), role=role), n)


def roll(items: list[Term], namer) -> tuple[Term, str] | None:
    """One term with a new axis for the loop that produced ``items``, or None."""
    n = len(items)
    steps = _Steps(n)
    if n < 3 or any(steps.step(y) != k for k, y in enumerate(items)):
        return None
    t = _loop_axis(items, n, namer)
    try:
        return _roll(dict(enumerate(items)), n, steps, t, namer), t.name
    except (_NoRoll, AnatomyError):
        return None


def roll_final(term: Term, namer) -> Term | None:
    """``term`` computed after a loop from the loop's last state, with the loop as a scan, or None.

    The loop length is the size ``n`` of an axis that ``term`` selects every position of; the
    result is the scan's value at its last position.
    """
    seen: dict[int, set[int]] = {}
    for u in postorder(term):
        for n in {a.size.constant for a in _index_axes(u)}:
            sel = as_select(u, n) if n else None
            if sel is not None:
                seen.setdefault(n, set()).add(sel[2])
    for n in sorted(k for k, found in seen.items() if k >= 3 and found == set(range(k))):
        steps = _Steps(n)
        if steps.step(term) != n - 1:
            continue
        t = _loop_axis([term], n, namer)
        try:
            seq = _roll({n - 1: term}, n, steps, t, namer)
        except (_NoRoll, AnatomyError):
            continue
        # the last position: size - 1, or max_t(t) where the size is a number the code wrote
        last = Dim(n) - 1.0 if t.name not in namer.written else Reduce(ReduceOp.MAX, Index(t), t.name)
        cond = Binary(BinaryOp.EQ, Index(t), last)
        return Reduce(ReduceOp.SUM, Where(cond, seq, Const(0.0)), t.name)
    return None


def _index_axes(u: Term) -> list[Axis]:
    if isinstance(u, Reduce) and isinstance(u.x, Where) and isinstance(u.x.cond, Binary) \
            and isinstance(u.x.cond.a, Index):
        return [u.x.cond.a.axis]
    return []


def _roll(items: dict[int, Term], n: int, steps: _Steps, t: Axis, namer) -> Term:
    """The scan (or map) whose output at step ``k`` is ``items[k]`` (at least the last one given)."""
    carried: dict[int, list[Term]] = {}
    bodies: dict[int, tuple[list[Term], _Body]] = {}
    for k in range(n - 1, 0, -1):
        body = _Body(k, steps, t, namer)
        roots = ([items[k]] if k in items else []) + carried.get(k, [])
        bodies[k] = ([body(r) for r in roots], body)
        carried[k - 1] = body.states
    _, body = bodies[1]
    y_step = bodies[n - 1][0][0]
    updates = bodies[1][0][1:] if 1 in items else bodies[1][0]
    if any(bodies[k][0][0] is not y_step for k in items if k >= 1):
        raise _NoRoll
    if any((bodies[k][0][1:] if k in items else bodies[k][0]) != updates for k in range(2, n - 1)):
        raise _NoRoll
    states = [body.holders[z] for z in carried[0]]
    if len(states) != len(updates):
        raise _NoRoll
    if not states:
        return y_step
    binding: dict[State, Term] = {}
    matcher = _Matcher(body, steps, binding)
    pairs = ([(y_step, items[0])] if 0 in items else []) + list(zip(updates, carried[0]))
    if not all(matcher(tpl, term) for tpl, term in pairs):
        raise _NoRoll
    inits = tuple(binding.get(s, Const(0.0)) for s in states)
    if y_step in updates:  # the loop returns a state itself
        return Scan(t.name, tuple(states), inits, tuple(updates), updates.index(y_step))
    y = State(_state_name("Y", namer), tuple(a for a in y_step.type.axes if a.name != t.name))
    return Scan(t.name, tuple(states) + (y,), inits + (Const(0.0),), tuple(updates) + (y_step,), len(states))


class _Matcher:
    """Does a body (read at step 0) give the given step-0 term? Binds the states' initial values."""

    def __init__(self, body: _Body, steps: _Steps, binding: dict[State, Term]) -> None:
        self.body, self.steps, self.binding = body, steps, binding
        self.states = set(body.holders.values())

    def __call__(self, tpl: Term, term: Term) -> bool:
        if tpl in self.states:
            if self.steps.step(term) >= 0 or self.binding.setdefault(tpl, term) is not term:
                return False
            return True
        if tpl in self.body.reads:
            x, a = self.body.reads[tpl]
            sel = as_select(term, self.steps.n)
            return sel is not None and sel[0] is x and sel[1] == a and sel[2] == 0
        if tpl is term:
            return True
        if isinstance(tpl, Binary) and isinstance(term, Binary) and tpl.op is term.op and tpl.op.commutative:
            # a first step may be written the other way round: `0 + x[0]` runs as `x[0] + 0`
            saved = dict(self.binding)
            if self(tpl.a, term.a) and self(tpl.b, term.b):
                return True
            self.binding.clear()
            self.binding.update(saved)
            return self(tpl.a, term.b) and self(tpl.b, term.a)
        if type(tpl) is not type(term) or len(tpl.children) != len(term.children):
            return False
        try:
            if tpl.with_children(term.children) is not term:
                return False
        except AnatomyError:
            return False
        return all(self(a, b) for a, b in zip(tpl.children, term.children))


def _aligned(cx, vals: list[Value]) -> list[Value] | None:
    """The items with the first one's axis names (None if their shapes differ)."""
    first = vals[0]
    out = [first]
    for v in vals[1:]:
        if v.shape != first.shape or [d is None for d in v.dims] != [d is None for d in first.dims]:
            return None
        mapping = {d: e for d, e in zip(v.dims, first.dims) if d is not None}
        out.append(rename_value(v, mapping, cx.namer))
    return out


def roll_stack(cx, vals: list[Value], p: int) -> Value | None:
    """``torch.stack`` of a loop's results as one term, or None."""
    items = _aligned(cx, vals)
    if items is None or any(v.const is not None for v in items):
        return None
    rolled = roll([v.term for v in items], cx.namer)
    if rolled is None:
        return None
    term, t = rolled
    first = items[0]
    return Value(term, first.dims[:p] + (t,) + first.dims[p:], first.shape[:p] + (len(vals),) + first.shape[p:])


def roll_concat(cx, vals: list[Value], p: int) -> Value | None:
    """``torch.cat`` of a loop's results (each a block of the axis) as one term, or None."""
    if all(v.shape[p] == 1 for v in vals):
        squeezed = [Value(v.term, v.dims[:p] + v.dims[p + 1:], v.shape[:p] + v.shape[p + 1:]) for v in vals]
        return roll_stack(cx, squeezed, p)
    items = _aligned(cx, vals)
    if items is None or items[0].dims[p] is None:
        return None
    rolled = roll([v.term for v in items], cx.namer)
    if rolled is None:
        return None
    term, t = rolled
    first = items[0]
    a = first.dims[p]
    width = first.shape[p] * len(vals)
    out = cx.namer.fresh(width, taken=set(term.env), role=cx.namer.role_of.get(a))
    shape = first.shape[:p] + (width,) + first.shape[p + 1:]
    return Value(Merge(term, (t, a), out), first.dims[:p] + (out,) + first.dims[p + 1:], shape)
