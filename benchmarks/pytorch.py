"""Benchmark the PyTorch examples' relations: alignment against comparing names as written.

For every ``[[check]]`` entry of ``examples/pytorch/relations.toml``, prints the answer and
the wall time of ``relate.check`` as shipped (inputs paired and sizes unified, axis names
aligned, bound axes α-aligned before insertion) and of a baseline in the same run that
compares the two traced variants as written (no unification, no ``alpha-rename``); then how
many entries each answers as the table expects, and the total time of each. Also times
``ingest`` of every example (tracing, sizes, the float64 check against the code).

Run: ``python benchmarks/pytorch.py [--quick]`` (``--quick`` skips the module pairs).
"""

from __future__ import annotations

import argparse
import contextlib
import time
import tomllib
from pathlib import Path
from unittest import mock

import anatomy.egraph.engine as engine
import anatomy.relate as relate
from anatomy.runtime.ingest import load_python

EX = Path(__file__).resolve().parent.parent / "examples" / "pytorch"


@contextlib.contextmanager
def _as_written():
    """The baseline: no unification and no α-alignment (names compared as traced)."""
    prepare_rules = tuple(r.name for r in engine.RULES if r.engine == "prepare" and r.name != "alpha-rename")
    original = engine.Engine.__init__

    def init(self, rules=None):
        original(self, rules)
        self.prepare_rules = tuple(n for n in self.prepare_rules if n in prepare_rules)

    with mock.patch.object(relate, "unify", lambda a, b: None), mock.patch.object(engine.Engine, "__init__", init):
        yield


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    table = tomllib.loads((EX / "relations.toml").read_text())["check"]
    if args.quick:
        table = [e for e in table if ":Attention" not in e["left"]]
    loaded: dict[str, object] = {}
    start = time.perf_counter()
    for e in table:
        for ref in (e["left"], e["right"]):
            if ref not in loaded:
                loaded[ref] = load_python(str(EX / ref))
    print(f"ingest: {len(loaded)} examples in {time.perf_counter() - start:.1f} s")
    totals = {"aligned": [0.0, 0], "as written": [0.0, 0]}
    print(f"{'pair':70s} {'expected':12s} {'aligned':24s} {'as written':24s}")
    for e in table:
        row = []
        for mode, ctx in (("aligned", contextlib.nullcontext()), ("as written", _as_written())):
            with ctx:
                t = time.perf_counter()
                rec = relate.check(loaded[e["left"]], loaded[e["right"]], examples=0)
                dt = time.perf_counter() - t
            ok = rec["relation"] == e["relation"]
            totals[mode][0] += dt
            totals[mode][1] += ok
            row.append(f"{rec['relation']:13s} {dt:6.1f} s {'ok' if ok else '  '}")
        print(f"{e['left'] + ' vs ' + e['right']:70s} {e['relation']:12s} {row[0]:24s} {row[1]:24s}")
    for mode, (seconds, ok) in totals.items():
        print(f"{mode}: {ok} of {len(table)} as expected, {seconds:.1f} s")
    a, w = totals["aligned"], totals["as written"]
    print(f"ratio aligned / as written: {a[1]} / {w[1]} answers as expected, time {a[0] / max(w[0], 1e-9):.2f}x")


if __name__ == "__main__":
    main()
