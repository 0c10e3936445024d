"""Saturation under budgets, classes of many terms, classification, extraction of members.

An :class:`Engine` owns one e-graph. Terms are prepared (:mod:`.prepare`), inserted and
given a class id (``cid``, merged by ``min``, so after any run the terms of one class read
the same id). :meth:`Engine.run` alternates the analysis, the *canonical* rules (directed
rules whose right side is smaller, run to a fixed point) and one round of the *expansive*
rules (identities, commutation, association) under a back-off scheduler, until the graph
stops changing or a budget on iterations, e-nodes or seconds runs out; the stop reason is
always reported. Inserting a term into an engine that has already run and running again
classifies it against everything inserted before, without starting over. :meth:`Engine.extract`
gives a class's cheapest member at given sizes; :meth:`Engine.members` a deterministic
sample of several different members (what the property tests compare numerically).

Example:
    >>> from anatomy.examples import load_example
    >>> eng = Engine()
    >>> a = eng.add(load_example("linear-elu-quadratic").term)
    >>> b = eng.add(load_example("linear-elu-linear").term)
    >>> eng.run().stop in STOP_REASONS
    True
    >>> eng.same(a, b)
    True
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence

from egglog import EGraph, back_off, eq, function, i64, ruleset, set_
from egglog import run as run_
from egglog.deconstruct import get_callable_args, get_callable_fn

from ..errors import InternalError
from ..ir.term import Term
from ..ir.traverse import inputs, params, size_symbols
from ..rules import EXACT_RULES as RULES, Rule
from . import encode as E
from .analysis import ANALYSIS, facts, free
from .compile import compile_rule
from .cost import ZERO, Cost, cost_sizes, elements, node_cost, term_cost
from .alpha import align_binders
from .prepare import prepare

STOP_REASONS = ("saturated", "iteration limit", "node limit", "time limit", "joined")


@dataclasses.dataclass(frozen=True)
class Budget:
    """Limits on one :meth:`Engine.run`: iterations, e-nodes and seconds; back-off settings."""

    iterations: int = 8
    nodes: int = 150_000
    seconds: float = 30.0
    match_limit: int = 2_000
    ban_length: int = 2


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a run did: why it stopped, iterations, e-nodes at the end, wall seconds."""

    stop: str
    iterations: int
    nodes: int
    seconds: float

    @property
    def saturated(self) -> bool:
        return self.stop == "saturated"

    def __str__(self) -> str:
        return f"{self.stop} after {self.iterations} iterations, {self.nodes} e-nodes, {self.seconds:.2f} s"


@function(merge=lambda old, new: old.min(new))
def cid(x: E.T) -> i64: ...


_LARGE = 24  # pattern nodes beyond which a canonical rule runs in a ruleset of its own


def _size(term: Term) -> int:
    return sum(1 for _ in _walk(term))


def _walk(term: Term):
    yield term
    for c in term.children:
        yield from _walk(c)


