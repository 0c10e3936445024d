"""PyTorch's own ``nn.MultiheadAttention`` (fused input projection, causal mask), unbatched input.

The library module traced as it is: its fused ``in_proj_weight`` is split into queries, keys
and values, heads are split and merged with ``view``/``transpose``, and ``out_proj`` follows.
"""

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=12, n_heads=2):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, n_heads)

    def forward(self, x):
        n = x.size(0)
        causal = torch.ones(n, n, dtype=torch.bool).triu(1)
        return self.mha(x, x, x, attn_mask=causal, need_weights=False)[0]
