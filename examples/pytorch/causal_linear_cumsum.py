"""Causal linear attention with prefix sums (cumsum) of the key-value outer products.

Equal to ``recurrent_linear_attention.py``.
"""

import torch
import torch.nn.functional as F


def attention(q, k, v):
    q, k = F.elu(q) + 1, F.elu(k) + 1
    kv = torch.cumsum(k.unsqueeze(-1) * v.unsqueeze(-2), dim=0)
    z = torch.cumsum(k, dim=0)
    num = torch.einsum("nd,nde->ne", q, kv)
    den = (q * z).sum(-1, keepdim=True)
    return num / den