def is_canonical(rule: Rule) -> bool:
    """A directed rule whose right side is smaller: it simplifies and cannot grow the graph
    without bound, so it runs to a fixed point each iteration."""
    lhs, rhs = rule.sides
    return rule.direction == "->" and _size(rhs) < _size(lhs)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One inserted term: its handle, the term as given and as prepared, prepare rules used."""

    handle: int
    term: Term
    prepared: Term
    prepared_by: tuple[str, ...]


class Engine:
    """An e-graph with the exact rules, the terms inserted so far, and their classes."""

    def __init__(self, rules: Sequence[Rule] | None = None) -> None:
        pool = RULES if rules is None else rules
        chosen = [r for r in pool if r.engine == "egraph"]
        self.rules = tuple(chosen)
        self.prepare_rules = tuple(r.name for r in pool if r.engine == "prepare")
        compiled = {r.name: compile_rule(r) for r in chosen}
        self._rule_of = {rw.decl: name for name, rws in compiled.items() for rw in rws}
        # a large pattern gets a ruleset of its own: egglog 13.2 sometimes misses its matches
        # when it shares a ruleset with other rules (seen with online-softmax)
        canon = [r for r in chosen if is_canonical(r)]
        large = [r for r in canon if _size(r.sides[0]) > _LARGE]
        self.canonical = [ruleset(*[rw for r in canon if r not in large for rw in compiled[r.name]])]
        self.canonical += [ruleset(*compiled[r.name]) for r in large]
        self.expansive = ruleset(*[rw for r in chosen if not is_canonical(r) for rw in compiled[r.name]])
        self.matches: dict[str, int] = {}
        self.egraph = EGraph()
        self.entries: list[Entry] = []
        self._refs: list[E.T] = []
        self.runs: list[RunResult] = []

    # -- insertion -----------------------------------------------------------------

    def add(self, term: Term, *, assume: Iterable = (), like: int | None = None) -> int:
        """Insert ``term``; returns its handle (0, 1, 2, … in insertion order). ``assume``:
        size conditions the preparation may rely on (see :func:`~anatomy.egraph.prepare.prepare`);
        ``like``: the handle of a term whose bound-axis names this one takes where they range
        over the same thing (:func:`~anatomy.egraph.alpha.align_binders`, rule ``alpha-rename``)."""
        prepared, used = prepare(term, self.prepare_rules, assume)
        if like is not None and "alpha-rename" in self.prepare_rules:
            prepared, renamed = align_binders(self.entries[like].prepared, prepared)
            used = tuple(sorted({*used, "alpha-rename"})) if renamed else used
        handle = len(self.entries)
        encoded = E.encode_all(prepared)
        ref = self.egraph.let(f"t{handle}", encoded[prepared])
        self.egraph.register(*facts(prepared, encoded), set_(cid(ref)).to(i64(handle)))
        self.entries.append(Entry(handle, term, prepared, used))
        self._refs.append(ref)
        return handle

    def add_all(self, terms: Iterable[Term]) -> list[int]:
        return [self.add(t) for t in terms]

    # -- saturation ----------------------------------------------------------------

    def nodes(self) -> int:
        """The number of e-nodes (rows of the term constructors)."""
        return sum(self.egraph.function_size(c) for c in E.CONSTRUCTORS)

    def run(self, budget: Budget = Budget(), *, until: tuple[int, int] | None = None) -> RunResult:
        """Saturate within ``budget``; with ``until=(a, b)``, also stop once a and b are joined."""
        start = time.perf_counter()
        bo = back_off(match_limit=budget.match_limit, ban_length=budget.ban_length)
        expansive = bo.scope(run_(self.expansive, scheduler=bo))
        stop, iterations = "iteration limit", 0
        while iterations < budget.iterations:
            if until is not None and self.same(*until):
                stop = "joined"
                break
            if time.perf_counter() - start > budget.seconds:
                stop = "time limit"
                break
            if self.nodes() > budget.nodes:
                stop = "node limit"
                break
            iterations += 1
            changed = False
            canonical = ANALYSIS.saturate()
            for rs in self.canonical:
                canonical = canonical + rs
            for schedule in (canonical.saturate(), ANALYSIS.saturate() + expansive):
                report = self.egraph.run(schedule)
                changed |= report.updated
                for decl, n in report.num_matches_per_rule.items():
                    name = self._rule_of.get(decl)
                    if name is not None and n:
                        self.matches[name] = self.matches.get(name, 0) + n
            self.egraph.run(ANALYSIS.saturate())
            if not changed:
                stop = "saturated"
                break
        else:
            if until is not None and self.same(*until):
                stop = "joined"
        result = RunResult(stop, iterations, self.nodes(), time.perf_counter() - start)
        self.runs.append(result)
        return result

    # -- classes -------------------------------------------------------------------

    def class_id(self, handle: int) -> int:
        """The smallest handle of the terms in ``handle``'s class."""
        value = self.egraph.lookup_function_value(cid(self._refs[handle]))
        if value is None:
            raise InternalError(f"term {handle} has no class id")
        return int(value.value)

    def same(self, a: int, b: int) -> bool:
        """Whether terms ``a`` and ``b`` are in one e-class."""
        return self.egraph.check_bool(eq(self._refs[a]).to(self._refs[b]))

    def classes(self) -> list[list[int]]:
        """The partition of all inserted terms, each class sorted, classes by first member."""
        groups: dict[int, list[int]] = {}
        for e in self.entries:
            groups.setdefault(self.class_id(e.handle), []).append(e.handle)
        return sorted(groups.values())

    # -- extraction ----------------------------------------------------------------

    def _extract(self, what: str, how, *args, **kwargs):
        """``how(*args, **kwargs)``, an egglog extraction, with its panics as errors."""
        try:
            return how(*args, **kwargs)
        except BaseException as err:  # egglog 13.2 panics (a BaseException) instead of raising
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            raise InternalError(f"egglog could not extract {what}: {type(err).__name__}: {err}") from None

    def extract(self, handle: int, sizes: Mapping[str, int]) -> tuple[Term, Cost]:
        """The cheapest member of ``handle``'s class at ``sizes`` and its cost."""
        expr = self._extract(f"term {handle}", self.egraph.extract, self._refs[handle], cost_model=_CostModel(sizes))
        term = E.decode(expr)
        return term, term_cost(term, sizes)

    def member_sizes(self) -> list[dict[str, int]]:
        """The size assignments :meth:`members` extracts at by default: every size symbol of
        the inserted terms at the :func:`~.cost.cost_sizes` defaults (4096 for token-like
        symbols, 64 for the others), then with the two swapped."""
        symbols = sorted({s for e in self.entries for s in size_symbols(e.prepared)})
        usual = cost_sizes(symbols)
        swapped = {s: 64 if n == 4096 else 4096 for s, n in usual.items()}
        return [usual, swapped] if swapped != usual else [usual]

    def members(self, handle: int, *, limit: int = 4,
                sizes: Sequence[Mapping[str, int]] | None = None) -> list[Term]:
        """Up to ``limit`` different members of ``handle``'s e-class, as well-typed terms.

        Candidates are extracted in a fixed order and decoded with :func:`~.encode.decode`;
        repeats (equal terms) are dropped and the first ``limit`` kept:

        1. the smallest member (egglog's default extraction, AST size);
        2. the cheapest member under the FLOP cost model (as :meth:`extract`) at each size
           assignment of ``sizes`` (default :meth:`member_sizes`: token-like sizes large,
           then small), since different sizes favour different contraction orders;
        3. egglog's ``extract_multiple``: for each e-node of the class, the smallest term
           rooted at it, smallest first (``2 * limit`` of them at most).

        The same graph gives the same members in the same order. The list is a sample, not
        an enumeration: a class may hold many more terms (exponentially many in general).
        A member may mention fewer or more axes than ``handle``'s term where its value is
        constant along them (see :mod:`.encode`); it denotes the same values.
        """
        return self.class_members([handle], limit=limit, sizes=sizes)[self.class_id(handle)]

    def class_members(self, handles: Iterable[int] | None = None, *, limit: int = 4,
                      sizes: Sequence[Mapping[str, int]] | None = None) -> dict[int, list[Term]]:
        """:meth:`members` of the classes of ``handles`` (default: every inserted term), keyed
        by class id. Each cost model runs once for all of them: the classes are extracted
        together as one list, inserted in a scope (``push``/``pop``) that drops it afterwards."""
        ids = sorted({self.class_id(h) for h in (range(len(self.entries)) if handles is None else handles)})
        if not ids or limit < 1:
            return {i: [] for i in ids}
        found: dict[int, list] = {i: [] for i in ids}
        roots = E.tlist(self._refs[i] for i in ids)
        models = [None] + [_CostModel(s) for s in (self.member_sizes() if sizes is None else sizes)]
        with self.egraph:  # the list of roots is popped with the scope
            for model in models:
                listed = self._extract(f"the classes of terms {ids}", self.egraph.extract, roots,
                                       **({} if model is None else {"cost_model": model}))
                for i, expr in zip(ids, E._unlist(listed), strict=True):
                    found[i].append(expr)
        for i in ids:
            found[i] += self._extract(f"term {i}", self.egraph.extract_multiple, self._refs[i], 2 * limit)
        out: dict[int, list[Term]] = {}
        for i, exprs in found.items():
            terms: list[Term] = []
            for expr in exprs:
                term = E.decode(expr)
                if term not in terms:
                    terms.append(term)
                    if len(terms) == limit:
                        break
            out[i] = terms
        return out


