"""The command line: ``anatomy list | show | eval | check | classes | optimize | rules verify``.

A REF is a variant file (``path/to/file.attn``) or the name of a built-in example
(``anatomy list`` prints them). Every command that answers takes ``--json``; exit codes
are 0 (done), 1 (a failed check) and 2 (bad input: the message says what and where).
Errors print as one message with the place and a hint, never a traceback. Colour is
never used, so ``NO_COLOR`` needs no handling.

Example:
    >>> main(["show", "dot-product", "--json"]) == 0  # doctest: +ELLIPSIS
    {...
    True
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import AnatomyError, OracleConflict, ReferenceError_, UnknownNameError, UsageError
from .examples import example_names, load_example, load_examples
from .ir import Variant, load_variant, lower
from .ir.variant import declared_names, printed_definition
from .ir.syntax.printer import print_with_lets
from .messages import did_you_mean, expected

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _catalogue_names() -> list[str]:
    from .taxonomy.catalogue import catalogue_names

    return catalogue_names()


def builtin_names() -> list[str]:
    """Every built-in name: the examples, then the catalogue entries they do not shadow."""
    return sorted(set(example_names()) | set(_catalogue_names()))


def catalogue_variants() -> list[Variant]:
    """What ``classify`` compares with: the catalogue, and the examples it does not name."""
    from .taxonomy.catalogue import load_catalogue

    entries = [e.variant for e in load_catalogue()]
    taken = {v.name for v in entries}
    return entries + [v for v in load_examples() if v.name not in taken]


def resolve_ref(ref: str, args: argparse.Namespace | None = None) -> Variant:
    """A variant from a REF: ``path/file.py:NAME`` (PyTorch code, traced; ``--init`` and
    ``--shape`` from ``args``), an existing file, else a built-in example name, else a
    catalogue name or alias (an example of the same name shadows the catalogue entry)."""
    path = Path(ref)
    if path.is_file():
        return load_variant(path)
    if ".py:" in ref:
        from .runtime.ingest import load_python

        return load_python(ref, init=parse_init(getattr(args, "init", None) or []),
                           shapes=parse_shapes(getattr(args, "shape", None) or []))
    if ref in example_names():
        return load_example(ref)
    from .taxonomy.catalogue import entry_for

    try:
        return entry_for(ref).variant
    except UnknownNameError:
        pass
    if any(sep in ref for sep in "/\\") or ref.endswith(".attn"):
        raise ReferenceError_(f"no such file: {ref}", hint="check the path; built-in names are listed by "
                              "`anatomy list`")
    raise ReferenceError_(f"{ref!r} is neither a file nor a built-in name",
                          hint=did_you_mean(ref, builtin_names()) + "; pass a .attn file or a name from "
                          "`anatomy list`")


def parse_init(items: Sequence[str]) -> dict[str, str]:
    """``--init key=value,key=value`` (repeatable) as a dict of strings."""
    out: dict[str, str] = {}
    for item in items:
        for pair in filter(None, (p.strip() for p in item.split(","))):
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise UsageError(expected("--init KEY=VALUE", repr(pair)), hint="e.g. --init d_model=8,n_heads=2")
            out[key.strip()] = value.strip()
    return out


def parse_shapes(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """``--shape name=AxB[xC…]`` (repeatable) as argument name -> shape."""
    out: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = item.partition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            shape = ()
        if not sep or not name.strip() or not shape or min(shape) < 1:
            raise UsageError(expected("--shape NAME=AxB[xC...] with positive sizes", repr(item)),
                             hint="e.g. --shape q=2x4x6x8 (batch, heads, tokens, features)")
        out[name.strip()] = shape
    return out


def _ingest_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--init", action="append", default=[], metavar="KEY=VALUE[,...]",
                   help="constructor arguments for an nn.Module REF (file.py:Class)")
    s.add_argument("--shape", action="append", default=[], metavar="NAME=AxB[xC...]",
                   help="the shape of a tensor argument of a PyTorch REF (repeatable)")


# -- show -----------------------------------------------------------------------------


def variant_record(v: Variant) -> dict:
    """The JSON record of a variant (schema in docs/reference/cli.md)."""
    lets, body = print_with_lets(lower(v.term), taken=declared_names(v))
    return {
        "name": v.name,
        "title": v.title,
        "citation": v.citation,
        "aliases": list(v.aliases),
        "path": None if _is_builtin(v) else v.path,
        "builtin": _is_builtin(v),
        "type": {"dtype": v.term.type.dtype.value,
                 "axes": [{"name": a, "size": str(v.term.type.sizes[a])} for a in v.out_axes]},
        "axes": [{"name": a.name, "size": str(a.size)} for a in v.axes],
        "inputs": [{"name": t.name, "axes": [a.name for a in t.shape]} for t in v.inputs],
        "params": [{"name": t.name, "axes": [a.name for a in t.shape]} for t in v.params],
        "definition": v.definition or printed_definition(v),
        "normal_form": {"lets": [{"name": n, "axes": list(ax), "term": text} for n, ax, text in lets],
                        "term": body},
        "notes": list(v.notes),
    }


def _is_builtin(v: Variant) -> bool:
    from .examples import DIRECTORY
    from .taxonomy.catalogue import DIRECTORY as CATALOGUE

    return v.path is not None and Path(v.path).resolve().parent in (DIRECTORY.resolve(), CATALOGUE.resolve())


def _leaf_text(leaves: list[dict], v: Variant) -> str:
    sizes = {a.name: str(a.size) for a in v.axes}
    return ", ".join(f"{t['name']}[{', '.join(f'{a}: {sizes[a]}' for a in t['axes'])}]" for t in leaves) or "none"


def render_show(rec: dict, v: Variant) -> str:
    out_type = ", ".join(f"{a['name']}: {a['size']}" for a in rec["type"]["axes"])
    lines = [f"{rec['name']}" + (f" — {rec['title']}" if rec["title"] else "")]
    if rec["citation"]:
        lines.append(f"  {rec['citation']}")
    lines.append(f"  file: {rec['path']}" if rec["path"] else "  built-in" if rec["builtin"]
                 else "  built in Python or traced from PyTorch (see the notes)")
    lines += ["", f"type        {rec['type']['dtype']}[{out_type}]",
              f"inputs      {_leaf_text(rec['inputs'], v)}",
              f"parameters  {_leaf_text(rec['params'], v)}", "", "definition"]
    lines += ["  " + ln for ln in rec["definition"].splitlines()]
    lines += ["", "normal form (core operations only)"]
    lines += [f"  let {x['name']}[{', '.join(x['axes'])}] = {x['term']}" for x in rec["normal_form"]["lets"]]
    lines.append(f"  out[{', '.join(a['name'] for a in rec['type']['axes'])}] = {rec['normal_form']['term']}")
    if rec["notes"]:
        lines += ["", "notes"] + [f"  - {n}" for n in rec["notes"]]
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    variants = [resolve_ref(r, args) for r in args.refs] if args.refs else load_examples()
    records = [variant_record(v) for v in variants]
    if args.json:
        _emit_json(records[0] if len(records) == 1 and args.refs else records)
    else:
        print("\n\n".join(render_show(r, v) for r, v in zip(records, variants)))
    return EXIT_OK


# -- eval -----------------------------------------------------------------------------


def parse_sizes(items: Sequence[str]) -> dict[str, int]:
    """``["n=4", "m=5,dk=8"]`` -> ``{"n": 4, "m": 5, "dk": 8}``."""
    out: dict[str, int] = {}
    for item in items:
        for part in filter(None, item.split(",")):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip().isdigit() or int(value) < 1:
                raise UsageError(expected("--size NAME=POSITIVE_INT (e.g. --size n=8)", repr(part)))
            out[name.strip()] = int(value)
    return out


def cmd_eval(args: argparse.Namespace) -> int:
    from .runtime import default_sizes, evaluate, random_values

    if args.backend == "numpy" and args.dtype not in (None, "float64"):
        raise UsageError(f"--dtype {args.dtype} needs --backend torch",
                         hint="the numpy backend is the float64 reference; add --backend torch")
    v = resolve_ref(args.ref, args)
    given = parse_sizes(args.size)
    known = set(default_sizes(v.term))
    unknown = sorted(set(given) - known)
    if unknown:
        raise UsageError(f"--size {unknown[0]}: {v.name} has no size symbol {unknown[0]!r}",
                         hint=did_you_mean(unknown[0], known))
    sizes = default_sizes(v.term, sizes=given)
    values = random_values(v.term, sizes=sizes, seed=args.seed)
    ref = evaluate(v.term, values, sizes=sizes).transpose(v.out_axes)
    rec: dict = {"name": v.name, "seed": args.seed, "backend": args.backend, "sizes": sizes,
                 "inputs": {k: list(values[k].shape) for k in sorted(values)},
                 "output": {"axes": list(ref.axes), "shape": list(ref.data.shape)}}
    data = ref.data
    if args.backend != "numpy":
        import numpy as np

        other = evaluate(v.term, values, sizes=sizes, backend=args.backend, dtype=args.dtype).transpose(v.out_axes)
        got = np.asarray(other.data.detach().cpu().double().numpy() if hasattr(other.data, "detach")
                         else other.data, dtype=np.float64)
        rec.update(compare(ref.data, got))
        data = got
    rec["output"]["values"] = _json_safe(data.tolist())
    status = EXIT_FAILED if rec.get("mismatched_non_finite") else EXIT_OK
    if args.json:
        _emit_json(rec)
        return status
    import numpy as np

    print(f"{v.name}: seed {args.seed}, sizes " + ", ".join(f"{k}={n}" for k, n in sizes.items()))
    print("inputs  " + ", ".join(f"{k}{list(s)}" for k, s in rec["inputs"].items()))
    print(f"output  [{', '.join(ref.axes)}] shape {tuple(data.shape)} ({args.backend}"
          + (f", {args.dtype}" if args.backend != "numpy" and args.dtype else "") + ")")
    with np.printoptions(precision=6, suppress=True, linewidth=100, threshold=200):
        print(np.array2string(data))
    if "max_abs_difference_vs_numpy" in rec:
        print(f"max |{args.backend} - numpy float64| = {rec['max_abs_difference_vs_numpy']:.3e} over "
              f"{rec['compared']} finite entries; {rec['mismatched_non_finite']} non-finite mismatches")
    return status


def compare(ref, got) -> dict:
    """Honest comparison: non-finite entries must match exactly (nan with nan, inf with inf)."""
    import numpy as np

    ref, got = np.asarray(ref, dtype=np.float64), np.asarray(got, dtype=np.float64)
    finite = np.isfinite(ref) & np.isfinite(got)
    same_special = (np.isnan(ref) & np.isnan(got)) | (~finite & (ref == got))
    mismatched = int(np.count_nonzero(~finite & ~same_special))
    diff = float(np.abs(ref[finite] - got[finite]).max()) if finite.any() else 0.0
    return {"max_abs_difference_vs_numpy": diff, "compared": int(finite.sum()),
            "mismatched_non_finite": mismatched}


def _json_safe(obj):
    """Nested lists of numbers with nan/inf spelled as strings, so the JSON is strict."""
    if isinstance(obj, list):
        return [_json_safe(x) for x in obj]
    if isinstance(obj, float) and obj != obj:
        return "nan"
    if isinstance(obj, float) and obj in (float("inf"), float("-inf")):
        return "inf" if obj > 0 else "-inf"
    return obj


# -- check, classes, optimize ---------------------------------------------------------


def _budget(args: argparse.Namespace):
    from .egraph.engine import Budget

    if args.iterations < 1 or args.seconds <= 0 or args.nodes < 1:
        raise UsageError(expected("positive --iterations, --seconds and --nodes",
                                  f"{args.iterations}, {args.seconds}, {args.nodes}"))
    return Budget(iterations=args.iterations, seconds=args.seconds, nodes=args.nodes)


def _run_text(run: dict) -> str:
    return f"{run['stop']} after {run['iterations']} iterations, {run['e_nodes']} e-nodes"


def _smt_text(smt: dict) -> str:
    sizes = len(smt["sizes"])
    head = {"proved": f"proved at every size up to {smt['bound']} ({_count(sizes, 'size assignment')})",
            "refuted": "refuted", "unknown": "unknown"}[smt["verdict"]]
    notes = [smt["reason"]] if smt["verdict"] != "proved" else []
    if smt["assumptions"] and smt["verdict"] == "proved":
        notes.append("assuming " + "; ".join(smt["assumptions"]))
    if smt["opaque"]:
        notes.append("opaque: " + ", ".join(smt["opaque"]))
    return head + (f" ({'; '.join(notes)})" if notes else "")


def _numeric_text(num: dict) -> str:
    err = num["max_error"]
    worst = f"{err:.3g}" if isinstance(err, float) else str(err)
    text = f"{num['verdict']} on {_count(num['cases'], 'case')}, worst relative RMS error {worst} (tolerance {num['tolerance']:g})"
    if num.get("overflows"):
        text += f"; {num['overflows']} cases overflow in one form only (a stability finding, not a difference)"
    return text


def _field_text(field: dict) -> str:
    if field["verdict"] == "not-applicable":
        return f"not applicable ({field['reason']})"
    text = (f"{field['verdict']} after {_count(field['repetitions'], 'repetition')} at "
            f"{_count(len(field['sizes']), 'size assignment')}")
    if field["verdict"] == "agree":
        text += f", false-pass bound {field['false_pass_bound']:.1e}"
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _counterexample_text(cex: dict) -> str:
    sizes = ", ".join(f"{k}={v}" for k, v in cex["sizes"].items())
    entry = ", ".join(f"{k}={v}" for k, v in cex.get("entry", {}).items())
    extra = "".join(f", {k} {cex[k]}" for k in ("seed", "value_class") if k in cex)
    if "left_residue" in cex:  # the finite-field oracle: residues, not floats
        values = f"{cex['left_residue']} vs {cex['right_residue']} (mod {cex['modulus']})"
    else:
        values = f"{cex['left']} vs {cex['right']}"
    shapes = "".join(f"; {name} {'×'.join(map(str, dims)) or 'scalar'}" for name, dims in cex.get("shapes", {}).items())
    error = f", relative RMS error {cex['relative_rms_error']:.3g}" if isinstance(cex.get("relative_rms_error"), float) else ""
    return f"counterexample ({cex['oracle']}): sizes {sizes}{extra}{shapes}, at [{entry}]: {values}{error}"


def render_evidence(ev: dict, indent: str = "  ") -> list[str]:
    """The verifiers' lines of a check or rule record."""
    lines = []
    if ev.get("smt"):
        lines.append(f"{indent}z3: {_smt_text(ev['smt'])}")
    if ev.get("numeric"):
        lines.append(f"{indent}float64: {_numeric_text(ev['numeric'])}")
    if ev.get("field"):
        lines.append(f"{indent}finite field: {_field_text(ev['field'])}")
    return lines


