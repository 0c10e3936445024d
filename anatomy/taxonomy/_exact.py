"""The ≡ stage of the recombination: fingerprints group points, the e-graph decides.

:class:`Fingerprints` evaluates terms in float64 at one fixed set of sizes on random leaf
values that depend only on the leaf's name and shape (drawn once, reused by every term), and
hashes the result, rounded relative to its largest entry. Equal terms get equal
fingerprints; different fingerprints show different functions (up to rounding). A
fingerprint only *groups*: :func:`exact_classes` inserts the terms of several groups into
one e-graph, saturates it within a budget scaled by the number of groups, and reads the
e-classes back; only a join puts two terms in one ≡ class. A join across two groups (the
e-graph equating terms with different values) is reported as a conflict and not used.

Main names: :class:`Fingerprints`, :func:`fingerprint_sizes`, :func:`exact_classes`.

Example:
    >>> from anatomy.ir.build import axes, tensor
    >>> i, d = axes("i:n d:dk")
    >>> fp = Fingerprints({"n": 3, "dk": 2})
    >>> x = tensor("X", i, d)
    >>> fp(x * 2).key == fp(x + x).key, fp(x * 2).key == fp(x * 3).key
    (True, False)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from ..egraph.engine import Budget, Engine
from ..errors import AnatomyError
from ..ir.term import Term
from ..ir.traverse import inputs, params, size_symbols
from ..runtime import default_sizes, evaluate
from ._parallel import SHARED, ordered_map

CHUNK = 10
"""Fingerprint groups that share one e-graph. One saturation step costs about 50 ms however
small the graph, so batching pays; more groups per graph let the back-off scheduler ban
rules earlier, and some joins are lost (measured: 10 groups per graph join what one graph
per group joins; 60 do not)."""

CHUNK_TERMS = 40
"""At most this many terms in one e-graph (a larger group gets a graph of its own)."""


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """A term's float64 values hashed with its type: the largest magnitude to 9 significant
    digits and every value relative to it to 9 decimals; ``finite``: no nan or inf among them."""

    key: str
    finite: bool


def fingerprint_sizes(symbols: Iterable[str]) -> dict[str, int]:
    """Small distinct sizes from 2, in sorted order of the symbols (:func:`~anatomy.runtime.default_sizes`)."""
    return default_sizes(sorted(set(symbols)), base=2)


class Fingerprints:
    """Float64 fingerprints at fixed ``sizes``; leaf values are drawn once per (name, shape).

    Parameters:
        sizes: every size symbol the terms use -> a positive int.
        seed: mixed into every leaf's draw.
    """

    def __init__(self, sizes: Mapping[str, int], *, seed: int = 7) -> None:
        self.sizes = dict(sizes)
        self.seed = seed
        self._drawn: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}

    def values(self, term: Term) -> dict[str, np.ndarray]:
        """A standard-normal array for every input and parameter of ``term``, the same for
        every term that has a leaf of that name and shape."""
        out = {}
        for leaf in inputs(term) + params(term):
            shape = tuple(a.size.evaluate(self.sizes) for a in leaf.shape)
            key = (leaf.name, shape)
            if key not in self._drawn:
                digest = hashlib.sha256(f"{self.seed}|{leaf.name}|{shape}".encode()).digest()
                rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest[:8], "little")))
                self._drawn[key] = rng.standard_normal(shape)
            out[leaf.name] = self._drawn[key]
        return out

    def __call__(self, term: Term) -> Fingerprint:
        """The fingerprint of ``term``; a term that cannot be evaluated raises."""
        with np.errstate(all="ignore"):
            out = evaluate(term, self.values(term), sizes=self.sizes)
        data = np.asarray(out.transpose(tuple(sorted(out.axes))).data, dtype=float).ravel()
        finite = np.isfinite(data)
        scale = float(np.max(np.abs(data[finite]))) if finite.any() else 1.0
        rounded = np.where(finite, np.round(data / (scale or 1.0), 9), data) + 0.0  # + 0.0: no -0.0
        # the scale goes in too: values relative to the largest entry alone would not tell f from 2 f
        digest = hashlib.sha256(f"{term.type}|{scale:.9g}|".encode() + rounded.tobytes())
        return Fingerprint(digest.hexdigest()[:16], bool(finite.all()))


def unevaluated_key(term: Term) -> str:
    """The group of a term that could not be evaluated: its type and its leaves."""
    leaves = sorted(f"{x.kind}:{x.name}[{','.join(str(a) for a in x.shape)}]" for x in inputs(term) + params(term))
    return "unevaluated|" + hashlib.sha256(f"{term.type}|{leaves}".encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Exact:
    """What :func:`exact_classes` found: for each group, its terms partitioned (indices into
    the group's terms, each part sorted, parts by first index); for each group, the extra
    terms (literature) that joined each part; the runs; the joins across groups; and the
    terms the e-graph could not take (group, index, error), each a class of its own."""

    parts: dict[str, list[list[int]]]
    extra: dict[str, dict[int, list[int]]]
    runs: list[dict]
    conflicts: list[tuple[str, str]]
    rejected: list[tuple[str, int, str]]


def _chunks(keys: Sequence[str], sizes: Mapping[str, int]) -> list[list[str]]:
    out: list[list[str]] = []
    for key in keys:
        if out and len(out[-1]) < CHUNK and sum(sizes[k] for k in out[-1]) + sizes[key] <= CHUNK_TERMS:
            out[-1].append(key)
        else:
            out.append([key])
    return out


def exact_classes(groups: Mapping[str, Sequence[Term]], extra: Mapping[str, Sequence[Term]], budget: Budget, *,
                  tick: Callable[[int, int], None] = lambda done, total: None) -> Exact:
    """The e-graph's partition of every group with two or more terms (counting ``extra``).

    ``groups`` maps a fingerprint key to its terms, in the order the parts refer to; ``extra``
    maps a key to more terms (literature variants) that may join the group's terms. Groups
    go into shared e-graphs, :data:`CHUNK` at a time in the order of ``groups``; each graph
    runs with ``budget``'s node and time limits multiplied by its number of groups.
    """
    parts: dict[str, list[list[int]]] = {k: [[i] for i in range(len(ts))] for k, ts in groups.items()}
    joined: dict[str, dict[int, list[int]]] = {k: {} for k in groups}
    todo = [k for k, ts in groups.items() if len(ts) + len(extra.get(k, ())) > 1]
    sizes = {k: len(groups[k]) + len(extra.get(k, ())) for k in todo}
    chunks = _chunks(todo, sizes)
    runs, conflicts, rejected = [], [], []
    done = 0
    for chunk in chunks:
        tick(done, len(todo))
        eng = Engine()
        handles = {k: [_add(eng, t, (k, i), rejected) for i, t in enumerate(groups[k])] for k in chunk}
        extras = {k: [_add(eng, t, None, rejected) for t in extra.get(k, ())] for k in chunk}
        scaled = dataclasses.replace(budget, nodes=budget.nodes * len(chunk), seconds=budget.seconds * len(chunk))
        result = eng.run(scaled)
        runs.append({"groups": len(chunk), "terms": sum(sizes[k] for k in chunk), "stop": result.stop,
                     "iterations": result.iterations, "nodes": result.nodes})
        owner: dict[int, str] = {}
        for k in chunk:
            # a term the e-graph could not take is a class of its own (its negative id)
            ids = [eng.class_id(h) if h is not None else -1 - i for i, h in enumerate(handles[k])]
            by_id: dict[int, list[int]] = {}
            for index, cid in enumerate(ids):
                by_id.setdefault(cid, []).append(index)
            parts[k] = sorted(by_id.values())
            for cid in by_id:
                if cid >= 0 and owner.setdefault(cid, k) != k:
                    conflicts.append(tuple(sorted((owner[cid], k))))
            for n, h in enumerate(extras[k]):
                cid = eng.class_id(h) if h is not None else None
                if cid in by_id:
                    joined[k].setdefault(by_id[cid][0], []).append(n)
        done += len(chunk)
    tick(max(len(todo) - 1, 0), len(todo))
    return Exact(parts, joined, runs, sorted(set(conflicts)), rejected)


def _add(eng: Engine, term: Term, where: tuple[str, int] | None, rejected: list) -> int | None:
    """``eng.add(term)``, or None (noted in ``rejected`` with the error) when the e-graph's
    preparation cannot take the term."""
    try:
        return eng.add(term)
    except AnatomyError as err:
        if where is not None:
            rejected.append((*where, err.message))
        return None


def try_fingerprint(fp: Fingerprints, term: Term) -> Fingerprint | None:
    """``fp(term)``, or None when the term cannot be evaluated at the fingerprint sizes."""
    try:
        return fp(term)
    except (AnatomyError, ValueError, ArithmeticError):
        return None


def fingerprint_all(fp: Fingerprints, terms: Sequence[Term], *, workers: int = 1,
                    tick: Callable[[int], None] = lambda done: None) -> list[Fingerprint | None]:
    """:func:`try_fingerprint` of every term, in order (in ``workers`` processes)."""
    SHARED["fingerprints"], SHARED["fingerprint_terms"] = fp, terms
    try:
        return ordered_map(_fingerprint_of, range(len(terms)), workers=workers, tick=tick)
    finally:
        SHARED.pop("fingerprints", None)
        SHARED.pop("fingerprint_terms", None)


def _fingerprint_of(k: int) -> Fingerprint | None:
    return try_fingerprint(SHARED["fingerprints"], SHARED["fingerprint_terms"][k])


def symbols_of(terms: Iterable[Term]) -> set[str]:
    found: set[str] = set()
    for t in terms:
        found.update(size_symbols(t))
    return found