_KIND_OF = {E.unary: "unary", E.binary: "binary", E.where: "where", E.reduce: "reduce", E.softmax: "softmax",
            E.normalize: "normalize", E.concat: "concat"}
"""The cost-table kind of each costed constructor (the others cost nothing)."""


class _CostModel:
    """egglog's extraction callback: :func:`~.cost.node_cost` read off e-nodes."""

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self.sizes = dict(sizes)
        # caches for one extraction (the graph does not change meanwhile), keyed by egglog's
        # declaration of an e-node (its constructor and its children's e-classes) or an e-class
        self._own: dict[object, Cost] = {}
        self._frees: dict[object, frozenset[str]] = {}

    def _free(self, egraph: EGraph, child) -> frozenset[str]:
        key = getattr(child, "__egg_typed_expr__", None)
        found = None if key is None else self._frees.get(key)
        if found is None:
            value = egraph.lookup_function_value(free(child))
            found = frozenset() if value is None else frozenset(str(s.value) for s in value.value)
            if key is not None:
                self._frees[key] = found
        return found

    def cached_own(self, egraph: EGraph, expr) -> Cost:
        """:meth:`own`, once per e-node: the extractor asks for a node's cost on every pass, and
        reading the free axes of its children is the slow part."""
        node = getattr(expr, "__egg_typed_expr__", None)  # the constructor and its children's e-classes
        if node is None:
            return self.own(egraph, expr)
        found = self._own.get(node)
        if found is None:
            found = self._own[node] = self.own(egraph, expr)
        return found

    def own(self, egraph: EGraph, expr) -> Cost:
        fn = get_callable_fn(expr)
        args = get_callable_args(expr)
        kind = _KIND_OF.get(fn)  # type: ignore[call-overload]
        if kind is None:
            return ZERO
        kids = [self._free(egraph, a) for a in args if isinstance(a, E.T)]
        inner = frozenset().union(*kids) if kids else frozenset()
        out = inner - {str(args[2].value)} if kind == "reduce" else inner
        return node_cost(kind, elements(out, self.sizes), elements(inner, self.sizes))

    def __call__(self, egraph: EGraph, expr, children_costs: list[int]) -> int:
        if not isinstance(expr, E.T):
            return sum(children_costs) + 1
        # Python ints, not capped: egglog-python compares costs as Python objects, and a cap
        # (tree costs of deep terms at token sizes pass 2**62) made a node cost no more than
        # its own class's best, so the extractor could pick a cycle and panic rebuilding it
        return int(self.cached_own(egraph, expr).total) + sum(children_costs) + 1



