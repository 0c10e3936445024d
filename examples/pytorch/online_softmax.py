"""Blockwise attention with an online softmax (FlashAttention's recurrence), over two key blocks.

A running maximum, a running denominator and a rescaled accumulator are updated block by
block; the result equals ``matmul_attention.py``. The number of blocks is fixed (two), so
the block length follows the number of keys.
"""

import math

import torch

BLOCKS = 2


def attention(q, k, v):
    scale = 1.0 / math.sqrt(q.size(-1))
    m = torch.full((q.size(0), 1), float("-inf"), dtype=q.dtype)
    denom = torch.zeros(q.size(0), 1, dtype=q.dtype)
    acc = torch.zeros(q.size(0), v.size(-1), dtype=q.dtype)
    for kb, vb in zip(k.chunk(BLOCKS), v.chunk(BLOCKS)):
        s = q @ kb.T * scale
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        correction = torch.exp(m - m_new)
        denom = denom * correction + p.sum(dim=-1, keepdim=True)
        acc = acc * correction + p @ vb
        m = m_new
    return acc / denom
