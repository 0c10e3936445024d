"""Linear attention (elu + 1 feature map) in its quadratic form: normalised similarity matrix.

Equal to ``linear_attention_reassociated.py``, which reorders the products.
"""

import torch.nn.functional as F


def attention(q, k, v):
    phi_q, phi_k = F.elu(q) + 1, F.elu(k) + 1
    sim = phi_q @ phi_k.T
    return (sim / sim.sum(dim=-1, keepdim=True)) @ v
