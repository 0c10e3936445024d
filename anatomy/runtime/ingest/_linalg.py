"""Products and attention: einsum (and every matrix product as one), linear layers, cdist,
``scaled_dot_product_attention``, and the position tensors masks are built from.

Every product is an einsum: the operands are lined up by letter, multiplied elementwise
(which names shared axes alike) and summed over the letters the output lacks, so ``q @ k.T``
becomes ``sum_d(q[i, d] * k[j, d])``. ``arange`` is a position (``Index``), and ``tril`` /
``triu`` compare the positions of the last two dimensions.

Example:
    >>> from anatomy.ir.term import Input
    >>> from anatomy.runtime.ingest._value import Namer, leaf_value
    >>> class Cx:
    ...     namer = Namer()
    >>> q = leaf_value(Input, "q", (4, 6), Cx.namer, roles=("token", "feature"))
    >>> str(einsum(Cx, "id,jd->ij", [q, q]).term)
    'sum_d(q[i, d] * q[j, d])'
"""

from __future__ import annotations

from ...ir.ops import BinaryOp, Dtype, UnaryOp
from ...ir.term import Axis, Binary, Const, Dim, Index, ReduceOp, Unary
from ._elementwise import NEG_INF, as_value, binary, compare, shifted, to_real, unary, where, where_term
from ._reduce import reduce_dims, softmax
from ._shape import permute, repeat_interleave, transpose, unsqueeze
from ._value import Value, constant, name_dim

_ELLIPSIS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def contract(cx, operands: list[tuple[Value, str]], out: str) -> Value:
    """The einsum ``a,b,…->out`` of the operands (each with its letters)."""
    letters: list[str] = []
    for _, spec in operands:
        letters.extend(c for c in spec if c not in letters)
    aligned = []
    for v, spec in operands:
        v = to_real(as_value(v))
        if len(spec) != v.rank or len(set(spec)) != len(spec):
            raise cx.fail(f"einsum operand with subscripts {spec!r} and {v.rank} dimensions is not supported",
                          hint="use one distinct letter per dimension")
        v = permute(cx, v, [spec.index(c) for c in letters if c in spec])
        have = [c for c in letters if c in spec]
        for k, c in enumerate(letters):
            if c not in have:
                v = unsqueeze(cx, v, k)
                have.insert(k, c)
        aligned.append(v)
    product = aligned[0]
    for v in aligned[1:]:
        product = binary(cx, BinaryOp.MUL, product, v)
    gone = [k for k, c in enumerate(letters) if c not in out]
    result = reduce_dims(product, gone, ReduceOp.SUM, keepdim=False, namer=cx.namer) if gone else product
    kept = [c for c in letters if c in out]
    return permute(cx, result, [kept.index(c) for c in out])


def einsum(cx, equation: str, operands) -> Value:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    specs = lhs.split(",")
    ranks = [as_value(v).rank for v in operands]
    width = max((r - (len(s) - 3) for s, r in zip(specs, ranks) if "..." in s), default=0)
    batch = _ELLIPSIS[:width]
    specs = [s.replace("...", batch[width - (r - (len(s) - 3)):]) if "..." in s else s for s, r in zip(specs, ranks)]
    if arrow:
        rhs = rhs.replace("...", batch)
    else:
        counts = {c: sum(s.count(c) for s in specs) for c in "".join(specs)}
        rhs = batch + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in batch))
    return contract(cx, list(zip(operands, specs)), rhs)


def matmul(cx, a, b) -> Value:
    a, b = as_value(a), as_value(b)
    if a.rank == 1 and b.rank == 1:
        return contract(cx, [(a, "k"), (b, "k")], "")
    if b.rank == 1:
        return einsum(cx, "...mk,k->...m", [a, b])
    if a.rank == 1:
        return einsum(cx, "k,...kn->...n", [a, b])
    return _batched(cx, a, b)


def _batched(cx, a: Value, b: Value) -> Value:
    """``a @ b`` with broadcast batch dimensions: ``sum_k(a[..., m, k, 1] * b[..., 1, k, n])``."""
    prod = binary(cx, BinaryOp.MUL, unsqueeze(cx, a, -1), unsqueeze(cx, b, -3))
    return reduce_dims(prod, [-2], ReduceOp.SUM, keepdim=False, namer=cx.namer)


def mm(cx, a, b) -> Value:
    return contract(cx, [(a, "mk"), (b, "kn")], "mn")


def bmm(cx, a, b) -> Value:
    return contract(cx, [(a, "bmk"), (b, "bkn")], "bmn")


def mv(cx, a, b) -> Value:
    return contract(cx, [(a, "mk"), (b, "k")], "m")


def dot(cx, a, b) -> Value:
    return contract(cx, [(a, "k"), (b, "k")], "")


def outer(cx, a, b) -> Value:
    return contract(cx, [(a, "m"), (b, "n")], "mn")


def linear(cx, x, weight, bias=None) -> Value:
    """``x @ W.T + b``: ``sum_d(x[i, d] * W[e, d]) + b[e]``."""
    w = as_value(weight)
    y = einsum(cx, "...k,nk->...n" if w.rank == 2 else "...k,k->...", [x, w])
    return y if bias is None else binary(cx, BinaryOp.ADD, y, bias)