def _alignment_text(al: dict) -> str:
    parts = [f"right's {b} is left's {a}" for b, a in al["inputs"].items()]
    parts += [f"{s} = {v}" for s, v in al["sizes"].items()]
    return "; ".join(parts)


def render_check(rec: dict) -> str:
    lines = [f"{rec['left']} vs {rec['right']}: {rec['relation']}", f"  {rec['reason']}"]
    ev = rec["evidence"]
    if rec.get("alignment") and (rec["alignment"]["inputs"] or rec["alignment"]["sizes"]):
        lines.append(f"  aligned: {_alignment_text(rec['alignment'])}")
    if ev["egraph"]:
        lines.append(f"  e-graph: {_run_text(ev['egraph'])}")
    if ev["rules"]:
        lines.append(f"  rules that joined them: {', '.join(ev['rules'])}")
    if ev["prepared_by"]:
        lines.append(f"  applied before insertion: {', '.join(ev['prepared_by'])}")
    if rec["conditions"]:
        lines.append(f"  conditions: {'; '.join(rec['conditions'])}")
    if ev.get("witness"):
        lines += _witness_text(ev["witness"])
    lines += render_evidence(ev)
    if rec.get("strict"):
        lines.append(f"  strict: {rec['strict']['verdict']} ({rec['strict']['reason']})")
    for also in rec.get("also", []):
        lines.append(f"  also: {also['relation']} when {' and '.join(also['conditions'])}")
    if rec.get("not_included"):
        lines.append(f"  {rec['not_included']['claim']}: {rec['not_included']['reason']}")
    if rec.get("approximation"):
        ap = rec["approximation"]
        lines.append(f"  approximation ({ap['claim']}, not an identity): {ap['reason']} [{ap['source']}]")
    if rec["counterexample"]:
        lines.append("  " + _counterexample_text(rec["counterexample"]))
    return "\n".join(lines)


