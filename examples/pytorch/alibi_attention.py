"""ALiBi: causal multi-head attention with a linear distance penalty per head, no position embeddings.

Press, Smith, Lewis (2022). Slopes ``2^(-8 h / H)`` and relative positions come from ``torch.arange``.
"""

import math

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=12, n_heads=2):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)

    def forward(self, x):
        n = x.size(0)
        q, k, v = (t.view(n, self.n_heads, self.d_head).transpose(0, 1) for t in self.qkv(x).chunk(3, dim=-1))
        slopes = 2.0 ** (-8.0 * torch.arange(1, self.n_heads + 1) / self.n_heads)
        pos = torch.arange(n)
        distance = pos[None, :] - pos[:, None]
        bias = slopes[:, None, None] * distance
        bias = bias.masked_fill(distance > 0, float("-inf"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d_head) + bias
        return (scores.softmax(-1) @ v).transpose(0, 1).reshape(n, -1)
