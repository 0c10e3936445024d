"""Causal attention: a lower-triangular mask built with torch.tril, applied with masked_fill.

Equal to ``causal_sdpa.py`` and ``causal_additive_mask.py``; differs from ``matmul_attention.py``.
"""

import math

import torch


def attention(q, k, v):
    n = q.size(0)
    scores = torch.matmul(q, k.t()) / math.sqrt(q.size(-1))
    mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
