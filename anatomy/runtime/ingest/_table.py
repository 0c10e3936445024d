"""The op table: every supported PyTorch op (by its ATen name) and its translation.

One entry per op; each translation takes the context and the op's arguments and returns a
:class:`~._value.Value` (or a list of them). An in-place op (``masked_fill_``) uses the
entry of its out-of-place name. Ops that are not here are errors that name the op and the
user's line, with the hint from :data:`HINTS` where there is one.

Example:
    >>> sorted(k for k in OPS if k.startswith("soft"))
    ['softmax', 'softplus']
"""

from __future__ import annotations

from collections.abc import Callable

from ...ir.ops import BinaryOp as B
from ...ir.ops import UnaryOp as U
from . import _elementwise as E
from . import _linalg as L
from . import _reduce as R
from . import _shape as S


def _u(op: U) -> Callable:
    return lambda cx, x, *args, **kwargs: E.unary(cx, op, x)


def _b(op: B) -> Callable:
    return lambda cx, a, b, *args, **kwargs: E.binary(cx, op, a, b)


def _sqrt_recip(cx, x):
    return E.binary(cx, B.DIV, 1.0, E.unary(cx, U.SQRT, x))


OPS: dict[str, Callable] = {
    # arithmetic and comparisons (torch broadcasting; bools become 0/1 in arithmetic)
    "add": lambda cx, a, b, alpha=1: E.scaled(cx, B.ADD, a, b, alpha),
    "sub": lambda cx, a, b, alpha=1: E.scaled(cx, B.SUB, a, b, alpha),
    "rsub": lambda cx, a, b, alpha=1: E.scaled(cx, B.SUB, b, a, alpha),
    "mul": _b(B.MUL), "div": R.divide, "true_divide": R.divide,
    "maximum": _b(B.MAX), "minimum": _b(B.MIN),
    "lt": _b(B.LT), "le": _b(B.LE), "gt": _b(B.GT), "ge": _b(B.GE), "eq": _b(B.EQ), "ne": _b(B.NE),
    "logical_and": _b(B.AND), "logical_or": _b(B.OR), "bitwise_and": _b(B.AND), "bitwise_or": _b(B.OR),
    "__and__": _b(B.AND), "__or__": _b(B.OR),
    "logical_not": _u(U.NOT), "bitwise_not": _u(U.NOT),
    "pow": E.power, "square": lambda cx, x: E.binary(cx, B.MUL, x, x),
    "reciprocal": lambda cx, x: E.binary(cx, B.DIV, 1.0, x),
    "clamp": E.clamp, "clip": E.clamp,
    "clamp_min": lambda cx, x, m: E.clamp(cx, x, min=m), "clamp_max": lambda cx, x, m: E.clamp(cx, x, max=m),
    "where": E.where, "masked_fill": E.masked_fill,
    # elementwise functions
    "exp": _u(U.EXP), "log": _u(U.LOG), "sqrt": _u(U.SQRT), "rsqrt": _sqrt_recip,
    "neg": _u(U.NEG), "negative": _u(U.NEG), "abs": _u(U.ABS), "sin": _u(U.SIN), "cos": _u(U.COS),
    "tanh": _u(U.TANH), "sigmoid": _u(U.SIGMOID), "relu": _u(U.RELU), "silu": _u(U.SILU),
    "elu": E.elu, "gelu": E.gelu, "softplus": E.softplus,
    "exp2": lambda cx, x: E.unary(cx, U.EXP, E.binary(cx, B.MUL, x, 0.6931471805599453)),
    "log1p": lambda cx, x: E.unary(cx, U.LOG, E.binary(cx, B.ADD, x, 1.0)),
    "expm1": lambda cx, x: E.binary(cx, B.SUB, E.unary(cx, U.EXP, x), 1.0),
    # casts, copies and constant tensors
    "to": E.cast, "_to_copy": E.cast, "type_as": E.cast,
    "contiguous": E.identity, "clone": E.identity, "alias": E.identity, "detach": E.identity,
    "lift_fresh_copy": E.identity, "dropout": E.dropout, "feature_dropout": E.dropout,
    "ones": E.filled_like(1), "zeros": E.filled_like(0), "full": E.full, "scalar_tensor": E.scalar_tensor,
    "ones_like": E.filled_like(1), "zeros_like": E.filled_like(0), "full_like": E.full_like,
    "new_ones": E.filled_like(1), "new_zeros": E.filled_like(0), "new_full": E.new_full,
    # views, permutations and broadcasting
    "view": S.reshape, "reshape": S.reshape, "_unsafe_view": S.reshape, "flatten": S.reshape,
    "unflatten": S.reshape, "view_as": S.reshape, "reshape_as": S.reshape,
    "permute": S.permute, "transpose": S.transpose, "swapaxes": S.transpose, "swapdims": S.transpose,
    "t": S.t, "numpy_T": S.numpy_t, "mT": lambda cx, x: S.transpose(cx, x, -2, -1), "movedim": S.movedim,
    "unsqueeze": S.unsqueeze, "squeeze": S.squeeze,
    "expand": S.expand, "expand_as": S.expand, "broadcast_to": S.expand,
    "repeat_interleave": S.repeat_interleave, "repeat": S.repeat, "tile": S.repeat,
    # selection, slicing, splitting and joining
    "select": S.select, "slice": S.slice_, "narrow": S.narrow, "chunk": S.chunk, "split": S.split,
    "split_with_sizes": S.split, "unbind": S.unbind,
    "cat": S.cat, "concat": S.cat, "concatenate": S.cat, "stack": S.stack,
    # reductions and normalisers
    "sum": R.sum_, "mean": R.mean, "amax": R.amax, "amin": R.amin, "max": R.maximum_or_max,
    "min": R.minimum_or_min, "softmax": R.softmax, "_softmax": R.softmax, "log_softmax": R.log_softmax,
    "_log_softmax": R.log_softmax, "logsumexp": R.logsumexp, "cumsum": R.cumsum,
    "linalg_vector_norm": R.vector_norm, "norm": R.norm,
    # products and attention
    "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "mv": L.mv, "dot": L.dot, "inner": L.dot,
    "outer": L.outer, "ger": L.outer, "einsum": L.einsum, "linear": L.linear, "addmm": L.addmm,
    "baddbmm": L.baddbmm, "cdist": L.cdist, "_cdist_forward": L.cdist,
    "scaled_dot_product_attention": L.sdpa,
    # positions and masks
    "arange": L.arange, "tril": L.tril, "triu": L.triu, "eye": L.eye,
}

