"""L2-distance attention: scores are minus the squared Euclidean distance (``torch.cdist``).

Kim, Papamakarios, Mnih (2021). Differs from ``matmul_attention.py``.
"""

import math

import torch


def attention(q, k, v):
    dist = torch.cdist(q, k) ** 2
    return torch.softmax(-dist / math.sqrt(q.size(-1)), dim=-1) @ v
