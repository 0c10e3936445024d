"""Before insertion: renames pushed to the leaves, and the ``prepare`` rules applied.

egglog patterns cannot invent a fresh bound axis or push a renaming through binders, so
two kinds of step happen here, on terms, before a term enters the e-graph:

* **Renames to the leaves.** ``rename_{j->i}(elu(K[j, d]) + 1)`` becomes
  ``elu(rename_{j->i}(K[j, d])) + 1``, and renames of renames compose (``i->j`` after
  ``j->i`` vanishes). A renaming is a substitution of axis names, so this is exact.
* **Rules with engine ``prepare``** (see :mod:`anatomy.rules.exact`), applied left to right
  wherever they match, such as the running sum that becomes a causally masked sum.

The result computes the same function; :func:`prepare` returns it with the names of the
rules it applied, which become part of the evidence for any relation found.

Example:
    >>> from anatomy.examples import load_example
    >>> term, used = prepare(load_example("causal-linear-scan").term)
    >>> used
    ('scan-prefix-sum',)
    >>> from anatomy.ir.term import Scan
    >>> any(isinstance(n, Scan) for n in postorder(term))
    False
"""

from __future__ import annotations

from collections.abc import Iterable

from ..ir.ops import BinaryOp
from ..ir.size import Affine, affine, affine_add, nonnegative
from ..ir.term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce, ReduceOp,
                       Rename, Scan, Softmax, Split, State, Term, Unary, Where)
from ..ir.traverse import fresh_name, postorder, rewrite_bottom_up

Subst = dict[str, str]


def push_renames(term: Term) -> Term:
    """``term`` with every rename moved onto the leaves it reaches (and composed there)."""
    memo: dict[tuple[Term, tuple], Term] = {}
    return _push(term, {}, memo)


def _push(t: Term, s: Subst, memo: dict) -> Term:
    k = (t, tuple(sorted(s.items())))
    if k not in memo:
        memo[k] = _push1(t, s, memo)
    return memo[k]


def _leaf(t: Term, s: Subst) -> Term:
    pairs = tuple((a, s[a]) for a in t.axes if a in s and s[a] != a)
    return Rename(t, pairs) if pairs else t


def _bind(t: Term, s: Subst, bound: list[str]) -> tuple[Subst, dict[str, str]]:
    """The substitution inside a binder of ``bound``, and renamings of bound axes that would
    otherwise capture a substituted name."""
    inner = {a: b for a, b in s.items() if a not in bound}
    targets = set(inner.values())
    alpha: dict[str, str] = {}
    for b in bound:
        if b in targets:
            alpha[b] = fresh_name(b, set(t.env) | targets | set(inner))
    inner.update(alpha)
    return inner, alpha


def _push1(t: Term, s: Subst, memo: dict) -> Term:
    r = lambda x, sub=s: _push(x, sub, memo)  # noqa: E731
    if isinstance(t, Rename):
        m = dict(t.mapping)
        composed = {a: s.get(m.get(a, a), m.get(a, a)) for a in t.x.axes}
        return r(t.x, {a: b for a, b in composed.items() if a != b})
    if isinstance(t, (Input, Param)):
        return _leaf(t, s)
    if isinstance(t, State):
        return State(t.name, tuple(Axis(s.get(a.name, a.name), a.size) for a in t.shape)) if any(
            a.name in s for a in t.shape) else t
    if isinstance(t, Index):
        return Index(Axis(s.get(t.axis.name, t.axis.name), t.axis.size))
    if isinstance(t, (Const, Dim)):
        return t
    if isinstance(t, Unary):
        return Unary(t.op, r(t.x))
    if isinstance(t, Binary):
        return Binary(t.op, r(t.a), r(t.b))
    if isinstance(t, Where):
        return Where(r(t.cond), r(t.a), r(t.b))
    if isinstance(t, Reduce):
        inner, alpha = _bind(t, s, [t.axis])
        return Reduce(t.op, r(t.x, inner), alpha.get(t.axis, t.axis))
    if isinstance(t, (Softmax, Normalize)):
        return type(t)(r(t.x), s.get(t.axis, t.axis))
    if isinstance(t, Split):
        inner, alpha = _bind(t, s, [t.axis])
        into = tuple(Axis(s.get(a.name, a.name), a.size) for a in t.into)
        return Split(r(t.x, inner), alpha.get(t.axis, t.axis), into)
    if isinstance(t, Merge):
        inner, alpha = _bind(t, s, list(t.merged))
        return Merge(r(t.x, inner), tuple(alpha.get(a, a) for a in t.merged), s.get(t.out, t.out))
    if isinstance(t, Concat):
        inner, alpha = _bind(t, s, [t.axis])
        return Concat(tuple(r(p, inner) for p in t.parts), alpha.get(t.axis, t.axis), s.get(t.out, t.out))
    if isinstance(t, Scan):
        return Scan(s.get(t.axis, t.axis), tuple(r(x) for x in t.states), tuple(r(x) for x in t.inits),
                    tuple(r(x) for x in t.steps), t.out)
    raise AssertionError(f"unhandled node kind {type(t).__name__}")


