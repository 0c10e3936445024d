"""Shape ops: views, permutations, broadcasting, selection, slicing, splitting and joining.

Named axes make permutations free (only ``dims`` change). ``view``/``reshape`` become
``merge`` and ``split`` of the axes they regroup; ``x[k]`` along an axis ``a`` is
``sum_a(where(a == k, x, 0))``; a slice that is a whole block of an axis (``chunk``,
``split``, a fused projection's thirds, a head's columns) is a ``split`` of the axis into
(blocks, width) followed by a selection of one block. A dimension that a term depends on
only through its positions (a ``tril`` mask, an ``arange``) can be sliced anywhere: its
positions are shifted and its size changed.

Example:
    >>> from anatomy.ir.term import Input
    >>> from anatomy.runtime.ingest._value import Namer, leaf_value
    >>> namer = Namer()
    >>> x = leaf_value(Input, "x", (4, 6), namer, roles=("token", "feature"))
    >>> str(block(None, x, 1, 3, 3, namer).term)
    'sum_r(where(r == 1, split_{d->r, e}(x[i, d]), 0))'
"""

from __future__ import annotations

import math

from ...ir.ops import BinaryOp, Dtype
from ...ir.term import (Axis, Binary, Const, Dim, Index, Merge, Normalize, Reduce, ReduceOp, Softmax, Split, Term, Unary,
                        Where)
from ...ir.traverse import postorder, rewrite_bottom_up
from ._elementwise import as_value, binary_term, to_real
from ._value import Value, align, materialise, positions

# -- picking and re-indexing ----------------------------------------------------------

_POINTWISE = (Index, Unary, Binary, Where, Reduce, Softmax, Normalize, Const)


def position_only(term: Term, axis: str) -> bool:
    """``term`` depends on ``axis`` only through its positions (``Index`` leaves)."""
    if axis in term.bound:
        return False
    return all(isinstance(n, _POINTWISE) for n in postorder(term) if axis in n.axes)


def reindex(term: Term, axis: Axis, new: Term) -> Term:
    """``term`` with each position ``Index(axis)`` replaced by ``new``."""
    old = Index(axis)
    return rewrite_bottom_up(term, lambda n: new if n is old else n)


def pick(term: Term, axis: Axis, k: int | Term) -> Term:
    """The slice of ``term`` at position ``k`` of ``axis``: ``sum_a(where(a == k, x, 0))``.

    (Always this form, even for a mask, so that a loop over ``k`` can be rolled back up.)
    """
    if term.type.dtype is Dtype.BOOL:
        real = Where(term, Const(1.0), Const(0.0))
        return binary_term(BinaryOp.NE, pick(real, axis, k), Const(0.0))
    cond = Binary(BinaryOp.EQ, Index(axis), Const(float(k)) if isinstance(k, int) else k)
    return Reduce(ReduceOp.SUM, Where(cond, term, Const(0.0)), axis.name)


def _drop(v: Value, p: int, term: Term) -> Value:
    return Value(term, v.dims[:p] + v.dims[p + 1:], v.shape[:p] + v.shape[p + 1:], v.const)


def select(cx, x, dim, index) -> Value:
    x = as_value(x)
    p = dim % x.rank
    if x.dims[p] is None:
        return _drop(x, p, x.term)
    # x[-k] counts from the end: its position is size - k, whatever the size
    k = index if index >= 0 else Binary(BinaryOp.SUB, Dim(x.shape[p]), Const(float(-index)))
    return _drop(x, p, pick(x.term, x.axis(p), k))


