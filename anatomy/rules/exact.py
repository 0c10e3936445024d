"""The exact (≡) rule families, one block per law, one rule per line.

Metavariables are capitalised; ``z`` is the context axis (see :mod:`anatomy.rules.rule`).
A metavariable declared without one of the rule's axes may not depend on it — that is
the whole of most side conditions. Semantics are over the reals, with broadcasting: a term
that does not mention an axis is constant along it.
"""

from __future__ import annotations

from .rule import Rule

# ** axis: the paper's SIMD laws (tubes, strength, algebra) **
# Sums are the algebra of the tube; a factor constant along the tube commutes with it
# (strength); sums over different tubes commute (naturality).
AXIS = (
    Rule("sum-swap", "axis", "sum_j(sum_k(X[z, j, k]))", "sum_k(sum_j(X[z, j, k]))", vars="X[z, j, k]", direction="->", source="Fubini: sums over different tubes commute"),
    Rule("max-swap", "axis", "max_j(max_k(X[z, j, k]))", "max_k(max_j(X[z, j, k]))", vars="X[z, j, k]", direction="->", source="maxima over different tubes commute"),
    Rule("sum-pull-mul", "axis", "sum_j(A[z] * B[z, j])", "A[z] * sum_j(B[z, j])", vars="A[z] B[z, j]", source="strength: a factor constant along the tube leaves the sum"),
    Rule("sum-pull-div", "axis", "sum_j(B[z, j] / A[z])", "sum_j(B[z, j]) / A[z]", vars="A[z] B[z, j]", source="strength: a divisor constant along the tube leaves the sum"),
    Rule("sum-add", "axis", "sum_j(A[z, j] + B[z, j])", "sum_j(A[z, j]) + sum_j(B[z, j])", vars="A[z, j] B[z, j]", source="the sum is linear"),
    Rule("max-pull-add", "axis", "max_j(A[z] + B[z, j])", "A[z] + max_j(B[z, j])", vars="A[z] B[z, j]", source="max commutes with a shift constant along the tube"),
    Rule("alpha-rename", "axis", "sum_j(X[z, j])", "sum_k(X[z, k])", vars="X[z, j]", sizes="j: N, k: N", direction="->", engine="prepare", source="α-conversion: a bound axis may take any name not free in its body (applied to give one term's bound axes the other's names, by the leaf axes they range over)"),
)

# ** algebra: the commutative semiring of reals, division by a nonzero divisor **
ALGEBRA = (
    Rule("add-comm", "algebra", "A[z] + B[z]", "B[z] + A[z]", vars="A[z] B[z]", direction="->", source="commutativity of +"),
    Rule("mul-comm", "algebra", "A[z] * B[z]", "B[z] * A[z]", vars="A[z] B[z]", direction="->", source="commutativity of ×"),
    Rule("add-assoc", "algebra", "(A[z] + B[z]) + C[z]", "A[z] + (B[z] + C[z])", vars="A[z] B[z] C[z]", source="associativity of +"),
    Rule("mul-assoc", "algebra", "(A[z] * B[z]) * C[z]", "A[z] * (B[z] * C[z])", vars="A[z] B[z] C[z]", source="associativity of ×"),
    Rule("mul-add", "algebra", "A[z] * (B[z] + C[z])", "A[z] * B[z] + A[z] * C[z]", vars="A[z] B[z] C[z]", source="distributivity"),
    Rule("div-mul", "algebra", "(A[z] / B[z]) * C[z]", "(A[z] * C[z]) / B[z]", vars="A[z] B[z] C[z]", source="a / b · c = a·c / b"),
    Rule("div-div", "algebra", "(A[z] / B[z]) / C[z]", "A[z] / (B[z] * C[z])", vars="A[z] B[z] C[z]", source="a / b / c = a / (b·c)"),
    Rule("sub-add-neg", "algebra", "A[z] - B[z]", "A[z] + -B[z]", vars="A[z] B[z]", source="subtraction is adding the negation"),
    Rule("neg-mul", "algebra", "-(A[z] * B[z])", "-A[z] * B[z]", vars="A[z] B[z]", source="(-a)·b = -(a·b)"),
    Rule("sub-self", "algebra", "A[z] - A[z]", "0", vars="A[z]", direction="->", source="a - a = 0"),
    Rule("add-zero", "algebra", "A[z] + 0", "A[z]", vars="A[z]", direction="->", source="0 is the unit of +"),
    Rule("mul-one", "algebra", "A[z] * 1", "A[z]", vars="A[z]", direction="->", source="1 is the unit of ×"),
    Rule("mul-zero", "algebra", "A[z] * 0", "0", vars="A[z]", direction="->", source="0 absorbs × (over the reals)"),
    Rule("div-zero", "algebra", "(A[z] * 0) / B[z]", "(A[z] / B[z]) * 0", vars="A[z] B[z]", direction="->", source="0 / b = 0 for b ≠ 0"),
    Rule("div-cancel-size", "algebra", "(A[z] * sqrt(size(j))) / sqrt(size(j))", "A[z]", vars="A[z]", sizes="j: J", direction="->", source="cancel a positive factor: sizes are at least 1"),
    Rule("div-one", "algebra", "A[z] / 1", "A[z]", vars="A[z]", direction="->", source="a / 1 = a"),
)

