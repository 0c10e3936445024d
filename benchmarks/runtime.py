"""Runtime benchmark: the term evaluator against hand-written numpy, and numpy against torch.

Prints, for scaled dot-product attention at a few lengths, the median time of
(a) hand-written numpy float64 (the baseline), (b) ``anatomy.runtime.evaluate`` on numpy,
(c) the same on torch float64 and float32 (CPU, or CUDA when present), with ratios to the
baseline; then the time to parse and check every built-in example, and the evaluation time
of every example at a fixed size.

Run: ``python benchmarks/runtime.py [--repeat 7] [--lengths 64,256,1024]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from anatomy.examples import example_names, example_path, load_example
from anatomy.ir import load_variant
from anatomy.runtime import default_sizes, evaluate, random_values


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def numpy_sdpa(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    s = q @ k.T / np.sqrt(q.shape[1])
    s = np.exp(s - s.max(axis=1, keepdims=True))
    return (s / s.sum(axis=1, keepdims=True)) @ v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--lengths", default="64,256,1024")
    args = ap.parse_args()
    try:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover
        torch, device = None, None

    sdpa = load_example("scaled-dot-product").term
    print(f"scaled dot-product attention, d = 64, median of {args.repeat} (seconds; ratio to hand-written numpy)")
    print(f"{'length':>7} {'numpy (hand)':>13} {'evaluate/np':>12} {'ratio':>6} {'torch f64':>10} {'ratio':>6} "
          f"{'torch f32':>10} {'ratio':>6}  device")
    for n in (int(x) for x in args.lengths.split(",")):
        sizes = {"n": n, "m": n, "dk": 64, "dv": 64}
        vals = random_values(sdpa, sizes=sizes, seed=0)
        base = median_time(lambda: numpy_sdpa(vals["Q"], vals["K"], vals["V"]), args.repeat)
        ours = median_time(lambda: evaluate(sdpa, vals, sizes=sizes), args.repeat)
        row = f"{n:>7} {base:>13.5f} {ours:>12.5f} {ours / base:>6.2f}"
        if torch is not None:
            for dtype in (torch.float64, torch.float32):
                tv = {k: torch.as_tensor(x, dtype=dtype, device=device) for k, x in vals.items()}

                def run(tv=tv, dtype=dtype):
                    evaluate(sdpa, tv, sizes=sizes, backend="torch", dtype=dtype, device=device)
                    if device == "cuda":
                        torch.cuda.synchronize()

                t = median_time(run, args.repeat)
                row += f" {t:>10.5f} {t / base:>6.2f}"
            row += f"  {device}"
        print(row)

    t0 = time.perf_counter()
    for name in example_names():
        load_variant(example_path(name))
    parse = time.perf_counter() - t0
    print(f"\nparse + check all {len(example_names())} examples: {parse * 1000:.1f} ms")

    print("\nevery example at its default sizes with n = m = 128 (numpy float64, median seconds)")
    for name in example_names():
        term = load_example(name).term
        sizes = default_sizes(term, sizes={k: 128 for k in ("n", "m") if k in default_sizes(term)})
        vals = random_values(term, sizes=sizes, seed=0)
        print(f"  {name:<22} {median_time(lambda: evaluate(term, vals, sizes=sizes), 3):.5f}")


if __name__ == "__main__":
    main()