def block(cx, x: Value, p: int, start: int, width: int, namer, *, literal: str = "count") -> Value:
    """Positions ``start .. start+width-1`` of dimension ``p``, where that is a whole block.

    ``literal`` says which number the code wrote: the ``"count"`` of blocks (``chunk(3)``) or
    their ``"width"`` (``x[s:s+2]``, ``split(2)``); that one is read as a literal, the other as
    a size, unless the check at a second size assignment says otherwise.
    """
    size = x.shape[p]
    if start == 0 and width == size:
        return x
    shape = x.shape[:p] + (width,) + x.shape[p + 1:]
    if x.dims[p] is None:
        return Value(x.term, x.dims, shape, x.const)
    if width == 1:
        v = _drop(x, p, pick(x.term, x.axis(p), start))
        return Value(v.term, v.dims[:p] + (None,) + v.dims[p:], shape, v.const)
    a = x.axis(p)
    role = namer.role_of.get(a.name, "other")
    taken = set(x.term.env)
    if position_only(x.term, a.name):
        new = namer.fresh(width, taken=taken, role=role)
        offset = Index(Axis(new, width)) + start if start else Index(Axis(new, width))
        dims = x.dims[:p] + (new,) + x.dims[p + 1:]
        return Value(reindex(x.term, a, offset), dims, shape)
    if size % width or start % width:
        raise cx.fail(f"a slice of {width} positions from {start} of a dimension of size {size} is not one of "
                      "equal blocks", hint="slice whole blocks (chunk, split, or x[..., k*w:(k+1)*w])")
    r = namer.fresh(size // width, taken=taken, role="block", written=literal == "count")
    c = namer.fresh(width, taken=taken | {r}, role=role, written=literal == "width")
    term = pick(Split(x.term, a.name, (Axis(r, size // width), Axis(c, width))), Axis(r, size // width), start // width)
    return Value(term, x.dims[:p] + (c,) + x.dims[p + 1:], shape)


def slice_(cx, x, dim=0, start=None, end=None, step=1) -> Value:
    x = as_value(x)
    p = dim % x.rank
    lo, hi, stride = slice(start, end, step).indices(x.shape[p])
    if stride != 1:
        raise cx.fail(f"a slice with step {step} has no term", hint="slice with step 1")
    return block(cx, x, p, lo, max(0, hi - lo), cx.namer, literal=_written(hi - lo, cx.namer))


def narrow(cx, x, dim, start, length) -> Value:
    x = as_value(x)
    return block(cx, x, dim % x.rank, start % x.shape[dim % x.rank], length, cx.namer,
                 literal=_written(length, cx.namer))


def chunk(cx, x, chunks, dim=0) -> list[Value]:
    x = as_value(x)
    p = dim % x.rank
    width = math.ceil(x.shape[p] / chunks)
    return [block(cx, x, p, s, min(width, x.shape[p] - s), cx.namer) for s in range(0, x.shape[p], width)]


def split(cx, x, split_size, dim=0) -> list[Value]:
    x = as_value(x)
    p = dim % x.rank
    if isinstance(split_size, int):
        sizes = [min(split_size, x.shape[p] - s) for s in range(0, x.shape[p], split_size)]
    else:
        sizes = list(split_size)
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    literal = "count" if not isinstance(split_size, int) else _written(split_size, cx.namer)
    return [block(cx, x, p, s, w, cx.namer, literal=literal) for s, w in zip(starts, sizes)]


def _written(width: int, namer) -> str:
    """A slice width that is an argument's or parameter's size follows it; another is written."""
    return "count" if width in namer.atoms else "width"


def unbind(cx, x, dim=0) -> list[Value]:
    x = as_value(x)
    return [select(cx, x, dim, k) for k in range(x.shape[dim % x.rank])]


# -- permutations and broadcasting ----------------------------------------------------


def permute(cx, x, dims) -> Value:
    x = as_value(x)
    return x.permuted([d % x.rank for d in dims])


def transpose(cx, x, dim0=-2, dim1=-1) -> Value:
    x = as_value(x)
    order = list(range(x.rank))
    a, b = dim0 % x.rank, dim1 % x.rank
    order[a], order[b] = order[b], order[a]
    return x.permuted(order)


def t(cx, x) -> Value:
    x = as_value(x)
    return transpose(cx, x, 0, 1) if x.rank == 2 else x


def numpy_t(cx, x) -> Value:
    x = as_value(x)
    return x.permuted(list(reversed(range(x.rank))))


def movedim(cx, x, source, destination) -> Value:
    x = as_value(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    order = [None] * x.rank
    for s, d in zip(src, dst):
        order[d % x.rank] = s % x.rank
    rest = iter(p for p in range(x.rank) if p not in {s % x.rank for s in src})
    return x.permuted([o if o is not None else next(rest) for o in order])


def unsqueeze(cx, x, dim) -> Value:
    x = as_value(x)
    p = dim % (x.rank + 1)
    return Value(x.term, x.dims[:p] + (None,) + x.dims[p:], x.shape[:p] + (1,) + x.shape[p:], x.const)


def squeeze(cx, x, dim=None) -> Value:
    x = as_value(x)
    drop = [p for p in positions(dim, x.rank) if x.shape[p] == 1] if x.rank else []
    keep = [p for p in range(x.rank) if p not in drop]
    return Value(x.term, tuple(x.dims[p] for p in keep), tuple(x.shape[p] for p in keep), x.const)


def expand(cx, x, *args, **kwargs) -> Value:
    """``expand``/``expand_as``/``broadcast_to``: size-1 dimensions grow, the term does not change."""
    x = as_value(x)
    shape = tuple(cx.out_shape)
    extra = len(shape) - x.rank
    return Value(x.term, (None,) * extra + x.dims, shape, x.const)


# -- regrouping -----------------------------------------------------------------------


def reshape(cx, x, *args, **kwargs) -> Value:
    """``view``/``reshape``/``flatten``/``unflatten``: merge and split the regrouped axes."""
    return reshape_to(cx, as_value(x), tuple(cx.out_shape), cx.namer)


def _groups(old: list[int], new: list[int]):
    i = j = 0
    while i < len(old) or j < len(new):
        gi, gj = [old[i]] if i < len(old) else [], [new[j]] if j < len(new) else []
        i, j = i + len(gi), j + len(gj)
        while math.prod(gi) != math.prod(gj):
            if math.prod(gi) < math.prod(gj):
                gi.append(old[i])
                i += 1
            else:
                gj.append(new[j])
                j += 1
        yield gi, gj


def reshape_to(cx, x: Value, shape: tuple[int, ...], namer) -> Value:
    core_old = [p for p in range(x.rank) if x.shape[p] != 1]
    core_new = [q for q in range(len(shape)) if shape[q] != 1]
    dims: list[str | None] = [None] * len(shape)
    term = x.term
    it_old, it_new = iter(core_old), iter(core_new)
    for g_old, g_new in _groups([x.shape[p] for p in core_old], [shape[q] for q in core_new]):
        ps, qs = [next(it_old) for _ in g_old], [next(it_new) for _ in g_new]
        names = [x.dims[p] for p in ps]
        if all(n is None for n in names):
            continue
        if len(ps) == 1 and len(qs) == 1:
            dims[qs[0]] = names[0]
            continue
        v = Value(term, x.dims, x.shape)
        for p in ps:
            v = materialise(v, p, namer)
        term, x = v.term, Value(v.term, v.dims, x.shape)
        names = [x.dims[p] for p in ps]
        term, merged = _merge(term, names, namer)
        term, parts = _split(term, merged, [shape[q] for q in qs], namer)
        for q, name in zip(qs, parts):
            dims[q] = name
    return Value(term, tuple(dims), shape)


def _merge(term: Term, names, namer) -> tuple[Term, str]:
    if len(names) == 1:
        return term, names[0]
    roles = [namer.role_of.get(n, "other") for n in names]
    role = "token" if "token" in roles else ("feature" if {"feature", "head"} & set(roles) else roles[-1])
    size = math.prod(term.env[n].constant for n in names)
    out = namer.fresh(size, taken=set(term.env), role=role)
    return Merge(term, tuple(names), out), out


def _split(term: Term, name: str, sizes: list[int], namer) -> tuple[Term, list[str]]:
    if len(sizes) == 1:
        return term, [name]
    source = namer.role_of.get(name, "other")
    roles = {"feature": ("head", "feature")}.get(source, ("other", source))
    taken = set(term.env)
    parts = []
    for k, size in enumerate(sizes):
        part = namer.fresh(size, taken=taken, role=roles[0] if k < len(sizes) - 1 else roles[1])
        taken.add(part)
        parts.append(part)
    return Split(term, name, tuple(Axis(n, s) for n, s in zip(parts, sizes))), parts


def repeat_interleave(cx, x, repeats, dim=None, *args, **kwargs) -> Value:
    """Each position repeated ``repeats`` times in a row (GQA's shared key heads)."""
    x = as_value(x)
    if not isinstance(repeats, int) or dim is None:
        raise cx.fail("repeat_interleave is supported with an integer count and a dim",
                      hint="write x.repeat_interleave(r, dim=d)")
    return _tile(cx, x, dim % x.rank, repeats, after=True)


def repeat(cx, x, sizes) -> Value:
    """``x.repeat(…)``: the tensor tiled along each dimension."""
    x = as_value(x)
    extra = len(sizes) - x.rank
    x = Value(x.term, (None,) * extra + x.dims, (1,) * extra + x.shape, x.const)
    for p, f in enumerate(sizes):
        if f != 1:
            x = _tile(cx, x, p, f, after=False)
    return x


def _tile(cx, x: Value, p: int, f: int, *, after: bool) -> Value:
    shape = x.shape[:p] + (x.shape[p] * f,) + x.shape[p + 1:]
    if x.dims[p] is None or f == 1:
        return Value(x.term, x.dims, shape, x.const)
    at = p + 1 if after else p
    v = Value(x.term, x.dims[:at] + (None,) + x.dims[at:], x.shape[:at] + (f,) + x.shape[at:])
    v = materialise(v, at, cx.namer)
    pair = [v.dims[p], v.dims[p + 1]]
    term, merged = _merge(v.term, pair, cx.namer)
    dims = x.dims[:p] + (merged,) + x.dims[p + 1:]
    return Value(term, dims, shape)


# -- joining --------------------------------------------------------------------------


def cat(cx, tensors, dim=0) -> Value:
    from ._roll import roll_concat

    vals = [as_value(v) for v in tensors if not (isinstance(v, Value) and 0 in v.shape)]
    if len(vals) == 1:
        return vals[0]
    p = dim % vals[0].rank
    rolled = roll_concat(cx, vals, p)
    return rolled if rolled is not None else concat(cx, vals, p)


def concat(cx, vals: list[Value], p: int) -> Value:
    from ...ir.term import Concat

    if any(v.dtype is Dtype.REAL for v in vals):
        vals = [to_real(v) for v in vals]
    vals = [materialise(v, p, cx.namer) if v.shape[p] > 1 else v for v in vals]
    widths = {v.shape[p] for v in vals if v.dims[p] is not None}
    if len(widths) > 1:
        raise cx.fail(f"concatenating pieces of different lengths {sorted(widths)} along one axis has no term",
                      hint="concatenate pieces of equal length (or single positions)")
    named = next((v.dims[p] for v in vals if v.dims[p] is not None), None)
    if named is not None:
        vals = [v if v.dims[p] is None else _renamed_at(v, p, named, cx.namer) for v in vals]
    terms, dims, _ = align(vals, cx.namer)
    total = sum(v.shape[p] for v in vals)
    role = cx.namer.role_of.get(named, "block") if named else "block"
    out = cx.namer.fresh(total, taken=set().union(*(t.env for t in terms)), role=role)
    axis = dims[p] if dims[p] is not None else _unused(terms, out)
    shape = list(vals[0].shape)
    shape[p] = total
    return Value(Concat(tuple(terms), axis, out), dims[:p] + (out,) + dims[p + 1:], tuple(shape))


def _renamed_at(v: Value, p: int, name: str, namer) -> Value:
    from ._value import rename_value

    if v.dims[p] == name:
        return v
    clash = {d: namer.fresh(v.shape[k], taken=set(v.term.env) | {name})
             for k, d in enumerate(v.dims) if d == name}
    return rename_value(v, {**clash, v.dims[p]: name}, namer)


def _unused(terms, out: str) -> str:
    from ._rename import unused

    return unused(out, set().union(*(t.env for t in terms)) | {out})


def stack(cx, tensors, dim=0) -> Value:
    from ._roll import roll_stack

    vals = [as_value(v) for v in tensors]
    p = dim % (vals[0].rank + 1)
    rolled = roll_stack(cx, vals, p)
    if rolled is not None:
        return rolled
    if len(vals) == 1:
        return unsqueeze(cx, vals[0], p)
    return concat(cx, [unsqueeze(cx, v, p) for v in vals], p)