# ** exp, log, softmax: the exponential turns sums into products; softmax is exp over its sum **
SOFTMAX = (
    Rule("exp-add", "softmax", "exp(A[z] + B[z])", "exp(A[z]) * exp(B[z])", vars="A[z] B[z]", source="exp(a + b) = exp(a)·exp(b)"),
    Rule("exp-sub", "softmax", "exp(A[z] - B[z])", "exp(A[z]) / exp(B[z])", vars="A[z] B[z]", source="exp(a - b) = exp(a) / exp(b)"),
    Rule("exp-zero", "softmax", "exp(0)", "1", direction="->", source="exp(0) = 1"),
    Rule("log-exp", "softmax", "log(exp(A[z]))", "A[z]", vars="A[z]", direction="->", source="log is the inverse of exp"),
    Rule("div-cancel-exp", "softmax", "(A[z] / exp(C[z])) / (B[z] / exp(C[z]))", "A[z] / B[z]", vars="A[z] B[z] C[z]", direction="->", source="cancel a positive common factor"),
    Rule("mul-cancel-exp", "softmax", "(A[z] * exp(C[z])) / (B[z] * exp(C[z]))", "A[z] / B[z]", vars="A[z] B[z] C[z]", direction="->", source="cancel a positive common factor"),
    Rule("softmax-def", "softmax", "softmax_j(X[z, j])", "exp(X[z, j]) / sum_j(exp(X[z, j]))", vars="X[z, j]", source="Bridle 1990: softmax is exp over its sum"),
    Rule("softmax-shift", "softmax", "softmax_j(X[z, j] + C[z])", "softmax_j(X[z, j])", vars="X[z, j] C[z]", direction="->", source="shift invariance: a term constant along the softmax axis cancels"),
    Rule("softmax-shift-sub", "softmax", "softmax_j(X[z, j] - C[z])", "softmax_j(X[z, j])", vars="X[z, j] C[z]", direction="->", source="shift invariance (subtracting, e.g. the row maximum)"),
    Rule("normalize-def", "softmax", "normalize_j(X[z, j])", "X[z, j] / sqrt(sum_j(X[z, j] * X[z, j]))", vars="X[z, j]", source="L2 normalisation"),
)

# ** masks and positions: where composes by conjunction; masked weights vanish **
MASKS = (
    Rule("where-and", "masks", "where(M[z], where(N[z], X[z], Y[z]), Y[z])", "where(M[z] & N[z], X[z], Y[z])", vars="M[z]: bool N[z]: bool X[z] Y[z]", source="masks compose by conjunction"),
    Rule("and-comm", "masks", "M[z] & N[z]", "N[z] & M[z]", vars="M[z]: bool N[z]: bool", direction="->", source="commutativity of ∧"),
    Rule("where-mul", "masks", "where(M[z], X[z], 0) * Y[z]", "where(M[z], X[z] * Y[z], 0)", vars="M[z]: bool X[z] Y[z]", source="a masked-out weight contributes zero"),
    Rule("where-div", "masks", "where(M[z], X[z], 0) / Y[z]", "where(M[z], X[z] / Y[z], 0)", vars="M[z]: bool X[z] Y[z]", source="a masked-out weight stays zero after scaling"),
    Rule("where-sum-pull", "masks", "sum_k(where(M[z], X[z, k], 0))", "where(M[z], sum_k(X[z, k]), 0)", vars="M[z]: bool X[z, k]", source="a mask constant along the sum's tube leaves it"),
    Rule("exp-where-neg-inf", "masks", "exp(where(M[z], X[z], -inf))", "where(M[z], exp(X[z]), 0)", vars="M[z]: bool X[z]", source="exp(-inf) = 0: a masked score gets zero weight"),
    Rule("select-index", "masks", "sum_r(where(r == j, A[z] * r + B[z], 0))", "A[z] * j + B[z]", vars="A[z] B[z]", sizes="j: N, r: N", direction="->", engine="prepare", source="a one-hot sum over r reads its term at the selected position, when that position is in range (shown for r == j; applied to any position expression whose range fits, under the claim's size conditions)"),
    Rule("causal-align", "masks", "j <= i + (size(j) - size(i))", "j <= i", sizes="i: N, j: N", direction="->", source="lower-right and upper-left causal masks agree when n_q = n_k"),
)

