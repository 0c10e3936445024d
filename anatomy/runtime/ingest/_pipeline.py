"""From a resolved target to a checked :class:`~anatomy.ir.variant.Variant`.

The steps: choose example shapes (:func:`plan`), trace, translate the graph with integer
sizes, give the output axes their usual names, then try the readings of
:class:`~._sizes.Symbolizer` until one reproduces the code in float64 at the traced sizes
and at a second assignment of every size that the arguments control
(:func:`~._compare.reproduces`). A term that reproduces the code at neither is an
:class:`~anatomy.errors.IngestError`.

Example:
    >>> kebab("MultiHeadAttention"), kebab("sdpa_causal"), kebab("GQAttention2")
    ('multi-head-attention', 'sdpa-causal', 'gq-attention2')
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import torch

from ...errors import IngestError, ReferenceError_
from ...ir.syntax.parser import KEYWORDS, RESERVED
from ...ir.ops import FUNCTION_NAMES
from ...ir.term import Input, Param
from ...ir.traverse import size_symbols
from ...ir.variant import Variant
from ...messages import did_you_mean
from ._compare import reproduces
from ._constants import recognise
from ._rename import rename
from ._roll import roll_final
from ._sizes import Inconsistent, Symbolizer
from ._source import DOC, Target, argument_roles
from ._trace import trace
from ._translate import Context, translate
from ._value import Namer, Value, leaf_value, materialise

TOKENS, FEATURES = 6, 8
_FORMS = ("sum_", "max_", "softmax_", "normalize_", "rename_", "concat_", "split_", "merge_", "scan_")


@dataclasses.dataclass
class Plan:
    """Example shapes per tensor argument, with the role of each dimension."""

    shapes: dict[str, tuple[int, ...]]
    roles: dict[str, tuple[str, ...]]


def plan(target: Target, shapes: Mapping[str, tuple[int, ...]] | None, *, features: int = FEATURES) -> Plan:
    """The given shapes, and 2-D (tokens × features) ones for the other arguments."""
    given = dict(shapes or {})
    for key, shape in given.items():
        if key not in target.arguments:
            raise ReferenceError_(f"{target.name} has no tensor argument {key!r}",
                                  hint=did_you_mean(key, target.arguments), doc=DOC)
        if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) and s > 0 for s in shape):
            raise ReferenceError_(f"Expected a shape of positive integers for {key!r}, got {shape!r} instead.",
                                  hint=f"e.g. --shape {key}=2,6,8", doc=DOC)
    tokens = _tokens(target, features)
    out = {a: tuple(given.get(a, (tokens, features))) for a in target.arguments}
    return Plan(out, {a: argument_roles(len(s)) for a, s in out.items()})


def _feature_sizes(target: Target) -> list[int]:
    """Feature sizes to try for a module's arguments: the input sizes of its weights, in order."""
    found = [int(t.shape[-1]) for _, t in target.params if t.dim() >= 2] + [FEATURES]
    return list(dict.fromkeys(found))


def _tokens(target: Target, features: int) -> int:
    """A token count whose value names no other size: not a parameter size, nor a divisor of one."""
    if not target.module:
        return TOKENS
    dims = {int(s) for _, t in target.params for s in t.shape} | {features}
    taken = {k for s in dims for k in range(2, s + 1) if s % k == 0}
    longest = min((int(max(b.shape)) for _, b in target.buffers if b.dim() >= 1), default=None)
    options = [n for n in (10, 14, 6, 8, 7, 5, 9, 11) + tuple(range(12, 64)) if n not in taken]
    fitting = [n for n in options if longest is None or n <= longest]
    return (fitting or options)[0]


def kebab(name: str) -> str:
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text).replace("_", "-").lower()
    text = re.sub(r"[^a-z0-9-]+", "", re.sub(r"-+", "-", text)).strip("-")
    return text or "ingested"


