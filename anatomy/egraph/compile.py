"""Rules (data, :mod:`anatomy.rules`) to egglog rewrites.

A rule side is a term over metavariables. It becomes an egglog pattern: a metavariable is a
pattern variable of sort ``T``; each rule axis a string variable bound to an axis key; a
scan state a pair of string variables (its name and shape); a size used as a value the
``axsize`` of its axis. The side conditions come from the rule's signature: a metavariable declared without a rule axis
may not depend on it, and axes declared with one size symbol match axes of one size.

Example:
    >>> from anatomy.rules import rule_named
    >>> [str(r) for r in compile_rule(rule_named("sum-pull-mul"))][0][:40]
    'rewrite(reduce("sum", binary("mul", A, B'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable

import egglog
from egglog import String, eq, ne, rewrite, var

from ..errors import InternalError
from ..ir.ops import BinaryOp
from ..ir.term import (Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Reduce, Rename, Scan,
                       Softmax, Split, State, Term, Unary, Where)
from ..ir.traverse import postorder
from ..rules.rule import CONTEXT, Rule
from .analysis import axsize, free
from .encode import T, alist, binary, concat, const, dim, index, merge, normalize, reduce, scan, softmax, split, state, tlist, unary, where


@dataclasses.dataclass
class _Vars:
    """The pattern variables of one rule, shared by both sides."""

    rule: Rule

    def metavar(self, name: str) -> T:
        return var(name, T)

    def axis(self, name: str):
        if name == CONTEXT:
            raise InternalError(f"rule {self.rule.name}: the context axis {CONTEXT!r} may only appear in "
                                "metavariable signatures")
        return var(f"ax_{name}", String)

    def size(self, symbol: str):
        return var(f"size_{symbol}", String)

    def state(self, name: str):
        return var(f"st_{name}", String), var(f"sh_{name}", String)


def pattern(term: Term, v: _Vars) -> T:
    """The egglog pattern of a rule side."""
    done: dict[Term, object] = {}
    for node in postorder(term):
        done[node] = _node(node, done, v)
    return done[term]  # type: ignore[return-value]


def _node(t: Term, e: dict, v: _Vars):
    rule = v.rule
    if isinstance(t, Input):
        if t.name not in rule.metavars:
            raise InternalError(f"rule {rule.name}: {t.name} is not a declared metavariable")
        return v.metavar(t.name)
    if isinstance(t, Binary) and t.op is BinaryOp.NE and isinstance(t.a, Input) and t.a.name in rule.masks:
        return v.metavar(t.a.name)
    if isinstance(t, State):
        name, shape = v.state(t.name)
        return state(name, shape)
    if isinstance(t, Const):
        return const(t.value)
    if isinstance(t, Dim):
        if not t.size.is_symbol:
            raise InternalError(f"rule {rule.name}: a size used as a value must be one symbol, not {t.size}")
        return dim(v.size(str(t.size)))
    if isinstance(t, Index):
        return index(v.axis(t.axis.name))
    if isinstance(t, Unary):
        return unary(t.op.value, e[t.x])
    if isinstance(t, Binary):
        return binary(t.op.value, e[t.a], e[t.b])
    if isinstance(t, Where):
        return where(e[t.cond], e[t.a], e[t.b])
    if isinstance(t, Reduce):
        return reduce(t.op.value, e[t.x], v.axis(t.axis))
    if isinstance(t, Softmax):
        return softmax(e[t.x], v.axis(t.axis))
    if isinstance(t, Normalize):
        return normalize(e[t.x], v.axis(t.axis))
    if isinstance(t, Split):
        return split(e[t.x], v.axis(t.axis), alist(v.axis(a.name) for a in t.into))
    if isinstance(t, Merge):
        return merge(e[t.x], alist(v.axis(a) for a in t.merged), v.axis(t.out))
    if isinstance(t, Concat):
        return concat(tlist(e[p] for p in t.parts), v.axis(t.axis), v.axis(t.out), var("lengths", String))
    if isinstance(t, Scan):
        return scan(v.axis(t.axis), tlist(e[s] for s in t.states), tlist(e[i] for i in t.inits),
                    tlist(e[s] for s in t.steps), t.out)
    if isinstance(t, Rename):
        raise InternalError(f"rule {rule.name}: renames are not supported in e-graph patterns")
    raise InternalError(f"rule {rule.name}: unexpected node {type(t).__name__}")


def _axes_of(term: Term) -> set[str]:
    out: set[str] = set()
    for node in postorder(term):
        if isinstance(node, Index):
            out.add(node.axis.name)
        elif isinstance(node, (Reduce, Softmax, Normalize)):
            out.add(node.axis)
        elif isinstance(node, Split):
            out |= {node.axis, *(a.name for a in node.into)}
        elif isinstance(node, Merge):
            out |= {*node.merged, node.out}
        elif isinstance(node, (Concat,)):
            out |= {node.axis, node.out}
        elif isinstance(node, Scan):
            out.add(node.axis)
    return out - {CONTEXT}


def _metavars_of(term: Term) -> set[str]:
    return {n.name for n in postorder(term) if isinstance(n, Input)}


def _states_of(term: Term) -> set[str]:
    return {n.name for n in postorder(term) if isinstance(n, State)}


def _sizes_of(term: Term) -> set[str]:
    return {str(n.size) for n in postorder(term) if isinstance(n, Dim)}


def conditions(rule: Rule, lhs: Term, rhs: Term, v: _Vars) -> list:
    """The side conditions of rewriting ``lhs`` to ``rhs`` under the rule's signature."""
    axes = sorted(_axes_of(lhs))
    # Rule axes are kept apart by structure (a split's or merge's axes are distinct keys),
    # except that a sum over a concatenation could reuse the concatenation's inner axis
    # (excluded: the sum's axis must be free in its argument) or its output axis (excluded by
    # `!=`; egglog 13.2 once planned `!=` differently from process to process, which came from
    # egglog-python's shared-expression lets, now off: see ._egglog).
    out: list = []
    for node in postorder(lhs):
        if isinstance(node, Concat):
            # The recorded part lengths must be what the rule's parts say: a part declared with
            # the concatenated axis has its size, one without it a single slot (concat-sum
            # once matched a part whose class had lost the axis but whose length was 1).
            lengths = [v.size(str(rule.axis_sizes[node.axis])) if node.axis in p.axes else String("1")
                       for p in node.parts]
            joined = lengths[0]
            for length in lengths[1:]:
                joined = joined + String(",") + length
            out.append(eq(var("lengths", String)).to(joined))
            if any(node.axis in p.axes for p in node.parts):
                out.append(axsize(v.axis(node.axis), v.size(str(rule.axis_sizes[node.axis]))))
        if isinstance(node, Split) and isinstance(node.x, Reduce):
            # the split's new axes may reuse the name the sum binds (split_{j->x, c}(sum_x …)):
            # then the sum cannot move outside (split-sum-other)
            out += [ne(v.axis(a.name)).to(v.axis(node.x.axis)) for a in node.into]
        if isinstance(node, Reduce) and isinstance(node.x, Concat):
            fv = var(f"free_sum_{node.axis}", egglog.Set[String])
            out += [eq(fv).to(free(pattern(node.x, v))), fv.contains(v.axis(node.axis))]
            if node.axis != node.x.out:  # nor the concatenation's own output axis (concat-sum-other)
                out.append(ne(v.axis(node.axis)).to(v.axis(node.x.out)))
    for name in sorted(_metavars_of(lhs)):
        lacks = [a for a in rule.lacks(name) if a in axes]
        if lacks:
            fv = var(f"free_{name}", egglog.Set[String])
            out.append(eq(fv).to(free(v.metavar(name))))
            out.extend(fv.not_contains(v.axis(a)) for a in lacks)
    symbols = {str(rule.axis_sizes[a]) for a in axes}
    used = _sizes_of(lhs) | _sizes_of(rhs)
    shared = {s for s in symbols if sum(str(rule.axis_sizes[a]) == s for a in axes) > 1}
    for a in axes:
        symbol = str(rule.axis_sizes[a])
        if symbol in used or symbol in shared:
            out.append(axsize(v.axis(a), v.size(symbol)))
    # a size read by a Dim of the left side is bound by the match itself (sqrt(size(j)) / …)
    missing = sorted(_sizes_of(rhs) - _sizes_of(lhs) - {str(rule.axis_sizes[a]) for a in axes})
    if missing:
        raise InternalError(f"rule {rule.name}: size {missing[0]} is neither read by the left side nor the size "
                            "of an axis it binds")
    return out


def _directed(rule: Rule, lhs: Term, rhs: Term) -> list:
    for what, have, need in (("metavariable", _metavars_of(lhs), _metavars_of(rhs)),
                             ("axis", _axes_of(lhs), _axes_of(rhs)),
                             ("scan state", _states_of(lhs), _states_of(rhs))):
        if not need <= have:
            raise InternalError(f"rule {rule.name}: the right side uses {what} {sorted(need - have)[0]} "
                                "that the left side does not bind; declare it with engine='prepare'")
    v = _Vars(rule)
    return [rewrite(pattern(lhs, v)).to(pattern(rhs, v), *conditions(rule, lhs, rhs, v))]


@functools.lru_cache(maxsize=None)
def compile_rule(rule: Rule) -> list:
    """The egglog rewrites of one rule (two for a ``<->`` rule)."""
    if rule.engine != "egraph":
        raise InternalError(f"rule {rule.name} is applied by the {rule.engine!r} engine, not the e-graph")
    lhs, rhs = rule.sides
    out = _directed(rule, lhs, rhs)
    if rule.direction == "<->":
        out += _directed(rule, rhs, lhs)
    return out


def compile_rules(rules: Iterable[Rule]) -> list:
    return [rw for r in rules for rw in compile_rule(r)]