#: Ops that return a view: an in-place update of their result would change another tensor.
VIEW_OPS = frozenset({"view", "reshape", "_unsafe_view", "flatten", "unflatten", "view_as", "permute", "transpose",
                      "t", "mT", "numpy_T", "unsqueeze", "squeeze", "expand", "expand_as", "select", "slice",
                      "narrow", "chunk", "split", "unbind", "alias", "detach", "movedim", "swapaxes"})

#: Hints for ops that real attention code uses but the term language does not have.
HINTS: dict[str, str] = {
    "index": "indexing with a tensor of indices has no term; use a mask with torch.where",
    "index_select": "indexing with a tensor of indices has no term; use a mask with torch.where",
    "copy_": "writing into a slice (x[...] = y) has no term; build the result with torch.stack, torch.cat or "
             "torch.where",
    "index_put_": "writing into a slice (x[...] = y) has no term; build the result with torch.stack, torch.cat or "
                  "torch.where",
    "fill_": "filling a tensor in place has no term; use torch.full or torch.where",
    "layer_norm": "layer normalisation is outside the attention term language; ingest the attention block alone",
    "rms_norm": "RMS normalisation is outside the attention term language; ingest the attention block alone",
    "floor_divide": "integer division rounds, which no term expresses; use true division",
    "_local_scalar_dense": "reading a tensor's value (.item(), int(x)) depends on the data; use sizes instead",
    "argmax": "indices (argmax/argmin/topk) have no term",
    "topk": "indices (argmax/argmin/topk) have no term",
    "empty": "torch.empty has no values; use torch.zeros",
}

#: Keyword arguments that say where or how a tensor is stored, never what it holds.
STORAGE_KWARGS = frozenset({"device", "dtype", "layout", "pin_memory", "memory_format", "requires_grad",
                            "non_blocking", "copy", "out"})
