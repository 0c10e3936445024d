"""E-class analyses: the axes a class's value may depend on, and each axis's size.

``free(x)`` is the set of axis keys ``x`` may vary along. Members of one class compute the
same value, so the sets of equal terms agree up to axes the value is constant along; the
merge keeps the intersection (the tightest true bound), which is what rule side conditions
such as "``A`` does not depend on ``j``" need. Leaves whose free axes cannot be read off
their arguments (inputs, parameters, states, renames, scans) get theirs from
:func:`facts`, computed by the term language when a term is inserted; every other
constructor has a rule here. ``axsize(key, size)`` relates an axis key to its size of an axis key, for rules that use
a size as a value.
"""

from __future__ import annotations

import egglog
from egglog import Set, String, eq, function, ne, relation, rule, ruleset, set_, var, vars_

from ..ir.term import Input, Param, Rename, Scan, State, Term
from ..ir.traverse import postorder
from .encode import AL, TL, T, acons, anil, binary, concat, cons, const, dim, index, key, merge, nil, normalize, reduce, softmax, split, unary, where


@function(merge=lambda old, new: old & new)
def free(x: T) -> egglog.Set[String]: ...


@function(merge=lambda old, new: old & new)
def tlfree(x: TL) -> egglog.Set[String]: ...


@function
def alset(x: AL) -> egglog.Set[String]: ...


axsize = relation("axsize", String, String)
"""``axsize(key, size)``: the size of an axis key (a relation, matched as a fact)."""


_EMPTY = Set[String].empty()
_x, _a, _b, _c = vars_("x a b c", T)
_fx, _fa, _fb, _fc, _s = vars_("fx fa fb fc s", egglog.Set[String])
_op, _k, _out, _len = vars_("op k out len", String)
_l = var("l", AL)
_tl, _parts = vars_("tl parts", TL)
_v = var("v", egglog.f64)

ANALYSIS = ruleset(
    rule(eq(_x).to(const(_v))).then(set_(free(_x)).to(_EMPTY)),
    rule(eq(_x).to(dim(_k))).then(set_(free(_x)).to(_EMPTY)),
    rule(eq(_x).to(index(_k))).then(set_(free(_x)).to(Set(_k))),
    rule(eq(_x).to(unary(_op, _a)), eq(_fa).to(free(_a))).then(set_(free(_x)).to(_fa)),
    rule(eq(_x).to(softmax(_a, _k)), eq(_fa).to(free(_a))).then(set_(free(_x)).to(_fa)),
    rule(eq(_x).to(normalize(_a, _k)), eq(_fa).to(free(_a))).then(set_(free(_x)).to(_fa)),
    rule(eq(_x).to(binary(_op, _a, _b)), eq(_fa).to(free(_a)), eq(_fb).to(free(_b))).then(set_(free(_x)).to(_fa | _fb)),
    rule(eq(_x).to(where(_c, _a, _b)), eq(_fc).to(free(_c)), eq(_fa).to(free(_a)), eq(_fb).to(free(_b))).then(
        set_(free(_x)).to(_fc | _fa | _fb)),
    rule(eq(_x).to(reduce(_op, _a, _k)), eq(_fa).to(free(_a))).then(set_(free(_x)).to(_fa.remove(_k))),
    rule(eq(_x).to(split(_a, _k, _l)), eq(_fa).to(free(_a)), _fa.contains(_k), eq(_s).to(alset(_l))).then(
        set_(free(_x)).to(_fa.remove(_k) | _s)),
    rule(eq(_x).to(split(_a, _k, _l)), eq(_fa).to(free(_a)), _fa.not_contains(_k)).then(set_(free(_x)).to(_fa)),
    rule(eq(_x).to(merge(_a, _l, _out)), eq(_fa).to(free(_a)), eq(_s).to(alset(_l)), ne(_fa & _s).to(_EMPTY)).then(
        set_(free(_x)).to((_fa - _s).insert(_out))),
    rule(eq(_x).to(merge(_a, _l, _out)), eq(_fa).to(free(_a)), eq(_s).to(alset(_l)), eq(_fa & _s).to(_EMPTY)).then(
        set_(free(_x)).to(_fa)),
    rule(eq(_x).to(concat(_parts, _k, _out, _len)), eq(_s).to(tlfree(_parts))).then(
        set_(free(_x)).to(_s.remove(_k).insert(_out))),
    rule(eq(_tl).to(nil())).then(set_(tlfree(_tl)).to(_EMPTY)),
    rule(eq(_tl).to(cons(_a, _parts)), eq(_fa).to(free(_a)), eq(_s).to(tlfree(_parts))).then(
        set_(tlfree(_tl)).to(_fa | _s)),
    rule(eq(_l).to(anil())).then(set_(alset(_l)).to(_EMPTY)),
    rule(eq(_l).to(acons(_k, var("rest", AL))), eq(_s).to(alset(var("rest", AL)))).then(
        set_(alset(_l)).to(_s.insert(_k))),
)

_REGISTERED = (Input, Param, State, Rename, Scan)


def facts(term: Term, encoded: dict[Term, T]) -> list:
    """The analysis values the rules cannot derive: free axes of leaves, renames and scans,
    and the size of every axis key the term uses."""
    out = []
    sizes: dict[str, str] = {}
    for node in postorder(term):
        if isinstance(node, _REGISTERED):
            out.append(set_(free(encoded[node])).to(Set(*(String(key(a)) for a in node.type.axes)) if node.type.axes
                                                    else _EMPTY))
        for name, size in node.env.items():
            sizes[f"{name}:{size}"] = str(size)
    out.extend(axsize(String(k), String(v)) for k, v in sorted(sizes.items()))
    return out


def free_keys(egraph, expr: T) -> frozenset[str] | None:
    """The analysed free axis keys of ``expr`` in ``egraph`` (``None`` if not computed)."""
    value = egraph.lookup_function_value(free(expr))
    return None if value is None else frozenset(str(s.value) for s in value.value)