# -- relations between terms --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Join:
    """Whether the e-graph joined two terms, the run that did, and a sufficient set of rules.

    ``rules`` is minimal in the sense that dropping any one of them (with the same budget)
    no longer joins the terms; ``prepared_by`` are the prepare rules applied to either term.
    """

    joined: bool
    run: RunResult
    rules: tuple[str, ...]
    prepared_by: tuple[str, ...]


def _joins(a: Term, b: Term, rules: Sequence[Rule], budget: Budget, assume=()) -> tuple[bool, Engine, RunResult]:
    eng = Engine(rules)
    x = eng.add(a, assume=assume)
    y = eng.add(b, assume=assume, like=x)
    result = eng.run(budget, until=(x, y))
    return eng.same(x, y), eng, result


def join(a: Term, b: Term, budget: Budget = Budget(), *, explain: bool = True, assume: Sequence = ()) -> Join:
    """Try to join ``a`` and ``b``; with ``explain``, shrink the rules that fired to a minimal
    sufficient set by dropping them one at a time (in name order). ``assume``: size
    conditions the join may rely on (they become the relation's conditions)."""
    joined, eng, result = _joins(a, b, RULES, budget, assume)
    prepared_by = tuple(sorted(set(eng.entries[0].prepared_by) | set(eng.entries[1].prepared_by)))
    if not joined or not explain:
        return Join(joined, result, tuple(sorted(eng.matches)) if joined else (), prepared_by)
    keep = sorted(eng.matches)
    others = [r for r in RULES if r.engine != "egraph"]
    for name in list(keep):
        trial = [n for n in keep if n != name]
        if _joins(a, b, [r for r in RULES if r.name in trial] + others, budget, assume)[0]:
            keep = trial
    return Join(True, result, tuple(keep), prepared_by)


