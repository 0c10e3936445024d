"""The family (≅, ⊑) rules and the approximation (⊑≈) theorems, as data.

A variant with learnable parameters denotes a *family*: the set of functions its
parameters reach. A family rule relates two families by a **witness**: the right side's
parameters as terms of the left side's, such that lhs(θ) ≡ rhs(witness(θ)) for every θ —
an exact identity, which ``anatomy rules verify`` checks like any other. A ``≅`` rule has
an **inverse** witness too, so the two families are equal; a ``⊑`` rule has one witness,
so the left family is contained in the right one.

Each rule names the ``move`` by which the family search (:mod:`anatomy.family`)
instantiates it on two variants: it proposes the witness, the e-graph derives the
substituted identity, and the verifiers check it.

Approximation (⊑≈) is not an identity: :data:`APPROXIMATION` records the cited theorems,
which reports show apart from ≡, ≅ and ⊑.
"""

from __future__ import annotations

import dataclasses

from .rule import Rule

# ** parameters: reparametrise (≅), specialise (⊑); witnesses map the left side's θ to the right's **
PARAMETERS = (
    Rule("param-rename", "parameters", "sum_x(X[z, x] * W[x])", "sum_x(X[z, x] * V[x])", vars="X[z, x]", params="W[x] V[x]", level="≅", engine="family", witness="V = W[x]", inverse="W = V[x]", move="rename", source="parameters are compared up to renaming"),
    Rule("absorb-scale", "parameters", "sum_x(X[z, x] * W[x]) * C", "sum_x(X[z, x] * V[x])", vars="X[z, x] C", params="W[x] V[x]", level="≅", engine="family", witness="V = W[x] * C", inverse="W = V[x] / C", move="absorb", source="a nonzero constant factor is absorbed into an adjacent learnable linear map"),
    Rule("share-axis", "parameters", "sum_x(X[z, h, x] * W[x])", "sum_x(X[z, h, x] * V[h, x])", vars="X[z, h, x]", params="W[x] V[h, x]", level="⊑", engine="family", witness="V = W[x]", move="share", source="shared weights are per-head weights that happen to be equal (the strength map)"),
    Rule("fix-constant", "parameters", "X[z, j] + C[j]", "X[z, j] + B[j]", vars="X[z, j] C[j]", params="B[j]", level="⊑", engine="family", witness="B = C[j]", move="fix", source="a fixed constant is one value of a learnable parameter of its shape"),
    Rule("fix-relative", "parameters", "X[z, i, j] + S * (j - i)", "X[z, i, j] + sum_r(T[r] * where(r == j - i + size(i), 1, 0))", vars="X[z, i, j] S", params="T[r]", sizes="i: N, j: N, r: 2*N", level="⊑", engine="family", witness="T = S * (r - size(i))", move="relative", source="a bias that depends on positions only through their offset is one row of a learned relative-position table (Shaw et al. 2018; Raffel et al. 2020)"),
    Rule("zero-param", "parameters", "X[z, j]", "X[z, j] + B[j]", vars="X[z, j]", params="B[j]", level="⊑", engine="family", witness="B = 0", move="zero", source="no bias is a zero learnable bias"),
    Rule("merge-linear", "parameters", "sum_d(Q[z, d] * sum_f(sum_k(P[d, k] * R[f, k]) * K[z, f]))", "sum_d(Q[z, d] * sum_f(W[d, f] * K[z, f]))", vars="Q[z, d] K[z, f]", params="P[d, k] R[f, k] W[d, f]", level="⊑", engine="family", witness="W = sum_k(P[d, k] * R[f, k])", move="factor", source="two learnable linear maps compose to one; through a bottleneck k the product has rank at most size(k)"),
    Rule("merge-linear-full", "parameters", "sum_d(Q[z, d] * sum_f(sum_k(P[d, k] * R[f, k]) * K[z, f]))", "sum_d(Q[z, d] * sum_f(W[d, f] * K[z, f]))", vars="Q[z, d] K[z, f]", params="P[d, k] R[f, k] W[d, f]", level="≅", engine="family", witness="W = sum_k(P[d, k] * R[f, k])", inverse="P = where(k == d, 1, 0); R = sum_d(W[d, f] * where(k == d, 1, 0))", condition="D <= K", move="embed", source="without a rank bottleneck (size(k) >= size(d)) every bilinear form factors: P embeds, R carries W"),
    Rule("fuse-params", "parameters", "sum_x(X[z, x] * U[x]) + sum_x(Y[z, x] * V[x])", "sum_x(X[z, x] * sum_t(where(t == 0, W[x, t], 0))) + sum_x(Y[z, x] * sum_t(where(t == 1, W[x, t], 0)))", vars="X[z, x] Y[z, x]", params="U[x] V[x] W[x, t]", sizes="t: 2", level="≅", engine="family", witness="W = where(t == 0, U[x], V[x])", inverse="U = sum_t(where(t == 0, W[x, t], 0)); V = sum_t(where(t == 1, W[x, t], 0))", move="stack", source="a slice of a free parameter is a free parameter: fused projections are separate ones side by side"),
)


@dataclasses.dataclass(frozen=True)
class Theorem:
    """A universal-approximation theorem behind a ⊑≈ relation: a family whose score is
    ``form`` approximates, on compact sets and as ``grows`` increases, any family whose
    score is a continuous function of the same query and key."""

    name: str
    form: str
    grows: str
    statement: str
    source: str


APPROXIMATION = (
    Theorem("mlp-score", "sum_a(v[a] * tanh(affine(query, key)[a]))", "the hidden width (the axis a)",
            "a one-hidden-layer network with a continuous sigmoidal or tanh activation approximates any "
            "continuous function of its inputs uniformly on compact sets",
            "Cybenko 1989, Math. Control Signals Systems 2:303-314; Hornik, Stinchcombe & White 1989, "
            "Neural Networks 2:359-366"),
)
"""The cited theorems behind ⊑≈; never mixed into ≡, ≅ or ⊑."""
