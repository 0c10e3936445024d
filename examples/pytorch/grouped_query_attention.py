"""Grouped-query attention: key and value heads shared by groups of query heads (``repeat_interleave``).

Ainslie et al. (2023); the Llama layout with ``F.scaled_dot_product_attention``.
"""

import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=24, n_heads=6, n_kv_heads=2):
        super().__init__()
        self.n_heads, self.n_kv, self.d_head = n_heads, n_kv_heads, d_model // n_heads
        self.wq = nn.Linear(d_model, n_heads * self.d_head, bias=False)
        self.wk = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.wv = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.wo = nn.Linear(n_heads * self.d_head, d_model, bias=False)

    def forward(self, x):
        n = x.size(0)
        q = self.wq(x).view(n, self.n_heads, self.d_head).transpose(0, 1)
        k = self.wk(x).view(n, self.n_kv, self.d_head).transpose(0, 1)
        v = self.wv(x).view(n, self.n_kv, self.d_head).transpose(0, 1)
        k = k.repeat_interleave(self.n_heads // self.n_kv, dim=0)
        v = v.repeat_interleave(self.n_heads // self.n_kv, dim=0)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.wo(out.transpose(0, 1).reshape(n, -1))
