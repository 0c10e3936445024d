"""Cosine attention: queries and keys L2-normalised with ``F.normalize``, a fixed temperature.

Differs from ``matmul_attention.py``.
"""

import torch
import torch.nn.functional as F

TEMPERATURE = 10.0


def attention(q, k, v):
    qn, kn = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
    return torch.softmax(TEMPERATURE * (qn @ kn.transpose(-1, -2)), dim=-1) @ v
