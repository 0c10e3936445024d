"""Saturation benchmark: classes of 10, 20, 40, 80 variants, and one new variant classified.

The variant pool is every built-in example and every equivalence-case file; beyond that,
copies whose inputs are renamed (``Q`` -> ``Q2``…) so they are distinct functions with the
same structure. For each pool size it prints the wall time of insertion plus saturation,
e-nodes, iterations, the stop reason and the number of classes; then the time to classify
one new variant against the saturated 80 (the reused partition) next to the baseline of
re-partitioning all 81 from scratch, and their ratio.

Run: ``python benchmarks/saturation.py [--iterations 8] [--sizes 10,20,40,80]``.
"""

from __future__ import annotations

import argparse
import time

from anatomy.egraph.engine import Budget, classify, partition
from anatomy.examples import equivalence_cases, load_examples
from anatomy.ir.term import Input, Param, Term
from anatomy.ir.traverse import rewrite_bottom_up
from anatomy.ir.variant import load_variant


def pool(n: int) -> list[tuple[str, Term]]:
    base = [(v.name, v.term) for v in load_examples()]
    for case in equivalence_cases():
        for path in (case.a, case.b):
            v = load_variant(path)
            base.append((v.name, v.term))
    out, copy = list(base), 2
    while len(out) < n:
        for name, term in base:
            out.append((f"{name}~{copy}", _renamed(term, copy)))
        copy += 1
    return out[:n]


def _renamed(term: Term, k: int) -> Term:
    def leaf(t: Term) -> Term:
        if isinstance(t, (Input, Param)):
            return type(t)(f"{t.name}{k}", t.shape)
        return t
    return rewrite_bottom_up(term, leaf)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=Budget().iterations)
    ap.add_argument("--sizes", default="10,20,40,80")
    args = ap.parse_args()
    budget = Budget(iterations=args.iterations)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"budget: {budget.iterations} iterations, {budget.nodes} e-nodes, {budget.seconds:g} s")
    print(f"{'variants':>8} {'seconds':>8} {'e-nodes':>8} {'iters':>5} {'classes':>7}  stop")
    part = None
    for n in sizes:
        terms = [t for _, t in pool(n)]
        t0 = time.perf_counter()
        part = partition(terms, budget)
        dt = time.perf_counter() - t0
        print(f"{n:>8} {dt:>8.2f} {part.run.nodes:>8} {part.run.iterations:>5} {len(part.classes):>7}  {part.run.stop}")
    assert part is not None
    case = next(c for c in equivalence_cases() if c.name == "sdpa-max-subtracted")
    new = load_variant(case.b).term
    t0 = time.perf_counter()
    found, run = classify(new, part, budget)
    incremental = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = partition(list(part.terms) + [new], budget)
    scratch = time.perf_counter() - t0
    joined = "joined a class" if found else "no class"
    print(f"classify one new variant against {len(part.terms)}: {incremental:.3f} s ({joined}, {run})")
    print(f"baseline, re-partition all {len(again.terms)} from scratch: {scratch:.3f} s; "
          f"ratio {scratch / incremental:.1f}x")


if __name__ == "__main__":
    main()
