"""Benchmark the recombination: the shipped pipeline against the one it replaced, same space.

Prints, for the core space (and the paper-style space with ``--paper``): points, distinct
terms, ≡ and ≅ classes, literature matches, wall time and peak resident memory, of

* **shipped** — :func:`anatomy.taxonomy.explore.explore`: interned terms deduplicated,
  fingerprints on shared leaf values, ten fingerprint groups per e-graph, literature aligned
  by :func:`anatomy.ir.unify.unify`, ≅ pairs bucketed by family profile;
* **baseline** — the approach before it, rebuilt here: one fresh e-graph ``join`` of every
  group member with the group's first, fingerprints hashed through ``repr``, literature
  matched by name only, the witness screen on every comparable pair with parameters.

The ratio is baseline time over shipped time. The baseline ran under ``tracemalloc`` as
shipped, which alone made it about four times slower; ``--as-shipped`` measures it that
way, by default it runs without (a fair comparison of the algorithms). ``--full`` then runs
the shipped pipeline on the full product (about ten minutes on two cores with
``--workers 2``; the baseline does not finish there) and prints its figures.

Run: ``python benchmarks/explore.py [--paper] [--as-shipped] [--full] [--workers N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import tracemalloc

import numpy as np

from anatomy.egraph.engine import join
from anatomy.errors import AnatomyError
from anatomy.ir.traverse import params
from anatomy.runtime import evaluate, random_values
from anatomy.taxonomy.build import UnionFind
from anatomy.taxonomy.catalogue import load_catalogue
from anatomy.taxonomy.explore import (BUDGET, CORE, FULL_REPARAM_PAIRS, PAPER, _peak_mb, _reset_peak, explore, points,
                                      shared_axes)


def _old_fingerprint(term, sizes) -> str:
    values = random_values(term, sizes=sizes, seed=7)
    with np.errstate(all="ignore"):
        out = evaluate(term, values, sizes=sizes)
    data = np.asarray(out.transpose(tuple(sorted(out.axes))).data, dtype=float).ravel()
    finite = np.isfinite(data)
    scale = float(np.max(np.abs(data[finite]))) if finite.any() else 1.0
    rounded = np.where(finite, np.round(data / (scale or 1.0), 9), data)
    return hashlib.sha256(f"{term.type}|{','.join(repr(float(x)) for x in rounded)}".encode()).hexdigest()[:16]


def baseline(restrict: dict) -> dict:
    """The recombination as it was: per-member joins and all-pairs witness screens."""
    from anatomy.family.relation import family_relation
    from anatomy.family.search import plausible

    start = time.perf_counter()
    entries = sorted(load_catalogue(), key=lambda e: e.variant.name)
    axes = shared_axes(entries)
    sizes = {s: 2 + k for k, s in enumerate(sorted({str(sym) for a in axes for sym in a.size.symbols}))}
    found = list(points(axes, restrict=restrict))
    groups: dict[str, list] = {}
    for p in found:
        try:
            groups.setdefault(_old_fingerprint(p.term, sizes), []).append(p)
        except (AnatomyError, ValueError, ArithmeticError):
            continue
    literature: dict[str, list] = {}
    for e in entries:
        try:
            literature.setdefault(_old_fingerprint(e.variant.term, sizes), []).append(e.variant)
        except (AnatomyError, ValueError, ArithmeticError):
            continue
    classes, lit = [], set()
    for key, members in sorted(groups.items(), key=lambda kv: kv[1][0].name):
        first = members[0]
        joined = [m for m in members[1:] if join(first.term, m.term, BUDGET, explain=False).joined]
        lit |= {v.name for v in literature.get(key, []) if join(first.term, v.term, BUDGET, explain=False).joined}
        classes.append((first, joined))
    reps = [first for first, _ in classes]
    union = UnionFind([r.name for r in reps])
    pairs = [(a, b) for k, a in enumerate(reps) for b in reps[k + 1:]
             if a.term.type == b.term.type and params(a.term) and params(b.term)]
    for a, b in pairs:
        if union.find(a.name) == union.find(b.name):
            continue
        if plausible(a.term, b.term, trials=50) and plausible(b.term, a.term, trials=50):
            rel = family_relation(a.term, b.term, examples=0, seeds=2, bound=1)
            if rel["relation"] == "reparam-equivalent" and not rel["conditions"]:
                union.join(a.name, b.name)
    return {"points": len(found), "distinct_terms": len({p.term for p in found}), "classes": len(classes),
            "reparam_classes": len(union.groups()), "literature": sorted(lit), "pairs": len(pairs),
            "seconds": time.perf_counter() - start}


def _line(label: str, rec: dict, seconds: float, peak: float) -> str:
    return (f"  {label:9s} {rec['points']:6d} points {rec['distinct_terms']:6d} terms {rec['classes']:6d} ≡ "
            f"{rec['reparam_classes']:6d} ≅  {len(rec['literature']):2d} literature  {seconds:7.1f} s  "
            f"peak {peak:7.1f} MiB")


def _shipped(**kw) -> tuple[dict, float]:
    """``explore(**kw)`` as shipped, timed, with its summary line printed."""
    t = time.perf_counter()
    rec = explore(**kw)
    seconds = time.perf_counter() - t
    print(_line("shipped", rec, seconds, rec["peak_mb"]))
    return rec, seconds


def compare(name: str, restrict: dict, *, as_shipped: bool, workers: int) -> None:
    print(f"{name} space:")
    new, shipped_s = _shipped(restrict=restrict, workers=workers)
    rp = new["reparam_pairs"]
    print(f"            ≅ pairs: {rp['comparable']} comparable, {rp['same_profile']} with the same profile, "
          f"{rp['tried']} tried, {rp['merged']} merged")
    _reset_peak()
    if as_shipped:
        tracemalloc.start()
    old = baseline(restrict)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20 if as_shipped else _peak_mb()
    if as_shipped:
        tracemalloc.stop()
    print(_line("baseline", old, old["seconds"], peak) + ("  (traced)" if as_shipped else ""))
    print(f"            ≅ pairs: {old['pairs']} screened")
    print(f"  ratio     {old['seconds'] / shipped_s:.1f}x faster")


def full(workers: int) -> None:
    print(f"full space (--workers {workers}, at most {FULL_REPARAM_PAIRS} ≅ pairs tried):")
    rec, _ = _shipped(reparam_pairs=FULL_REPARAM_PAIRS, workers=workers)
    rp = rec["reparam_pairs"]
    print(f"  size {rec['size']}, ill-typed {rec['ill_typed']}, fingerprint groups {rec['fingerprint_groups']}, "
          f"unjoined {rec['unjoined']}, new classes {len(rec['new'])}")
    print(f"  ≅ pairs: {rp['comparable']} comparable, {rp['profile_differs']} different profiles, "
          f"{rp['same_profile']} same, {rp['tried']} tried, {rp['passed_screen']} passed the screen, "
          f"{rp['merged']} merged")
    for stage, v in rec["stages"].items():
        print(f"  {stage:13s} {v['seconds']:7.1f} s  peak {v['peak_mb']:7.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", action="store_true", help="also the paper-style space")
    ap.add_argument("--as-shipped", action="store_true", help="the baseline under tracemalloc, as it ran")
    ap.add_argument("--full", action="store_true", help="then the shipped pipeline on the full product")
    ap.add_argument("--workers", type=int, default=1, help="processes for the shipped pipeline (default 1)")
    args = ap.parse_args()
    compare("core", CORE, as_shipped=args.as_shipped, workers=args.workers)
    if args.paper:
        compare("paper", PAPER, as_shipped=args.as_shipped, workers=args.workers)
    if args.full:
        full(args.workers)


if __name__ == "__main__":
    main()
