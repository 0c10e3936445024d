"""Scaled dot-product attention with matmul and an explicit transpose (the textbook form).

Equal to ``einsum_attention.py`` and ``sdpa_attention.py``.
"""

import math

import torch


def attention(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    return torch.softmax(scores, dim=-1) @ v
