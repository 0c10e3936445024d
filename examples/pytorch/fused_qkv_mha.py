"""Multi-head self-attention with a fused QKV projection (``nn.Linear(d, 3d)`` then ``chunk``).

The style of many GPT implementations: one projection, split into queries, keys and values,
heads split with ``view``/``transpose`` and merged back, then an output projection.
"""

from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model=12, n_heads=2):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        n, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(n, self.n_heads, d // self.n_heads).transpose(0, 1)
        k = k.view(n, self.n_heads, d // self.n_heads).transpose(0, 1)
        v = v.view(n, self.n_heads, d // self.n_heads).transpose(0, 1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))
        y = att.softmax(dim=-1) @ v
        y = y.transpose(0, 1).contiguous().view(n, d)
        return self.proj(y)
