"""One small function (or module) per supported PyTorch op, ingested by ``test_ingest.py``.

Every function takes 2-D tensors ``(tokens, features)`` unless ``SHAPES`` says otherwise.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

SHAPES = {
    "bmm": {"q": (2, 6, 8), "k": (2, 6, 8)},
    "baddbmm": {"q": (2, 6, 8), "k": (2, 6, 8)},
    "sdpa_4d": {name: (2, 3, 6, 8) for name in "qkv"},
    "sdpa_gqa": {"q": (4, 6, 8), "k": (2, 6, 8), "v": (2, 6, 8)},
}


# -- products -------------------------------------------------------------------------
def matmul(q, k):
    return q @ k.transpose(-2, -1)


def mm(q, k):
    return torch.mm(q, k.t())


def bmm(q, k):
    return torch.bmm(q, k.transpose(1, 2))


def baddbmm(q, k):
    return torch.baddbmm(torch.zeros(1, 1, 1, dtype=q.dtype), q, k.mT, alpha=0.5)


def einsum(q, k, v):
    return torch.einsum("id,jd,je->ie", q, k, v)


def einsum_ellipsis(q, k):
    return torch.einsum("...d,...d->...", q, k)


def mv_dot_outer(q, k):
    return torch.mv(q, k[0]) @ torch.outer(k[:, 1], q[2]) + torch.dot(q[0], k[1])


def linear_bias(q, k, v):
    return F.linear(q, k, v[:, 0])


def addmm(q, k, v):
    return torch.addmm(v[:, :1].T, q, k.T)


# -- shapes ---------------------------------------------------------------------------
def permute_view_reshape(q, k):
    n, d = q.shape
    x = q.view(n, 2, d // 2).permute(1, 0, 2).reshape(2 * n, d // 2)
    return x.reshape(2, n, -1).transpose(0, 1).flatten(1) * k


def unsqueeze_squeeze_expand(q, k):
    return (q.unsqueeze(1).expand(-1, k.size(0), -1) * k.unsqueeze(0)).sum(-1).unsqueeze(0).squeeze(0)


def chunk_cat(q):
    a, b = q.chunk(2, dim=-1)
    return torch.cat([b, a, b], dim=-1)


def split_stack(q, k):
    a, b = q.split(4, dim=1)
    return torch.stack([a, b, k[:, :4]], dim=1)


def unbind_select_narrow(q):
    rows = q.unbind(0)
    half = q.size(1) // 2
    return rows[1] * q.select(0, 2) + q.narrow(1, half, half).sum(-1).sum() + q[-1]


def repeat_interleave_repeat(q):
    return q.repeat_interleave(2, dim=0)[: q.size(0)] * 0 + q.repeat(1, 2)[:, : q.size(1)]


def movedim_swap(q, k):
    return torch.movedim(q.unsqueeze(0), 0, 2).squeeze(-1).swapaxes(0, 1) @ k


# -- reductions and normalisers -------------------------------------------------------
def softmax(q):
    return torch.softmax(q, dim=0) + F.log_softmax(q, dim=-1)


def reductions(q):
    return q.sum(-1) + q.mean(0).sum() + q.amax(-1) + q.max(-1).values + q.min(0).values.sum() + q.amin(1)


def logsumexp(q):
    return torch.logsumexp(q, dim=-1)


def cumsum(q):
    return q.cumsum(0)


def norms(q):
    return torch.linalg.vector_norm(q, dim=-1) + q.norm(dim=0).sum()


def normalize(q, k):
    return F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).T


def cdist(q, k):
    return torch.cdist(q, k)


# -- elementwise ----------------------------------------------------------------------
def activations(q):
    return F.elu(q) + F.relu(q) + torch.sigmoid(q) + torch.tanh(q) + F.gelu(q) + F.silu(q) + F.softplus(q)


def arithmetic(q, k):
    return (q - k) * 2 / (k * k + 1) + q ** 2 - torch.abs(k) + (-q) + torch.maximum(q, k) - torch.minimum(q, k)


def exp_log_sqrt(q):
    return torch.exp(q) + torch.log(q * q + 1) + torch.sqrt(q * q) + torch.rsqrt(q * q + 1) + torch.reciprocal(q + 9)


def powers_clamps(q):
    return 2 ** q + q.pow(3) + q.clamp(min=-0.5, max=0.5) + q.clamp_min(0.1) + (q * q + 1) ** -0.5


def casts(q, k):
    mask = (q > k).float()
    return q.to(torch.float64) * mask + (q < 0).to(q.dtype) + q.double()


def where_and_or(q, k):
    both = (q > 0) & (k > 0)
    either = torch.logical_or(q > 1, k < -1)
    return torch.where(both, q, k) + torch.where(either, 1.0, 0.0) + torch.where(~both, q, 0.0)


# -- masks and positions --------------------------------------------------------------
def masked_fill_tril(q, k):
    s = q @ k.T
    n = s.size(-1)
    return s.masked_fill(torch.tril(torch.ones(n, n)) == 0, float("-inf")).softmax(-1)


def where_triu(q, k):
    s = q @ k.T
    mask = torch.triu(torch.ones(s.shape, dtype=torch.bool), diagonal=1)
    return torch.where(mask, float("-inf"), s).softmax(-1)


def arange_mask(q, k):
    s = q @ k.T
    i, j = torch.arange(s.size(0))[:, None], torch.arange(s.size(1))[None, :]
    return s.masked_fill(j > i, -1e9) + (j - i).float() * 0.5


def eye(q, k):
    return q @ k.T + torch.eye(q.size(0))


def in_place(q, k):
    s = q @ k.T
    s.masked_fill_(torch.ones_like(s, dtype=torch.bool).triu(1), float("-inf"))
    s = s.softmax(-1)
    s += 1
    return s


# -- attention ------------------------------------------------------------------------
def sdpa(q, k, v):
    return F.scaled_dot_product_attention(q, k, v)


def sdpa_4d(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def sdpa_mask_scale(q, k, v):
    n = q.size(0)
    mask = torch.arange(n)[:, None] >= torch.arange(n)[None, :]
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.25)


def sdpa_float_mask(q, k, v):
    n = q.size(0)
    bias = -torch.abs(torch.arange(n)[:, None] - torch.arange(n)[None, :]).to(q.dtype)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)


def sdpa_gqa(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def scale_from_size(q, k):
    return q @ k.T / math.sqrt(k.size(-1)) + q @ k.T * q.size(-1) ** -0.5


# -- modules --------------------------------------------------------------------------
class LinearBias(nn.Module):
    def __init__(self, d=8, out=5):
        super().__init__()
        self.proj = nn.Linear(d, out)

    def forward(self, x):
        return self.proj(x)


class LinearNoBias(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 5, bias=False)
        self.register_buffer("position", torch.arange(16) * 2.0 + 1)

    def forward(self, x):
        return self.proj(x) * self.position[: x.size(0), None]


class TriuBuffer(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.wq = nn.Parameter(torch.randn(d, d))
        self.register_buffer("mask", torch.full((16, 16), float("-inf")).triu(1))

    def forward(self, x):
        n = x.size(0)
        s = (x @ self.wq) @ x.T + self.mask[:n, :n]
        return s.softmax(-1) @ x


instance = TriuBuffer()


# -- the rest of the table ------------------------------------------------------------
def more_elementwise(q, k):
    return (torch.exp2(q) + torch.log1p(q * q) + torch.expm1(q) + torch.sin(q) + torch.cos(k) + q.clip(-1, 1)
            + torch.true_divide(q, 2) + (1 - q) + q.square() + torch.negative(k))


def more_masks(q, k):
    m = q > 0
    both = torch.bitwise_and(m, k > 0) | torch.bitwise_or(m, k < 0)
    return torch.where(torch.logical_not(m) & both, q, k) + torch.logical_and(m, both).float()


def more_shapes(q, k):
    d = q.size(1)
    return (q.view_as(k) + q.reshape_as(k) + torch.broadcast_to(q[:1], q.shape) + q.tile((1, 2))[:, :d]
            + q.swapdims(0, 1).T + k.unsqueeze(0).mT.mT.squeeze(0) + torch.permute(q.unflatten(1, (2, d // 2)),
                                                                                  (0, 1, 2)).flatten(1))


def more_constants(q):
    return (torch.ones_like(q) + q.new_ones(q.shape) + q.new_zeros(q.shape) + q.new_full(q.shape, 2.0)
            + torch.full_like(q, 3.0) + torch.zeros(q.shape) + torch.full(q.shape, 0.5) + torch.scalar_tensor(1.5) + q)


def more_products(q, k):
    return torch.inner(q[0], k[0]) + torch.ger(q[0], k[1]).sum(0) + torch.outer(q[1], k[2]).sum(1)


def more_joins(q, k):
    d = q.size(1)
    a, b = q.split([d // 2, d // 2], dim=1)
    return torch.concat([q, k], 0)[: q.size(0)] + torch.concatenate([b, a], dim=1) + torch.cat([a, b], -1)


def dropout_and_casts(q, k):
    return F.dropout(q, 0.5, training=False) + q.type_as(k) + q.bool().float() + F.dropout1d(q, 0.1, False)


def copies_and_norm(q, k):
    two = torch.tensor(2.0, dtype=q.dtype)
    return q.clone().detach() + torch.norm(q, 2, 1, keepdim=True) + q.clamp_max(0.5) + (q != k).float() + two * q