def _tensor_name(raw: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", raw)
    if not name[:1].isalpha() or name in RESERVED or name in FUNCTION_NAMES or name in KEYWORDS or \
            name.startswith(_FORMS):
        name = "T_" + name.lstrip("_")
    while name in taken:
        name += "_"
    taken.add(name)
    return name


@dataclasses.dataclass(frozen=True)
class Ingested:
    """A checked variant and the two size assignments at which it reproduced the code.

    Parameters:
        variant: the variant.
        sizes: each size symbol's value in the traced example.
        second: the other assignment (the parameters' sizes kept, the rest one larger).
    """

    variant: Variant
    sizes: dict[str, int]
    second: dict[str, int]


def ingest(target: Target, shapes: Mapping[str, tuple[int, ...]] | None) -> Ingested:
    """The checked variant of ``target``, with the sizes it was checked at."""
    options = _feature_sizes(target) if target.module else [FEATURES]
    first_error = None
    for features in options:
        try:
            return _ingest(target, plan(target, shapes, features=features))
        except IngestError as err:
            if not err.message.startswith("tracing failed") or shapes:
                raise
            first_error = first_error or err
    raise first_error


def _ingest(target: Target, p: Plan) -> Ingested:
    taken: set[str] = set()
    param_names = [_tensor_name(n, taken) for n, _ in target.params]
    arg_names = [_tensor_name(a, taken) for a in target.arguments]
    namer = Namer(reserved=taken)
    examples = _random_args(p, p.shapes, seed=0)
    leaves: list = [leaf_value(Param, n, tuple(t.shape), namer, roles=("feature",) * t.dim())
                    for n, (_, t) in zip(param_names, target.params)]
    leaves += [_buffer_thunk(b, t, namer) for b, t in target.buffers]
    leaves += [leaf_value(Input, n, p.shapes[a], namer, roles=p.roles[a]) for n, a in zip(arg_names, target.arguments)]
    call = _flat_call(target)
    graph = trace(call, [t for _, t in target.params] + [t for _, t in target.buffers] + examples, file=target.file)
    value = translate(graph, leaves, Context(namer, target.file))
    term, out_axes = finish(value, namer)
    atoms = [(int(s), "model") for _, t in target.params for s in t.shape]
    atoms += [(s, r) for a in target.arguments for s, r in zip(p.shapes[a], p.roles[a])]
    fixed = {int(s) for _, t in target.params for s in t.shape}
    varying = {s for a in target.arguments for s in p.shapes[a]} - fixed
    sym = Symbolizer(term, atoms, roles=namer.role_of, written=namer.written, reserved=taken | set(namer.size_of),
                     varying=varying)
    param_leaves = dict(zip(param_names, (t for _, t in target.params)))

    def check(candidate, sizes, shapes, seed):
        args = examples if seed == 0 else _random_args(p, shapes, seed=seed)
        leaves = {**param_leaves, **dict(zip(arg_names, args))}
        return reproduces(target.call, args, leaves, candidate, out_axes, sizes)

    checked, first, second = _first_reading(sym, p, fixed, check)
    used = set(size_symbols(checked))
    first, second = ({k: v for k, v in d.items() if k in used} for d in (first, second))
    doc = target.doc.strip().splitlines()[0] if target.doc.strip() else ""
    shown = " and ".join(", ".join(f"{k}={v}" for k, v in d.items()) or "the traced sizes" for d in (first, second))
    variant = Variant.from_term(variant_name(target), checked, out_axes=out_axes, title=doc,
                                notes=(f"ingested from {target.file}:{target.name}; checked in float64 against "
                                       f"the code at {shown}",))
    order = {n: k for k, n in enumerate(param_names + arg_names)}
    variant = dataclasses.replace(variant, inputs=tuple(sorted(variant.inputs, key=lambda t: order[t.name])),
                                  params=tuple(sorted(variant.params, key=lambda t: order[t.name])))
    return Ingested(variant, first, second)


def variant_name(target: Target) -> str:
    """The file's name, and the object's where the file is not named after it (kebab case)."""
    stem, name = kebab(Path(target.file).stem), kebab(target.name)
    return stem if name in stem else f"{stem}-{name}"


def _random_args(p: Plan, shapes: Mapping[str, tuple[int, ...]], *, seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(shapes[a], generator=gen, dtype=torch.float64) for a in p.shapes]


def _buffer_thunk(name: str, tensor: torch.Tensor, namer):
    return lambda: recognise(tensor, f"buffer {name!r}", namer)


def _flat_call(target: Target):
    if not target.module:
        fn = target.call
        return lambda *args: fn(*args)  # make_fx wants every parameter, defaults included
    names = [n for n, _ in target.params] + [n for n, _ in target.buffers]

    def run(*flat):
        state = dict(zip(names, flat[:len(names)]))
        return torch.func.functional_call(target.call, state, tuple(flat[len(names):]))
    return run


def finish(value: Value, namer) -> tuple:
    """The output term with every dimension an axis, named i, j… (tokens) and e, f… (features),
    and a loop whose last state it reads rolled into a scan."""
    for p in range(value.rank):
        if value.dims[p] is None and value.shape[p] > 1:
            value = materialise(value, p, namer)
    out = [d for d in value.dims if d is not None]
    wanted = {"token": "ijklt", "feature": "efgcd", "head": "h", "batch": "ba"}
    mapping: dict[str, str] = {}
    chosen: set[str] = set()
    for name in out:
        size = value.term.env[name].constant
        for new in wanted.get(namer.role_of.get(name, "other"), ""):
            if new == name:
                break
            if new in chosen or new in out or new in namer.reserved or namer.size_of.get(new, size) != size \
                    or (new in namer.written) != (name in namer.written):
                continue
            mapping[name] = new
            namer.size_of[new] = size
            namer.role_of.setdefault(new, namer.role_of.get(name, "other"))
            break
        chosen.add(mapping.get(name, name))
    term = rename(value.term, mapping, namer)
    return roll_final(term, namer) or term, tuple(mapping.get(d, d) for d in out)


def _first_reading(sym: Symbolizer, p: Plan, fixed: set[int], check) -> tuple:
    """The first symbolic reading that reproduces the code at the traced and at other sizes."""
    failure = "no reading of the sizes is consistent"
    for term, values, sizes in _by_generality(sym, p):
        second = _second(values, sizes, fixed)
        problem = check(term, values, p.shapes, 0)
        if problem is not None:
            failure = problem
            continue
        problem = check(term, second, _shapes(p, sizes, second), 1)
        if problem is None:
            return term, values, second
        failure = problem
    raise IngestError(f"the code's structure depends on the sizes in a way the term cannot express: {failure}",
                      hint="loop counts, slices and reshapes must follow the argument sizes (or be fixed "
                           "numbers); see docs/reference/pytorch.md#sizes")


def _by_generality(sym: Symbolizer, p: Plan) -> list[tuple]:
    """The consistent readings, those that keep more argument sizes symbolic first (stable)."""
    built = []
    for reading in sym.choices():
        try:
            built.append(sym.build(reading))
        except Inconsistent:
            continue
    atoms = {(s, False) for shape in p.shapes.values() for s in shape if s > 1}

    def fixed_atoms(item) -> int:
        sizes = item[2]
        return sum(1 for k in atoms if sizes.get(k) is not None and sizes[k].constant is not None)
    return sorted(built, key=fixed_atoms)


def _second(values: dict[str, int], sizes, fixed: set[int]) -> dict[str, int]:
    """Every symbol one larger, except those of the parameters' sizes."""
    frozen = {s for v in fixed if (v, False) in sizes for s in sizes[v, False].symbols}
    return {k: v if k in frozen else v + 1 for k, v in values.items()}


def _shapes(p: Plan, sizes, bindings) -> dict[str, tuple[int, ...]]:
    return {a: tuple(1 if s == 1 else sizes[s, False].evaluate(bindings) for s in shape)
            for a, shape in p.shapes.items()}