@dataclasses.dataclass(frozen=True)
class Partition:
    """Terms partitioned into e-classes: ``classes`` lists handles (indices into ``terms``)."""

    terms: tuple[Term, ...]
    classes: tuple[tuple[int, ...], ...]
    run: RunResult

    def class_of(self, index: int) -> tuple[int, ...]:
        return next(c for c in self.classes if index in c)


def partition(terms: Sequence[Term], budget: Budget = Budget()) -> Partition:
    """Insert every term into one e-graph, saturate within ``budget``, read the classes back."""
    eng = Engine()
    eng.add_all(terms)
    result = eng.run(budget)
    return Partition(tuple(terms), tuple(tuple(c) for c in eng.classes()), result)


def signature(term: Term) -> tuple:
    """What equal terms share and a cheap filter can compare: output axes and leaves."""
    leaves = sorted((type(x).__name__, x.name, tuple(sorted(str(a) for a in x.shape))) for x in inputs(term) + params(term))
    return tuple(sorted(str(a) for a in term.type.axes)), tuple(leaves)


def classify(term: Term, catalogue: Partition, budget: Budget = Budget()) -> tuple[tuple[int, ...] | None, RunResult]:
    """The class of ``catalogue`` that ``term`` joins, if any, and the run.

    The catalogue's partition is reused: only one representative of each class with the
    same signature (output axes and leaves) enters a fresh e-graph with the new term, and
    the run stops as soon as the new term joins one of them.
    """
    sig = signature(term)
    reps = [c for c in catalogue.classes if signature(catalogue.terms[c[0]]) == sig]
    eng = Engine()
    new = eng.add(term)
    handles = [eng.add(catalogue.terms[c[0]]) for c in reps]
    start = time.perf_counter()

    def joined() -> tuple[int, ...] | None:
        return next((cls for h, cls in zip(handles, reps) if eng.same(new, h)), None)

    iterations, stop = 0, "saturated" if not reps else "iteration limit"
    while reps and (found := joined()) is None and iterations < budget.iterations:
        left = budget.seconds - (time.perf_counter() - start)
        step = eng.run(dataclasses.replace(budget, iterations=1, seconds=max(0.0, left)))
        iterations += step.iterations
        stop = step.stop
        if stop in ("saturated", "node limit", "time limit"):
            break
    found = joined() if reps else None
    if found is not None:
        stop = "joined"
    elif stop == "iteration limit" and iterations < budget.iterations:
        stop = "saturated"
    return found, RunResult(stop, iterations, eng.nodes(), time.perf_counter() - start)