# -- prepare rules ---------------------------------------------------------------


def _renamed_from(x: Term, axis: str) -> str | None:
    """The one axis that ``x``'s leaves renamed onto ``axis`` (``K[j, d]`` read as ``K[i, d]``)."""
    found = {old for n in postorder(x) if isinstance(n, Rename) for old, new in n.mapping if new == axis}
    return found.pop() if len(found) == 1 else None


def scan_prefix_sum(t: Term) -> Term | None:
    """``scan_t(S = 0 => S + X).S`` as ``sum_u(where(u <= t, X[t->u], 0))``, or ``None``."""
    if not (isinstance(t, Scan) and len(t.states) == 1 and t.inits[0] == Const(0.0)):
        return None
    st, step = t.states[0], t.steps[0]
    if not (isinstance(step, Binary) and step.op is BinaryOp.ADD):
        return None
    x = step.b if step.a is st else step.a if step.b is st else None
    if x is None or st.name in x.free_states or t.axis not in x.axes:
        return None
    if not {a.name for a in st.shape} <= set(x.axes):  # the sum would lose the state's other axes
        return None
    size = x.type.sizes[t.axis]
    taken = set(x.axes) | {a.name for a in st.shape} | {t.axis}
    u = _renamed_from(x, t.axis)
    if u is None or u in taken:
        u = "u" if "u" not in taken else fresh_name("u", taken)
    moved = push_renames(Rename(x, ((t.axis, u),)))
    mask = Index(Axis(u, size)).le(Index(Axis(t.axis, size)))
    return Reduce(ReduceOp.SUM, Where(mask, moved, Const(0.0)), u)


def scan_output_split(t: Term) -> Term | None:
    """A scan's component read apart from the others, or ``None``.

    Two exact steps: the states that component does not depend on (through the steps,
    transitively) are dropped; and a component that never reads its own previous value,
    reading the others only through their new values (their step terms), is that step at
    each position, with each other step read as the sequence of that state
    (``scan(S => f(S), Y => g(f(S))).Y`` is ``g(scan(S => f(S)).S)``).
    """
    if not isinstance(t, Scan):
        return None
    names = [st.name for st in t.states]
    needs = {t.out}
    while True:
        more = {names.index(n) for k in needs for n in t.steps[k].free_states if n in names} - needs
        if not more:
            break
        needs |= more
    if len(needs) < len(names) and any(t.axis in t.steps[k].axes for k in needs):  # the length stays known
        keep = sorted(needs)
        return Scan(t.axis, tuple(t.states[k] for k in keep), tuple(t.inits[k] for k in keep),
                    tuple(t.steps[k] for k in keep), keep.index(t.out))
    step = t.steps[t.out]
    if len(names) < 2 or names[t.out] in step.free_states:
        return None
    others = {t.steps[k]: Scan(t.axis, t.states, t.inits, t.steps, k) for k in range(len(names)) if k != t.out}
    out = rewrite_bottom_up(step, lambda n: others.get(n, n))
    return None if set(out.free_states) & set(names) or set(out.axes) != set(t.axes) else out