def addmm(cx, bias, a, b, beta=1, alpha=1) -> Value:
    prod = _scale(cx, mm(cx, a, b), alpha)
    return binary(cx, BinaryOp.ADD, _scale(cx, as_value(bias), beta), prod)


def baddbmm(cx, bias, a, b, beta=1, alpha=1) -> Value:
    prod = _scale(cx, bmm(cx, a, b), alpha)
    return binary(cx, BinaryOp.ADD, _scale(cx, as_value(bias), beta), prod)


def _scale(cx, v: Value, factor) -> Value:
    return v if factor == 1 else binary(cx, BinaryOp.MUL, v, float(factor))


def cdist(cx, x1, x2, p=2.0, *args) -> Value:
    """Pairwise Euclidean distances ``sqrt(sum_d((x1[i, d] - x2[j, d])²))``."""
    if p != 2:
        raise cx.fail(f"cdist with p={p} is not supported (p=2 is)", hint="use the Euclidean distance, p=2")
    diff = binary(cx, BinaryOp.SUB, unsqueeze(cx, x1, -2), unsqueeze(cx, x2, -3))
    sq = binary(cx, BinaryOp.MUL, diff, diff)
    return unary(cx, UnaryOp.SQRT, reduce_dims(sq, [-1], ReduceOp.SUM, keepdim=False, namer=cx.namer))


def sdpa(cx, q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, *args, scale=None, enable_gqa=False,
         **kwargs) -> Value:
    """``F.scaled_dot_product_attention``: ``softmax(q k^T * scale + mask) v``, scale ``1/sqrt(d)`` by default."""
    q, k, v = as_value(q), as_value(k), as_value(v)
    if dropout_p:
        raise cx.fail(f"scaled_dot_product_attention with dropout_p={dropout_p} is random", hint="pass dropout_p=0")
    if enable_gqa and q.rank >= 3 and k.shape[-3] != q.shape[-3]:
        k = repeat_interleave(cx, k, q.shape[-3] // k.shape[-3], -3)
        v = repeat_interleave(cx, v, q.shape[-3] // v.shape[-3], -3)
    s = matmul(cx, q, transpose(cx, k, -2, -1))
    if scale is None:
        s = Value(Binary(BinaryOp.DIV, s.term, Unary(UnaryOp.SQRT, Dim(q.shape[-1]))), s.dims, s.shape)
    else:
        s = binary(cx, BinaryOp.MUL, s, float(scale))
    if is_causal:
        s = where(cx, tril(cx, constant(True, s.shape[-2:])), s, NEG_INF)
    if attn_mask is not None:
        mask = as_value(attn_mask)
        s = where(cx, mask, s, NEG_INF) if mask.dtype is Dtype.BOOL else binary(cx, BinaryOp.ADD, s, mask)
    return matmul(cx, softmax(cx, s, -1), v)


# -- positions ------------------------------------------------------------------------


def arange(cx, *args, **kwargs) -> Value:
    """``torch.arange(start, end, step)``: the position ``start + step * i`` along a new axis."""
    nums = [a for a in args if isinstance(a, (int, float))]
    start, step = (nums[0], nums[2] if len(nums) > 2 else 1) if len(nums) > 1 else (0, 1)
    n = int(cx.out_shape[0])
    if n == 1:
        return constant(float(start), (1,))
    a = cx.namer.fresh(n)
    term = Index(Axis(a, n))
    if step != 1:
        term = Binary(BinaryOp.MUL, term, Const(float(step)))
    if start != 0:
        term = Binary(BinaryOp.ADD, term, Const(float(start)))
    return Value(term, (a,), (n,))


def _triangle(cx, x, diagonal: int, lower: bool) -> Value:
    """Keep ``x`` where ``col - row <= diagonal`` (lower) or ``>= diagonal`` (upper), else 0."""
    x = as_value(x)
    for p in (x.rank - 2, x.rank - 1):
        x, _ = name_dim(x, p, cx.namer)
    row, col = Index(x.axis(-2 % x.rank)), Index(x.axis(-1 % x.rank))
    cond = compare(BinaryOp.LE if lower else BinaryOp.GE, col, shifted(row, diagonal))
    if x.dtype is Dtype.BOOL:
        term = cond if x.const is True else Binary(BinaryOp.AND, cond, x.term)
    else:
        term = where_term(cond, x.term, Const(0.0))
    return Value(term, x.dims, x.shape)


def tril(cx, x, diagonal=0) -> Value:
    return _triangle(cx, x, diagonal, lower=True)


def triu(cx, x, diagonal=0) -> Value:
    return _triangle(cx, x, diagonal, lower=False)


def eye(cx, n, m=None, *args, **kwargs) -> Value:
    shape = tuple(cx.out_shape)
    v = constant(True, shape)
    for p in range(2):
        v, _ = name_dim(v, p, cx.namer)
    cond = Binary(BinaryOp.EQ, Index(v.axis(0)), Index(v.axis(1)))
    out = Value(cond, v.dims, shape)
    return to_real(out) if cx.out_dtype.is_floating_point else out