def _witness_text(witness: dict) -> list[str]:
    lines = []
    for key in ("forward", "backward"):
        d = witness[key]
        if d["holds"] or d["witness"]:
            state = "holds" if d["holds"] else "not shown"
            lines.append(f"  witness {d['claim']} ({state}):")
            for w in d["witness"]:
                when = f" when {' and '.join(w['conditions'])}" if w["conditions"] else ""
                lines.append(f"    {w['param']} := {w['value']}   [{w['rule']}]{when}")
            if not d["witness"]:
                lines.append("    (no parameters to choose)")
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    from .relate import check

    if args.seeds < 1:
        raise UsageError(expected("--seeds of at least 1", str(args.seeds)))
    a, b = resolve_ref(args.a, args), resolve_ref(args.b, args)
    if args.examples < 0 or args.bound < 1:
        raise UsageError(expected("--examples of at least 0 and --bound of at least 1",
                                  f"{args.examples} and {args.bound}"))
    if args.seed < 0:
        raise UsageError(expected("--seed of at least 0", str(args.seed)))
    rec = check(a, b, budget=_budget(args), seeds=args.seeds, sizes=parse_sizes(args.size),
                examples=args.examples, seed=args.seed, bound=args.bound)
    if args.json:
        _emit_json(rec)
    else:
        print(render_check(rec))
    return EXIT_OK