# ** recurrence: prefix scans are masked sums; online softmax is softmax **
RECURRENCE = (
    Rule("scan-prefix-sum", "recurrence", "scan_t(S[z] = 0 => S[z] + X[z, t]).S", "sum_u(where(u <= t, X[z, u], 0))", vars="X[z, t]", sizes="t: T, u: T", direction="->", engine="prepare", source="a running sum is a causally masked sum (Katharopoulos et al. 2020, §3.4)"),
    Rule("scan-output-split", "recurrence", "scan_t(S[z] = 0 => S[z] + X[z, t], Y[z] = 0 => (S[z] + X[z, t]) * 2).Y", "scan_t(S[z] = 0 => S[z] + X[z, t]).S * 2", vars="X[z, t]", direction="->", engine="prepare", source="a scan's component that reads the other states only through their new values is a map of their sequences; states a component does not depend on can be dropped (shown for one running sum; applied to any steps)"),
    Rule("online-softmax", "recurrence",
         "sum_b(where(b == size(b) - 1, scan_b("
         "m[z] = -inf => max(m[z], max_c(S[z, b, c])), "
         "l[z] = 0 => l[z] * exp(m[z] - max(m[z], max_c(S[z, b, c]))) + sum_c(exp(S[z, b, c] - max(m[z], max_c(S[z, b, c])))), "
         "a[z] = 0 => a[z] * exp(m[z] - max(m[z], max_c(S[z, b, c]))) + sum_c(exp(S[z, b, c] - max(m[z], max_c(S[z, b, c]))) * W[z, b, c]), "
         "y[z] = 0 => (a[z] * exp(m[z] - max(m[z], max_c(S[z, b, c]))) + sum_c(exp(S[z, b, c] - max(m[z], max_c(S[z, b, c]))) * W[z, b, c])) "
         "/ (l[z] * exp(m[z] - max(m[z], max_c(S[z, b, c]))) + sum_c(exp(S[z, b, c] - max(m[z], max_c(S[z, b, c])))))).y, 0))",
         "sum_b(sum_c(exp(S[z, b, c]) * W[z, b, c])) / sum_b(sum_c(exp(S[z, b, c])))",
         vars="S[z, b, c] W[z, b, c]", direction="->",
         source="Milakov & Gimelshein 2018, arXiv:1805.02867: online normaliser calculation"),
)

