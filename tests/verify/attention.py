"""Batched multi-head attention terms and their PyTorch references (SDPA and FlexAttention).

Each entry of :data:`VARIANTS` is a term over ``[b, h, i, d]`` queries, keys and values (the
layout of ``torch.nn.functional.scaled_dot_product_attention``) and two reference calls
computing the same function: SDPA (``is_causal``, ``attn_mask``, ``scale``) and FlexAttention
(``score_mod``, and a causal block mask where ``block_mask=True``; without one the causal
mask is a ``score_mod`` writing ``-inf``, which eager FlexAttention on the CPU runs quickly).

Functions: :func:`term`, :func:`run_term`, :func:`sdpa`, :func:`flex`, :func:`qkv`.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from anatomy.ir.variant import parse_variant
from anatomy.runtime import evaluate

_HEAD = """variant {name}
axes b: Bt, h: H, i: n, j: n, d: dk, e: dk
input Q[b, h, i, d], K[b, h, j, d], V[b, h, j, e]
let s[b, h, i, j] = sum_d(Q[b, h, i, d] * K[b, h, j, d]) / sqrt(dk)
"""
_BODY = {
    "sdpa": "out[b, h, i, e] = sum_j(softmax_j(s[b, h, i, j]) * V[b, h, j, e])",
    "causal": "out[b, h, i, e] = sum_j(softmax_j(where(j <= i, s[b, h, i, j], -inf)) * V[b, h, j, e])",
    # ALiBi (Press et al. 2022): head h adds slope_h * (j - i), slopes 2^(-8(h+1)/H), causal.
    "alibi": "let slope[h] = exp(-8 * (h + 1) / H * log(2))\n"
             "out[b, h, i, e] = sum_j(softmax_j(where(j <= i, s[b, h, i, j] + slope[h] * (j - i), -inf))"
             " * V[b, h, j, e])",
    # A temperature other than 1/sqrt(dk): SDPA's and FlexAttention's ``scale``.
    "temperature": "out[b, h, i, e] = sum_j(softmax_j(sum_d(Q[b, h, i, d] * K[b, h, j, d]) * 0.25)"
                   " * V[b, h, j, e])",
}
VARIANTS = tuple(_BODY)
SCALE = {"temperature": 0.25}
OUT = ("b", "h", "i", "e")


@functools.cache
def term(name: str):
    return parse_variant(_HEAD.format(name=name) + _BODY[name] + "\n").term


def qkv(shape: tuple[int, int, int, int], *, dtype: torch.dtype, device: str, seed: int = 0):
    """Standard-normal queries, keys and values drawn in float64 on the CPU, then cast."""
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(shape, generator=g, dtype=torch.float64).to(dtype=dtype, device=device)
                 for _ in range(3))


def run_term(name: str, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The runtime's value of the term, in the dtype and on the device of ``q``."""
    bt, h, n, dk = q.shape
    out = evaluate(term(name), {"Q": q, "K": k, "V": v}, sizes={"Bt": bt, "H": h, "n": n, "dk": dk},
                   backend="torch", dtype=q.dtype, device=q.device)
    return out.aligned(OUT)


def _slopes(h: int, device) -> torch.Tensor:
    return torch.tensor([2.0 ** (-8 * (k + 1) / h) for k in range(h)], dtype=torch.float64, device=device)


def sdpa(name: str, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    if name in ("sdpa", "temperature"):
        return F.scaled_dot_product_attention(q, k, v, scale=SCALE.get(name))
    if name == "causal":
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    h, n = q.shape[1], q.shape[2]
    pos = torch.arange(n, dtype=torch.float64, device=q.device)
    rel = pos[None, :] - pos[:, None]  # [i, j] -> j - i
    bias = (_slopes(h, q.device)[:, None, None] * rel).masked_fill(rel > 0, -math.inf)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype))


@functools.cache
def _score_mod(name: str, heads: int, device: str, block_mask: bool):
    """One function per variant (compiled FlexAttention recompiles for a new function)."""
    # FlexAttention computes scores in float32 at least: keep the bias there too.
    slopes = _slopes(heads, device).to(torch.float32)

    def score_mod(score, b, h, qi, ki):
        if name == "alibi":
            score = score + slopes[h] * (ki - qi)
        return score if block_mask else torch.where(ki <= qi, score, -float("inf"))

    return score_mod


@functools.cache
def _causal_block_mask(length: int, device: str):
    from torch.nn.attention.flex_attention import create_block_mask

    return create_block_mask(lambda b, h, qi, ki: ki <= qi, B=None, H=None, Q_LEN=length, KV_LEN=length,
                             device=device)


def flex(name: str, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, block_mask: bool = False,
         kernel=None) -> torch.Tensor:
    """FlexAttention; ``kernel`` is ``flex_attention`` or a compiled copy of it."""
    from torch.nn.attention.flex_attention import flex_attention

    kernel = kernel or flex_attention
    if name in ("sdpa", "temperature"):
        return kernel(q, k, v, scale=SCALE.get(name))
    device = str(q.device)
    mask = _causal_block_mask(q.shape[2], device) if block_mask else None
    mod = None if name == "causal" and block_mask else _score_mod(name, q.shape[1], device, block_mask)
    return kernel(q, k, v, score_mod=mod, block_mask=mask)
