"""Attention over batch and head dimensions, ``(B, H, n, d)`` tensors, written with matmul.

Ingest with 4-D shapes: ``shapes={"q": (2, 3, 6, 8), "k": (2, 3, 6, 8), "v": (2, 3, 6, 8)}``.
Equal, per batch and head, to ``matmul_attention.py``.
"""

import torch


def attention(q, k, v):
    scores = torch.matmul(q, k.transpose(-2, -1)) * q.size(-1) ** -0.5
    return torch.matmul(scores.softmax(dim=-1), v)