def _selection(t: Term) -> tuple[Term, Axis, int] | None:
    """``sum_h(where(h == c, X, 0))`` with ``c`` a valid index of ``h``: ``(X, h, c)``."""
    if not (isinstance(t, Reduce) and t.op is ReduceOp.SUM and isinstance(t.x, Where) and t.x.b == Const(0.0)):
        return None
    cond = t.x.cond
    if not (isinstance(cond, Binary) and cond.op is BinaryOp.EQ and isinstance(cond.a, Index)
            and cond.a.axis.name == t.axis and isinstance(cond.b, Const)):
        return None
    c, size = cond.b.value, cond.a.axis.size.constant
    if c != int(c) or c < 0 or (c >= 1 and (size is None or c >= size)):
        return None
    return t.x.a, cond.a.axis, int(c)


def _select(x: Term, h: Axis, c: int) -> Term:
    return Reduce(ReduceOp.SUM, Where(Index(h).eq(Const(float(c))), x, Const(0.0)), h.name)


def select_natural(t: Term) -> Term | None:
    """An elementwise map or a reduction over another axis of head selections at one index
    ``c``: ``f(X[h = c], Y) = f(X, Y)[h = c]`` (``Y`` without ``h``), or ``None``."""
    if not isinstance(t, (Unary, Binary, Where, Reduce, Softmax, Normalize)) or not t.children:
        return None
    found = [_selection(k) for k in t.children]
    picks = {(h, c) for sel in found if sel is not None for _, h, c in [sel]}
    if len(picks) != 1:
        return None
    h, c = picks.pop()
    if isinstance(t, (Reduce, Softmax, Normalize)) and t.axis == h.name:
        return None
    kids = []
    for kid, sel in zip(t.children, found):
        if sel is None:
            if h.name in kid.axes:
                return None
            kids.append(kid)
        else:
            kids.append(sel[0])
    return _select(t.with_children(tuple(kids)), h, c)


def concat_heads(t: Term) -> Term | None:
    """``concat_{e->o}(X[h = 0], …, X[h = H-1])`` as ``merge_{h,e->o}(X)``, or ``None``."""
    if not isinstance(t, Concat):
        return None
    sels = [_selection(p) for p in t.parts]
    if any(s is None for s in sels):
        return None
    xs = {s[0] for s in sels}  # type: ignore[index]
    h = sels[0][1]  # type: ignore[index]
    if len(xs) != 1 or h.size.constant != len(sels) or [s[2] for s in sels] != list(range(len(sels))):  # type: ignore[index]
        return None
    x = xs.pop()
    if t.axis not in x.axes or any(s[1] != h for s in sels):  # type: ignore[index]
        return None
    return Merge(x, (h.name, t.axis), t.out)


# -- one-hot selection: sum_r(where(r == E, X, 0)) reads X at position E ---------------

def _bounds(e: Term) -> tuple[Affine, Affine] | None:
    """Affine lower and upper bounds of an integer position expression, or ``None``."""
    if isinstance(e, Const):
        return ({"": int(e.value)},) * 2 if e.value == int(e.value) else None
    if isinstance(e, Index):
        top = affine(e.axis.size)
        return ({"": 0}, affine_add(top, {"": -1})) if top is not None else None
    if isinstance(e, Dim):
        v = affine(e.size)
        return (v, v) if v is not None else None
    if isinstance(e, Binary) and e.op in (BinaryOp.ADD, BinaryOp.SUB):
        a, b = _bounds(e.a), _bounds(e.b)
        if a is None or b is None:
            return None
        if e.op is BinaryOp.ADD:
            return affine_add(a[0], b[0]), affine_add(a[1], b[1])
        return affine_add(a[0], b[1], -1), affine_add(a[1], b[0], -1)
    return None


def _fold(node: Term) -> Term:
    """``where(c1 == c2, a, b)`` with constant positions decided."""
    if isinstance(node, Where) and isinstance(node.cond, Binary) and node.cond.op is BinaryOp.EQ \
            and isinstance(node.cond.a, Const) and isinstance(node.cond.b, Const):
        return node.a if node.cond.a.value == node.cond.b.value else node.b
    return node


