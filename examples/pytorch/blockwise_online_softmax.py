"""Blockwise attention with an online softmax over key blocks of a fixed size, in a Python loop.

The FlashAttention recurrence as kernels write it: ``for start in range(0, n, BLOCK)``. The
loop is rolled into a scan over the blocks (the number of keys must be a multiple of
``BLOCK`` with at least three blocks). Equal to ``matmul_attention.py``.
"""

import math

import torch

BLOCK = 2


def attention(q, k, v):
    scale = 1.0 / math.sqrt(q.size(-1))
    m = torch.full((q.size(0), 1), float("-inf"), dtype=q.dtype)
    denom = torch.zeros(q.size(0), 1, dtype=q.dtype)
    acc = torch.zeros(q.size(0), v.size(-1), dtype=q.dtype)
    for start in range(0, k.size(0), BLOCK):
        kb, vb = k[start:start + BLOCK], v[start:start + BLOCK]
        s = q @ kb.T * scale
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        correction = torch.exp(m - m_new)
        denom = denom * correction + p.sum(dim=-1, keepdim=True)
        acc = acc * correction + p @ vb
        m = m_new
    return acc / denom
