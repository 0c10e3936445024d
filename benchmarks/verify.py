"""Benchmark the verifiers: all rules, SMT query times, numeric throughput.

Prints (1) the time to verify every rule with every oracle (goal: <= 60 s on 2 cores) and
per oracle; (2) the distribution of z3 time per rule, and the ratio against a baseline in
the same run — z3 without the polynomial fast path and without abstracting maxima, on the
rules where those matter; (3) float64 numeric throughput in cases per second (numpy, and
torch on CPU / CUDA when present) for scaled dot-product attention.

Run: ``python benchmarks/verify.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from anatomy.examples import load_example
from anatomy.rules import EXACT_RULES as RULES
from anatomy.verify import smt
from anatomy.verify.field import field_test
from anatomy.verify.numeric import compare
from anatomy.verify.rules import RULE_BOUND, context_sizes, rule_terms, verify_rules


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def all_rules(examples: int) -> None:
    rec, seconds = _timed(lambda: verify_rules(examples=examples))
    print(f"verify all {len(rec['rules'])} rules (z3 bound {RULE_BOUND}, {examples} hypothesis cases each): "
          f"{seconds:.1f} s  {rec['counts']}")
    per = {"z3": 0.0, "float64": 0.0, "finite field": 0.0}
    times = []
    for rule in RULES:
        left, right = rule_terms(rule)
        fixed = context_sizes(rule, left, right)
        _, t = _timed(lambda: smt.prove(left, right, bound=RULE_BOUND, sizes=fixed))
        times.append((t, rule.name))
        per["z3"] += t
        per["float64"] += _timed(lambda: compare(left, right, examples=examples))[1]
        per["finite field"] += _timed(lambda: field_test(left, right))[1]
    print("  per oracle: " + ", ".join(f"{k} {v:.1f} s" for k, v in per.items()))
    ts = sorted(t for t, _ in times)
    print(f"  z3 time per rule: median {statistics.median(ts) * 1000:.0f} ms, p90 {ts[int(0.9 * len(ts))] * 1000:.0f} ms, "
          f"max {ts[-1] * 1000:.0f} ms ({max(times)[1]})")


def baseline() -> None:
    """z3 as shipped vs z3 alone (no polynomial fast path, maxima exact), same queries."""
    names = ["softmax-shift", "div-cancel-exp", "online-softmax"]
    for name in names:
        rule = next(r for r in RULES if r.name == name)
        left, right = rule_terms(rule)
        fixed = context_sizes(rule, left, right)
        fast, t_fast = _timed(lambda: smt.prove(left, right, bound=RULE_BOUND, sizes=fixed))
        saved = (smt.same_ratio, smt._Query.__init__)
        smt.same_ratio = lambda x, y: False

        def plain_init(self, a, b, timeout_ms, _orig=saved[1]):
            _orig(self, a, b, timeout_ms)
            self.has_max = False

        smt._Query.__init__ = plain_init
        try:
            slow, t_slow = _timed(lambda: smt.prove(left, right, bound=RULE_BOUND, sizes=fixed, timeout_ms=10_000))
        finally:
            smt.same_ratio, smt._Query.__init__ = saved
        print(f"  {name}: shipped {fast.verdict} in {t_fast:.2f} s; z3 alone {slow.verdict} in {t_slow:.2f} s "
              f"({t_slow / t_fast:.1f}x)")


def throughput(quick: bool) -> None:
    a = same = load_example("scaled-dot-product").term  # an identity claim: every case runs to the end
    v, t = _timed(lambda: compare(a, same, seeds=10))
    print(f"numeric float64 (numpy), SDPA at the default small sizes: {v.cases / t:.0f} cases/s")
    v, t = _timed(lambda: compare(a, same, examples=50))
    print(f"  with 50 hypothesis-drawn cases: {v.cases / t:.0f} cases/s ({v.cases} cases)")
    sizes = {"n": 1024, "m": 1024, "dk": 64, "dv": 64}
    v, t = _timed(lambda: compare(a, same, seeds=3 if quick else 10, sizes=sizes))
    print(f"  at n=m=1024, d=64: {v.cases / t:.1f} cases/s")
    try:
        import torch
    except ModuleNotFoundError:
        return
    v, t = _timed(lambda: compare(a, same, seeds=3 if quick else 10, sizes=sizes, backend="torch",
                                  dtype=torch.float32))
    print(f"  torch float32 CPU at n=m=1024, d=64: {v.cases / t:.1f} cases/s")
    if torch.cuda.is_available():
        compare(a, same, seeds=1, sizes=sizes, backend="torch", device="cuda", dtype=torch.float32)
        v, t = _timed(lambda: compare(a, same, seeds=20, sizes=sizes, backend="torch", device="cuda",
                                      dtype=torch.float32))
        print(f"  torch float32 CUDA at n=m=1024, d=64: {v.cases / t:.1f} cases/s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    all_rules(examples=5 if args.quick else 20)
    print("z3 baseline (no polynomial fast path, maxima exact):")
    baseline()
    throughput(args.quick)


if __name__ == "__main__":
    main()