def _one_hot_body(t: Term) -> tuple[Term, Term] | None:
    """``where(c, X, 0)``, or ``where(c, Y, 0) * Z`` in either order as ``(c, Y·Z)``
    (``Y·Z`` is just ``Z`` when ``Y`` is 1), or either inside a sum over an axis that ``c``
    does not read, ``sum_k(where(c, X, 0)) = where(c, sum_k(X), 0)``: a one-hot selection."""
    if isinstance(t, Where) and t.b == Const(0.0):
        return t.cond, t.a
    if isinstance(t, Binary) and t.op is BinaryOp.MUL:
        for hot, x in ((t.a, t.b), (t.b, t.a)):
            if isinstance(hot, Where) and hot.b == Const(0.0):
                return hot.cond, (x if hot.a == Const(1.0) else Binary(BinaryOp.MUL, hot.a, x))
    if isinstance(t, Reduce) and t.op is ReduceOp.SUM:  # a selection inside a sum over another axis
        found = _one_hot_body(t.x)
        if found is not None and t.axis not in found[0].axes:
            return found[0], Reduce(ReduceOp.SUM, found[1], t.axis)
    return None


def select_index(t: Term, assume: tuple[tuple[Affine, Affine], ...] = ()) -> Term | None:
    """``sum_r(where(r == E, X, 0))`` (or ``X`` times a 0/1 ``where``) with ``E`` a valid
    position of ``r``, as ``X`` read at ``E``: ``X`` with ``E`` for the position of ``r``
    when it reads ``r`` only through its position, or ``X`` renamed from ``r`` to ``u`` when
    ``E`` is the position along an axis ``u`` of the same size. Otherwise ``None``."""
    if not (isinstance(t, Reduce) and t.op is ReduceOp.SUM) or (found := _one_hot_body(t.x)) is None:
        return None
    (cond, x), r = found, t.axis
    if not (isinstance(cond, Binary) and cond.op is BinaryOp.EQ):
        return None
    pos, e = (cond.a, cond.b) if isinstance(cond.a, Index) and cond.a.axis.name == r else (cond.b, cond.a)
    if not (isinstance(pos, Index) and pos.axis.name == r) or r in e.axes or any(r in n.bound for n in postorder(x)):
        return None
    if isinstance(e, Index) and e.axis.size == pos.axis.size and e.axis.name not in x.axes:
        return push_renames(Rename(x, ((r, e.axis.name),))) if r in x.axes else x
    bounds, top = _bounds(e), affine(pos.axis.size)
    if bounds is None or top is None:
        return None
    lo, hi = bounds
    if not (nonnegative(lo, assume) and nonnegative(affine_add(affine_add(top, {"": -1}), hi, -1), assume)):
        return None
    out = rewrite_bottom_up(x, lambda n: e if n is pos else _fold(n))
    return None if r in out.axes else out


PREPARE_RULES = {"scan-output-split": scan_output_split, "scan-prefix-sum": scan_prefix_sum, "select-natural": select_natural, "concat-heads": concat_heads,
                 "select-index": select_index, "alpha-rename": None}
"""The engine of each ``prepare`` rule, by rule name; ``alpha-rename`` needs a second term, and
:meth:`~anatomy.egraph.engine.Engine.add` applies it (:mod:`anatomy.egraph.alpha`)."""


def prepare(term: Term, rules: Iterable[str] | None = None, assume: Iterable = ()) -> tuple[Term, tuple[str, ...]]:
    """``term`` ready for insertion, and the names of the prepare rules applied (sorted).

    ``rules`` chooses the prepare rules by name (default: all of them). ``assume`` holds size
    conditions (:class:`~anatomy.ir.size.SizeCondition`) a claim is made under; the
    one-hot selection may use them to show a position is in range.
    """
    used: set[str] = set()
    chosen = [(n, fn) for n, fn in PREPARE_RULES.items() if (rules is None or n in set(rules)) and fn is not None]
    assumed = tuple((a, b) for c in assume if (a := affine(c.small)) is not None
                    and (b := affine(c.large)) is not None)

    done: dict[Term, Term] = {}

    def step(node: Term) -> Term:  # to a fixpoint: what a rule builds is prepared in turn
        if node not in done:
            done[node] = node
            for name, fn in chosen:
                out = fn(node, assumed) if fn is select_index else fn(node)
                if out is not None:
                    used.add(name)
                    done[node] = rewrite_bottom_up(push_renames(out), step)
                    break
        return done[node]

    out = rewrite_bottom_up(push_renames(term), step)
    return push_renames(out), tuple(sorted(used))