def render_classify(rec: dict) -> str:
    lines = [f"{rec['name']}: compared with {rec['compared']} variants of the same type"]
    for key, label in (("equivalent", "≡ equivalent"), ("reparam_equivalent", "≅ reparam-equivalent"),
                       ("specializes", "⊑ specializes (nearest)"), ("generalizes", "⊒ generalizes (nearest)"),
                       ("approximated_by", "⊑≈ approximated by (cited theorem, not an identity)"),
                       ("unknown", "? unknown")):
        names = rec[key]
        lines.append(f"  {label}: {', '.join(names) if names else '—'}")
        for n in names if key != "unknown" else ():
            ev = rec["evidence"].get(n, {})
            extra = ""
            if ev.get("strict"):
                extra = f" strict: {ev['strict']['verdict']}"
            if ev.get("conditions"):
                extra += f" when {'; '.join(ev['conditions'])}"
            why = ev["approximation"]["source"] if key == "approximated_by" else ev.get("reason", "")
            lines.append(f"    {n}:{extra} {why}")
    return "\n".join(lines)


def cmd_classify(args: argparse.Namespace) -> int:
    from .relate import classify

    if args.seeds < 1 or args.examples < 0 or args.bound < 1 or args.seed < 0:
        raise UsageError(expected("--seeds and --bound of at least 1, --examples and --seed of at least 0",
                                  f"--seeds {args.seeds}, --bound {args.bound}, --examples {args.examples}, "
                                  f"--seed {args.seed}"))
    v = resolve_ref(args.ref, args)
    rec = classify(v, catalogue_variants(), budget=_budget(args), seeds=args.seeds, examples=args.examples,
                   seed=args.seed, bound=args.bound)
    if args.json:
        _emit_json(rec)
    else:
        print(render_classify(rec))
    return EXIT_OK


