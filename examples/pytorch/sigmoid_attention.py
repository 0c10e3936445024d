"""Sigmoid attention: an elementwise sigmoid instead of the softmax, with a ``-log n`` bias.

Ramapuram et al. (2024). Differs from ``matmul_attention.py``.
"""

import math

import torch


def attention(q, k, v):
    n, d = q.shape
    weights = torch.sigmoid(q @ k.T / math.sqrt(d) - math.log(n))
    return weights @ v
