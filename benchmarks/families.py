"""Benchmark the family search: relations of the ten family cases, and two baselines.

Prints (1) for every case in ``anatomy/examples/families``: the relation found, the wall
time of ``family_relation`` and the proposals screened each way; (2) the witness search
in cost order (shipped) against the same proposals in plain product order (baseline):
proposals screened until the first witness that passes, and time; (3) the Jacobian rank
of the largest family (multi-head attention) with vectorised reverse mode (shipped)
against one backward pass per output (baseline).

Run: ``python benchmarks/families.py [--quick]``.
"""

from __future__ import annotations

import argparse
import itertools
import time

from anatomy.examples import family_case, family_cases
from anatomy.family.candidates import choices
from anatomy.family.relation import _rank_sizes, family_relation
from anatomy.family.search import _combinations, _Screen
from anatomy.ir.traverse import params, substitute
from anatomy.runtime import jacobian


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def relations(quick: bool) -> None:
    print("family relations (examples=0, seeds=3):")
    total = 0.0
    for case in family_cases():
        if quick and "mha" in case.name:
            continue
        a, b = case.load()
        rec, seconds = _timed(lambda: family_relation(a.term, b.term, examples=0))
        total += seconds
        w = rec["witness"]
        ok = "ok" if rec["relation"] == case.relation or case.relation == "equivalent" else "MISMATCH"
        print(f"  {case.name:28s} {rec['relation']:19s} {seconds:6.2f} s  proposals screened "
              f"{w['forward']['trials']:4d} / {w['backward']['trials']:4d}  {ok}")
    print(f"  total {total:.1f} s")


def _first_pass(a, b, order) -> tuple[int, float]:
    table = choices(a, b)
    rows = [table[p.name] for p in params(b)]
    screen = _Screen(a)
    start = time.perf_counter()
    for n, idx in enumerate(order(rows), 1):
        picked = [rows[k][i] for k, i in enumerate(idx)]
        conditions = tuple(sorted({c for ch in picked for c in ch.conditions}, key=str))
        if screen.passes(substitute(b, {ch.param: ch.term for ch in picked}), conditions):
            return n, time.perf_counter() - start
        if n >= 20000:
            break
    return -1, time.perf_counter() - start


def search_order() -> None:
    print("witness search, proposals screened until the first pass (cost order vs product order):")
    plain = lambda rows: itertools.product(*[range(len(r)) for r in rows])  # noqa: E731
    for name in ("mqa-vs-gqa", "fused-vs-separate-qkv", "alibi-vs-learned-relative"):
        a, b = family_case(name).load()
        (n1, t1), (n0, t0) = _first_pass(a.term, b.term, _combinations), _first_pass(a.term, b.term, plain)
        ratio = f"{t0 / t1:.1f}x" if n0 > 0 else "baseline found none in 20000"
        print(f"  {name:28s} shipped {n1:5d} proposals {t1:6.2f} s   baseline {n0:5d} proposals {t0:6.2f} s   {ratio}")


def rank_speed() -> None:
    a, _ = family_case("gqa-vs-mha").load()
    term = family_case("gqa-vs-mha").load()[1].term
    sizes = _rank_sizes(a.term, term, ())
    fast, t1 = _timed(lambda: jacobian.family_rank(term, sizes=sizes, draws=1))
    import torch

    original = torch.autograd.functional.jacobian
    torch.autograd.functional.jacobian = lambda f, x, vectorize=False: original(f, x, vectorize=False)
    try:
        slow, t0 = _timed(lambda: jacobian.family_rank(term, sizes=sizes, draws=1))
    finally:
        torch.autograd.functional.jacobian = original
    print(f"Jacobian rank of multi-head attention at {sizes} ({fast.params} parameters, {fast.samples} samples): "
          f"rank {fast.rank} in {t1:.2f} s vectorised; baseline (one backward pass per output) rank {slow.rank} "
          f"in {t0:.2f} s: {t0 / t1:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the multi-head cases and the rank baseline")
    args = parser.parse_args()
    relations(args.quick)
    search_order()
    if not args.quick:
        rank_speed()


if __name__ == "__main__":
    main()
