"""The dimension of a family: the rank of the Jacobian of parameters -> outputs.

A variant with learnable parameters θ denotes the set of functions {X ↦ f(X; θ)}. Evaluated
at N sample inputs X₁…X_N, the map θ ↦ (f(X₁; θ), …, f(X_N; θ)) is analytic, so the set it
reaches has dimension equal to the generic rank of its Jacobian. If B's family is contained
in A's, then so are their images at the same samples, and dim B <= dim A: a larger rank for
B than for A at some sizes shows that B is *not* contained in A there (strictness of
A ⊑ B, or a negative answer to B ⊑ A).

The rank is computed in float64 with torch's autograd (exact derivatives, rounded once) at
random parameters; it is the number of singular values above ``RELATIVE`` times the
largest, and the record keeps the *gap* around that threshold, so a reader can see how
clear the cut was. The generic rank is the maximum over parameter draws; we take the
maximum over ``draws`` seeded draws.

Example:
    >>> from anatomy.ir.build import axis, param, tensor
    >>> i, d, k = axis("i", "n"), axis("d", "dd"), axis("k", "kk")
    >>> x, p, r = tensor("X", i, d), param("P", d, k), param("R", d, k)
    >>> low_rank = ((x * p).sum("d") * r).sum("k")          # X P Rᵀ: rank <= size(k)
    >>> family_rank(low_rank, sizes={"n": 4, "dd": 3, "kk": 1}).rank   # 3·1 + 3·1 - 1·1
    5
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from ..ir.term import Term
from ..ir.traverse import inputs, params
from . import evaluate, random_values

RELATIVE = 1e-9
"""A singular value counts when it exceeds this times the largest…"""

NOISE = 1e-10
"""… and this times the size of the outputs (their root-sum-square, at least 1): a
Jacobian that is zero analytically comes out of float64 as rounding noise, whose singular
values must not count (a key bias under softmax has dimension 0, not full rank)."""

CLEAR_GAP = 1e4
"""A cut is clear when the singular values on either side differ by at least this factor."""


@dataclasses.dataclass(frozen=True)
class Rank:
    """The Jacobian rank of a family at ``sizes``: ``rank`` of ``params`` parameters,
    with the singular values just above and below the cut (``gap`` is their ratio)."""

    rank: int
    params: int
    sizes: dict[str, int]
    above: float
    below: float
    samples: int
    draws: int

    @property
    def gap(self) -> float:
        return float("inf") if self.below == 0 else self.above / self.below

    @property
    def clear(self) -> bool:
        return self.rank == 0 or self.rank == self.params or self.gap >= CLEAR_GAP

    def to_json(self) -> dict:
        return {"rank": self.rank, "params": self.params, "sizes": dict(self.sizes), "above": self.above,
                "below": self.below, "samples": self.samples, "draws": self.draws}


def family_rank(term: Term, *, sizes: Mapping[str, int], seed: int = 0, draws: int = 2) -> Rank:
    """The Jacobian rank of ``term``'s outputs with respect to its parameters, at ``sizes``."""
    import torch

    leaves = params(term)
    sizes = dict(sorted(sizes.items()))
    if not leaves:
        return Rank(0, 0, sizes, 0.0, 0.0, 0, 0)
    shapes = {p.name: tuple(a.size.evaluate(sizes) for a in p.shape) for p in leaves}
    count = sum(int(np.prod(s)) for s in shapes.values())
    out = int(np.prod([a.size.evaluate(sizes) for a in term.type.axes])) or 1
    samples = max(2, -(-2 * count // out))
    data = [{k: v for k, v in random_values(term, sizes=sizes, seed=seed + 1000 + s).items()
             if k in {x.name for x in inputs(term)}} for s in range(samples)]

    def outputs(theta: torch.Tensor) -> torch.Tensor:
        values, at = {}, 0
        for name, shape in shapes.items():
            n = int(np.prod(shape))
            values[name] = theta[at:at + n].reshape(shape)
            at += n
        return torch.cat([evaluate(term, {**x, **values}, sizes=sizes, backend="torch").data.reshape(-1)
                          for x in data])

    best: tuple[int, float, float] = (-1, 0.0, 0.0)
    for draw in range(draws):
        start = random_values(term, sizes=sizes, seed=seed + draw)
        theta = torch.tensor(np.concatenate([start[name].reshape(-1) for name in shapes]), dtype=torch.float64)
        jac = torch.autograd.functional.jacobian(outputs, theta, vectorize=True)
        s = np.linalg.svd(jac.detach().numpy(), compute_uv=False)
        s = s[np.isfinite(s)]
        top = s[0] if s.size else 0.0
        floor = max(top * RELATIVE, NOISE * max(1.0, float(torch.linalg.vector_norm(outputs(theta)))))
        rank = int(np.sum(s > floor))
        above = float(s[rank - 1]) if rank else 0.0
        below = float(s[rank]) if rank < s.size else 0.0
        if rank > best[0]:
            best = (rank, above, below)
    return Rank(best[0], count, sizes, best[1], best[2], samples, draws)