# ** heads: a split feature axis is a head axis; splitting commutes with elementwise ops **
HEADS = (
    Rule("split-unary-exp", "heads", "exp(split_{j->b, c}(X[z, j]))", "split_{j->b, c}(exp(X[z, j]))", vars="X[z, j]", sizes="j: B*C, b: B, c: C", source="splitting an axis is natural for elementwise maps"),
    Rule("split-mul", "heads", "split_{j->b, c}(X[z, j]) * split_{j->b, c}(Y[z, j])", "split_{j->b, c}(X[z, j] * Y[z, j])", vars="X[z, j] Y[z, j]", sizes="j: B*C, b: B, c: C", source="splitting an axis is natural for elementwise maps"),
    Rule("split-add", "heads", "split_{j->b, c}(X[z, j]) + split_{j->b, c}(Y[z, j])", "split_{j->b, c}(X[z, j] + Y[z, j])", vars="X[z, j] Y[z, j]", sizes="j: B*C, b: B, c: C", source="splitting an axis is natural for elementwise maps"),
    Rule("split-sub", "heads", "split_{j->b, c}(X[z, j]) - split_{j->b, c}(Y[z, j])", "split_{j->b, c}(X[z, j] - Y[z, j])", vars="X[z, j] Y[z, j]", sizes="j: B*C, b: B, c: C", source="splitting an axis is natural for elementwise maps"),
    Rule("split-div-const", "heads", "split_{j->b, c}(X[z, j]) / Y[z]", "split_{j->b, c}(X[z, j] / Y[z])", vars="X[z, j] Y[z]", sizes="j: B*C, b: B, c: C", source="splitting an axis commutes with a factor constant along it"),
    Rule("split-mul-const", "heads", "split_{j->b, c}(X[z, j]) * Y[z]", "split_{j->b, c}(X[z, j] * Y[z])", vars="X[z, j] Y[z]", sizes="j: B*C, b: B, c: C", source="splitting an axis commutes with a factor constant along it"),
    Rule("split-sum", "heads", "sum_b(sum_c(split_{j->b, c}(X[z, j])))", "sum_j(X[z, j])", vars="X[z, j]", sizes="j: B*C, b: B, c: C", direction="->", source="summing both halves of a split axis sums the axis"),
    Rule("split-sum-inner", "heads", "sum_c(sum_b(split_{j->b, c}(X[z, j])))", "sum_j(X[z, j])", vars="X[z, j]", sizes="j: B*C, b: B, c: C", direction="->", source="summing both halves of a split axis sums the axis"),
    Rule("split-merge", "heads", "split_{j->b, c}(merge_{b, c->j}(X[z, b, c]))", "X[z, b, c]", vars="X[z, b, c]", sizes="j: B*C, b: B, c: C", direction="->", source="split undoes merge"),
    Rule("split-sum-other", "heads", "split_{j->b, c}(sum_x(X[z, x, j]))", "sum_x(split_{j->b, c}(X[z, x, j]))", vars="X[z, x, j]", sizes="j: B*C, b: B, c: C", direction="->", source="splitting an axis commutes with a sum over another"),
    Rule("merge-split", "heads", "merge_{b, c->j}(split_{j->b, c}(X[z, j]))", "X[z, j]", vars="X[z, j]", sizes="j: B*C, b: B, c: C", direction="->", source="merge undoes split"),
    Rule("select-natural", "heads", "exp(sum_h(where(h == 0, X[z, h], 0)))", "sum_h(where(h == 0, exp(X[z, h]), 0))", vars="X[z, h]", direction="->", engine="prepare", source="selecting a head commutes with every elementwise map and every reduction over another axis (shown for exp; applied to all)"),
    Rule("concat-heads", "heads", "concat_{e->c}(sum_h(where(h == 0, X[z, h, e], 0)), sum_h(where(h == 1, X[z, h, e], 0)))", "merge_{h, e->c}(X[z, h, e])", vars="X[z, h, e]", sizes="h: 2, c: 2*E", direction="->", engine="prepare", source="a loop over heads joined by concatenation is a merged head axis (shown for 2 heads; applied to any number)"),
    Rule("sum-merge", "heads", "sum_j(merge_{b, c->j}(X[z, b, c]) * Y[z, j])", "sum_b(sum_c(X[z, b, c] * split_{j->b, c}(Y[z, j])))", vars="X[z, b, c] Y[z, j]", sizes="j: B*C, b: B, c: C", direction="->", source="a contraction over merged heads is a contraction over heads and features"),
)

# ** concatenation: elementwise maps and sums act part by part **
# ``concat_{j->k}(A, B)`` appends B (which lacks j: one slot) to A along j, giving axis k.
CONCAT = (
    Rule("concat-exp", "concat", "exp(concat_{j->k}(A[z, j], B[z]))", "concat_{j->k}(exp(A[z, j]), exp(B[z]))", vars="A[z, j] B[z]", sizes="k: J+1", source="elementwise maps act part by part"),
    Rule("concat-mul", "concat", "concat_{j->k}(A[z, j], B[z]) * concat_{j->k}(C[z, j], D[z])", "concat_{j->k}(A[z, j] * C[z, j], B[z] * D[z])", vars="A[z, j] B[z] C[z, j] D[z]", sizes="k: J+1", source="elementwise maps act part by part"),
    Rule("concat-mul-const", "concat", "concat_{j->k}(A[z, j], B[z]) * C[z]", "concat_{j->k}(A[z, j] * C[z], B[z] * C[z])", vars="A[z, j] B[z] C[z]", sizes="k: J+1", source="a factor constant along the parts scales each"),
    Rule("concat-div-const", "concat", "concat_{j->k}(A[z, j], B[z]) / C[z]", "concat_{j->k}(A[z, j] / C[z], B[z] / C[z])", vars="A[z, j] B[z] C[z]", sizes="k: J+1", source="a divisor constant along the parts scales each"),
    Rule("concat-sum-other", "concat", "sum_d(concat_{j->k}(A[z, j, d], B[z, d]))", "concat_{j->k}(sum_d(A[z, j, d]), sum_d(B[z, d]))", vars="A[z, j, d] B[z, d]", sizes="k: J+1", source="a sum over another axis acts part by part"),
    Rule("concat-sum", "concat", "sum_k(concat_{j->k}(A[z, j], B[z]))", "sum_j(A[z, j]) + B[z]", vars="A[z, j] B[z]", sizes="k: J+1", direction="->", source="a sum over the concatenated axis adds the parts' sums"),
)

FAMILIES: dict[str, tuple[Rule, ...]] = {
    "axis": AXIS, "algebra": ALGEBRA, "softmax": SOFTMAX, "masks": MASKS, "concat": CONCAT, "recurrence": RECURRENCE,
    "heads": HEADS,
}