def _progress(enabled: bool):
    """A progress line on stderr (a terminal only), or nothing."""
    if not enabled:
        return None
    last = {"stage": None}

    def tick(stage: str, done: int, total: int) -> None:
        end = "\n" if done + 1 >= total else ""
        if stage != last["stage"] or done % max(1, total // 50) == 0 or end:
            bar = "#" * int(30 * (done + 1) / max(total, 1))
            print(f"\r{stage:<14} [{bar:<30}] {done + 1}/{total}", end=end, file=sys.stderr, flush=True)
            last["stage"] = stage
    return tick


def cmd_report(args: argparse.Namespace) -> int:
    from .reports import write_report
    from .taxonomy.build import build_taxonomy
    from .taxonomy.explore import CORE, explore

    progress = _progress(sys.stderr.isatty() and not args.quiet)
    start = time.perf_counter()
    record = build_taxonomy(derivations=not args.no_derivations, progress=progress)
    if args.explore:
        found = explore(restrict=CORE, progress=progress)
        record["exploration"] = {k: v for k, v in found.items() if k != "class_list"}
    paths = write_report(record, args.out)
    rel = {}
    for r in record["relations"]:
        rel[r["relation"]] = rel.get(r["relation"], 0) + 1
    print(f"{record['run']['variants']} variants, {len(record['classes'])} ≡ classes, "
          f"{len(record['reparam_classes'])} ≅ classes, relations {dict(sorted(rel.items()))}, "
          f"{len(record['approximations'])} ⊑≈, {len(record['derivations'])} derivations, "
          f"{time.perf_counter() - start:.1f} s")
    for path in paths:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_explore(args: argparse.Namespace) -> int:
    from .taxonomy.explore import FULL_REPARAM_PAIRS, SPACES, explore

    if args.workers < 1:
        raise UsageError(expected("a positive integer for --workers", repr(args.workers)), hint="e.g. --workers 2")
    if args.reparam_pairs is not None and args.reparam_pairs < 0:
        raise UsageError(expected("a non-negative integer for --reparam-pairs", repr(args.reparam_pairs)))
    if args.full and args.space != "core":
        raise UsageError("--full and --space name two spaces", hint="pass one of them")
    pairs = args.reparam_pairs if args.reparam_pairs is not None else FULL_REPARAM_PAIRS if args.full else None
    found = explore(restrict=None if args.full else SPACES[args.space], reparam_pairs=pairs, workers=args.workers,
                    progress=_progress(sys.stderr.isatty()))
    if args.json:
        _emit_json(found)
        return EXIT_OK
    print(render_explore(found))
    return EXIT_OK


def render_explore(found: dict) -> str:
    """The text summary of an explore record."""
    by = ", ".join(f"{c} {n}" for c, n in found["ill_typed_by"].items())
    rp = found["reparam_pairs"]
    lines = [f"space: {found['size']} points ({' x '.join(str(len(v)) for v in found['space'].values())}); "
             f"{found['points']} well-typed, {found['ill_typed']} ill-typed (rejected by: {by or '—'})",
             f"terms: {found['distinct_terms']} distinct ({found['same_term']} points build another point's term)",
             f"fingerprints: {found['fingerprint_groups']} groups ({found['non_finite']} distinct terms with "
             f"non-finite values, {found['unevaluated']} not evaluated)",
             f"classes: {found['classes']} ≡ (e-graph joins within fingerprint groups; {found['unjoined']} more than "
             f"the groups: numerically equal, not joined within the budget), {found['reparam_classes']} ≅",
             f"≅ pairs: {rp['comparable']} comparable, {rp['profile_differs']} with different family profiles "
             f"(not ≅ by a numeric necessary condition), {rp['same_profile']} with the same "
             f"({rp['numerically_equal']} numerically equal, left to ≡), {rp['tried']} tried by the witness "
             f"search ({rp['not_tried']} not tried), {rp['passed_screen']} passed its screen, {rp['merged']} merged",
             f"literature variants found: {', '.join(found['literature']) or '—'}",
             f"new classes: {len(found['new'])}"]
    for name, sub in found["subspaces"].items():
        lines.append(f"subspace {name}: {sub['points']} of {sub['size']} points well-typed, {sub['classes']} ≡ and "
                     f"{sub['reparam_classes']} ≅ classes, literature: {', '.join(sub['literature']) or '—'}")
    stages = "; ".join(f"{k} {v['seconds']} s {v['peak_mb']} MiB" for k, v in found["stages"].items())
    lines += [f"stages: {stages}", f"time {found['seconds']} s, peak memory {found['peak_mb']} MiB"]
    return "\n".join(lines)


def cmd_classes(args: argparse.Namespace) -> int:
    from .relate import classes

    variants = [resolve_ref(r) for r in args.refs] if args.refs else load_examples()
    names = [v.name for v in variants]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UsageError(f"variant {dup[0]!r} is given twice", hint="pass each variant once")
    rec = classes(variants, budget=_budget(args))
    if args.json:
        _emit_json(rec)
    else:
        print(f"{rec['variants']} variants in {len(rec['classes'])} classes ({_run_text(rec['run'])})")
        for group in rec["classes"]:
            print(f"  {{{', '.join(group)}}}")
    return EXIT_OK


def cmd_optimize(args: argparse.Namespace) -> int:
    from .relate import optimize

    rec = optimize(resolve_ref(args.ref), sizes=parse_sizes(args.size), budget=_budget(args))
    if args.json:
        _emit_json(rec)
        return EXIT_OK
    sizes = ", ".join(f"{k}={v}" for k, v in rec["sizes"].items())
    print(f"{rec['name']} at {sizes}")
    print(f"  before: {rec['before']['text']}")
    print(f"  after:  {rec['after']['text']}  ({rec['speedup']}x fewer)")
    print(f"  e-graph: {_run_text(rec['run'])}")
    num = rec["numeric"]
    print(f"  numeric (float64): {num['verdict']} with the original on {num['cases']} cases")
    print("cheapest form:")
    for let in rec["term"]["lets"]:
        print(f"  let {let['name']}[{', '.join(let['axes'])}] = {let['term']}")
    print(f"  out = {rec['term']['term']}")
    return EXIT_OK


def cmd_rules_verify(args: argparse.Namespace) -> int:
    from .rules import FAMILIES, RULES, rule_named
    from .verify.rules import verify_rules

    if args.examples < 0 or args.bound < 1 or args.seeds < 1 or args.seed < 0:
        raise UsageError(expected("--examples >= 0, --bound >= 1, --seeds >= 1 and --seed >= 0",
                                  f"{args.examples}, {args.bound}, {args.seeds} and {args.seed}"))
    for fam in args.family:
        if fam not in FAMILIES:
            raise UsageError(f"unknown rule family {fam!r}", hint=did_you_mean(fam, FAMILIES))
    if args.rule and args.family:
        raise UsageError("pass --rule or --family, not both", hint="--rule names rules; --family selects whole families")
    rules = [rule_named(n) for n in args.rule] if args.rule else \
        [r for r in RULES if not args.family or r.family in args.family]
    rec = verify_rules(rules, bound=args.bound, examples=args.examples, seeds=args.seeds, seed=args.seed)
    if args.json:
        _emit_json(rec)
    else:
        for r in rec["rules"]:
            print(f"{r['name']} ({r['family']}, {r['site']}): {r['verdict']}")
            print(f"  {r['rule']}")
            if r["verdict"] != "proved" or r["conditions"]:
                print(f"  {r['reason']}")
            print("\n".join(render_evidence(r)))
        counts = ", ".join(f"{n} {v}" for v, n in rec["counts"].items() if n)
        print(f"{len(rec['rules'])} rules: {counts}")
    bad = rec["counts"]["refuted"] + rec["counts"]["conflict"]
    return EXIT_FAILED if bad else EXIT_OK


def _budget_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--iterations", type=int, default=8, help="e-graph iteration budget (default 8)")
    s.add_argument("--seconds", type=float, default=30.0, help="e-graph time budget in seconds (default 30)")
    s.add_argument("--nodes", type=int, default=150_000, help="e-graph e-node budget (default 150000)")
    s.add_argument("--json", action="store_true", help="print JSON (schema: docs/reference/cli.md)")


def cmd_list(args: argparse.Namespace) -> int:
    from .taxonomy.catalogue import load_catalogue

    rows = [{"name": v.name, "title": v.title, "source": "example"} for v in load_examples()]
    shadowed = {r["name"] for r in rows}
    rows += [{"name": e.variant.name, "title": e.variant.title, "source": "catalogue"} for e in load_catalogue()
             if e.variant.name not in shadowed]
    rows.sort(key=lambda r: r["name"])
    if args.json:
        _emit_json(rows)
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            print(f"{r['name']:<{width}}  {r['title']}")
    return EXIT_OK


def _emit_json(obj: object) -> None:
    print(json.dumps(obj, indent=2, sort_keys=False, allow_nan=False))


# -- entry point ----------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2, how to fix
        self.print_usage(sys.stderr)
        print(f"error: {message}\n  hint: run `{self.prog} --help` for the options", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="anatomy", description="Term rewriting and verification for attention mechanisms.")
    p.add_argument("--version", action="version", version=f"anatomy {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("list", help="list the built-in example variants")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(fn=cmd_list)

    s = sub.add_parser("show", help="print a variant's definition, normal form and type")
    s.add_argument("refs", nargs="*", metavar="REF", help="a .attn file, a built-in name or file.py:NAME (default: all examples)")
    s.add_argument("--json", action="store_true", help="print JSON (schema: docs/reference/cli.md)")
    _ingest_options(s)
    s.set_defaults(fn=cmd_show)

    s = sub.add_parser("eval", help="evaluate a variant on random inputs")
    s.add_argument("ref", metavar="REF", help="a .attn file, a built-in name or file.py:NAME")
    s.add_argument("--size", action="append", default=[], metavar="NAME=N",
                   help="bind a size symbol (repeatable, or comma-separated); others get small defaults")
    s.add_argument("--seed", type=int, default=0, help="seed for the random inputs (default 0)")
    s.add_argument("--backend", default="numpy", help="numpy (float64 reference, default) or torch")
    s.add_argument("--dtype", default=None, help="float dtype for torch (float64, float32, bfloat16…)")
    s.add_argument("--json", action="store_true", help="print JSON (schema: docs/reference/cli.md)")
    _ingest_options(s)
    s.set_defaults(fn=cmd_eval)

    s = sub.add_parser("check", help="how two variants relate (≡, ≅, ⊑): e-graph rules, witnesses, z3, float64 and finite-field evidence")
    s.add_argument("a", metavar="A", help="a .attn file, a built-in name or file.py:NAME")
    s.add_argument("b", metavar="B", help="a .attn file, a built-in name or file.py:NAME")
    s.add_argument("--size", action="append", default=[], metavar="NAME=N",
                   help="fix a size symbol in the random test (repeatable)")
    s.add_argument("--seeds", type=int, default=3, help="random inputs per size assignment (default 3)")
    s.add_argument("--examples", type=int, default=20, help="hypothesis-drawn float64 cases (default 20)")
    s.add_argument("--bound", type=int, default=2, help="z3 checks every size from 1 to this (default 2)")
    s.add_argument("--seed", type=int, default=0, help="seed of the hypothesis and finite-field draws (default 0)")
    _budget_options(s)
    _ingest_options(s)
    s.set_defaults(fn=cmd_check)

    s = sub.add_parser("classify", help="where a variant sits among the built-in ones: ≡, ≅, ⊑, ⊒ and ⊑≈, with evidence")
    s.add_argument("ref", metavar="REF", help="a .attn file, a built-in name or file.py:NAME")
    s.add_argument("--seeds", type=int, default=2, help="random inputs per size assignment (default 2)")
    s.add_argument("--examples", type=int, default=0, help="hypothesis-drawn float64 cases per relation (default 0)")
    s.add_argument("--bound", type=int, default=2, help="z3 checks every size from 1 to this (default 2)")
    s.add_argument("--seed", type=int, default=0, help="seed of the hypothesis and finite-field draws (default 0)")
    _budget_options(s)
    _ingest_options(s)
    s.set_defaults(fn=cmd_classify)

    s = sub.add_parser("report", help="the taxonomy of the built-in catalogue: report.md, index.html, taxonomy.json")
    s.add_argument("--out", default="anatomy-report", help="the folder to write (default: anatomy-report)")
    s.add_argument("--explore", action="store_true", help="include the recombination of the core component space")
    s.add_argument("--no-derivations", action="store_true", help="leave out the seed paper's derivations")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_report)

    s = sub.add_parser("explore", help="recombine the components: every well-typed point, classified")
    s.add_argument("--full", action="store_true", help="the full product of every option (millions of points)")
    s.add_argument("--space", choices=("core", "paper"), default="core",
                   help="a named subspace, without --full (default: core)")
    s.add_argument("--reparam-pairs", type=int, default=None, metavar="N",
                   help="the most pairs the ≅ witness search tries (default: all; with --full: 4000)")
    s.add_argument("--workers", type=int, default=1, help="processes for fingerprints and ≅ (default 1)")
    s.add_argument("--json", action="store_true", help="print JSON (schema: docs/reference/cli.md)")
    s.set_defaults(fn=cmd_explore)

    s = sub.add_parser("rules", help="the rule tables: `anatomy rules verify`")
    rsub = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    r = rsub.add_parser("verify", help="verify every rule with z3, float64 and finite-field oracles")
    r.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    r.add_argument("--rule", action="append", default=[], help="only this rule (repeatable)")
    r.add_argument("--bound", type=int, default=3, help="z3 checks every size from 1 to this (default 3)")
    r.add_argument("--examples", type=int, default=20, help="hypothesis-drawn float64 cases per rule (default 20)")
    r.add_argument("--seeds", type=int, default=3, help="random float64 inputs per fixed size assignment (default 3)")
    r.add_argument("--seed", type=int, default=0, help="seed of the hypothesis and finite-field draws (default 0)")
    r.add_argument("--json", action="store_true", help="print JSON (schema: docs/reference/cli.md)")
    r.set_defaults(fn=cmd_rules_verify)

    s = sub.add_parser("classes", help="partition variants into equivalence classes")
    s.add_argument("refs", nargs="*", metavar="REF", help="a .attn file, a built-in name or file.py:NAME (default: all examples)")
    _budget_options(s)
    s.set_defaults(fn=cmd_classes)

    s = sub.add_parser("optimize", help="the cheapest equivalent form of a variant, with its cost")
    s.add_argument("ref", metavar="REF", help="a .attn file, a built-in name or file.py:NAME")
    s.add_argument("--size", action="append", default=[], metavar="NAME=N",
                   help="sizes for the cost model (default: 4096 for n, m, …; 64 for the rest)")
    _budget_options(s)
    s.set_defaults(fn=cmd_optimize)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except OracleConflict as err:  # a bug in anatomy, reported as a failed check
        print(err.render(docs=False), file=sys.stderr)
        return EXIT_FAILED
    except AnatomyError as err:
        print(err.render(docs=True), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `anatomy show --json | head`: the reader left; not an error
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
