"""Multi-head attention with separate query, key, value and output projections (no biases).

The layout of "Attention Is All You Need" implementations: project, ``view`` into heads,
``transpose`` heads forward, attend, merge the heads back and project out.
"""

import math

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=12, n_heads=3):
        super().__init__()
        self.h = n_heads
        self.d_k = d_model // n_heads
        self.w_q = nn.Linear(d_model, d_model, bias=False)
        self.w_k = nn.Linear(d_model, d_model, bias=False)
        self.w_v = nn.Linear(d_model, d_model, bias=False)
        self.w_o = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        n = x.size(0)
        q = self.w_q(x).view(n, self.h, self.d_k).transpose(0, 1)
        k = self.w_k(x).view(n, self.h, self.d_k).transpose(0, 1)
        v = self.w_v(x).view(n, self.h, self.d_k).transpose(0, 1)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.w_o(out.transpose(0, 1).reshape(n, self.h * self.d_k))
