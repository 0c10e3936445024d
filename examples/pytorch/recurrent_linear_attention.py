"""Causal linear attention as a recurrence: a Python loop over time with a running state.

Katharopoulos et al. (2020), the RNN form: feature map ``elu(x) + 1``, a key-value state and
a key sum updated at each step. Equal to ``causal_linear_cumsum.py``.
"""

import torch
import torch.nn.functional as F


def attention(q, k, v):
    q, k = F.elu(q) + 1, F.elu(k) + 1
    state = torch.zeros(q.size(-1), v.size(-1), dtype=q.dtype)
    norm = torch.zeros(q.size(-1), dtype=q.dtype)
    outs = []
    for t in range(q.size(0)):
        state = state + torch.outer(k[t], v[t])
        norm = norm + k[t]
        outs.append((q[t] @ state) / (q[t] @ norm))
    return torch.stack(outs)
