"""Scaled dot-product attention through PyTorch's fused kernel.

Equal to ``matmul_attention.py``.
"""

import torch.nn.functional as F


def attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v)
