"""Multi-query attention: many query heads share one key head and one value head (``expand``).

Shazeer (2019).
"""

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=12, n_heads=3):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.kv_proj = nn.Linear(d_model, 2 * self.d_head, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        n = x.shape[0]
        q = self.q_proj(x).view(n, self.n_heads, self.d_head).transpose(0, 1)
        k, v = self.kv_proj(x).split(self.d_head, dim=-1)
        k = k.unsqueeze(0).expand(self.n_heads, n, self.d_head)
        v = v.unsqueeze(0).expand(self.n_heads, n, self.d_head)
        w = torch.softmax(q @ k.transpose(1, 2) * self.d_head ** -0.5, dim=-1)
        return self.o_proj((w @ v).transpose(0, 1).reshape(n, -1))
