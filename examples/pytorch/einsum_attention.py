"""Scaled dot-product attention written with einsum and a scale from the shape.

Equal to ``matmul_attention.py``.
"""

import torch


def attention(q, k, v):
    scale = q.shape[-1] ** -0.5
    weights = torch.einsum("id,jd->ij", q, k).mul(scale).softmax(dim=-1)
    return torch.einsum("ij,je->ie", weights, v)
