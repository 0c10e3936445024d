"""The finite-field identity test (anatomy.verify.field): constants, exp, fragment, cases, rules, bound."""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction

import pytest

from anatomy.errors import UsageError
from anatomy.examples import equivalence_cases
from anatomy.ir.ops import BinaryOp, UnaryOp
from anatomy.ir.term import Axis, Binary, Const, Dim, Index, Input, Param, Softmax, Term, Unary, Where
from anatomy.ir.variant import load_variant
from anatomy.rules import EXACT_RULES as RULES
from anatomy.verify import field
from anatomy.verify.field import P, Q, FieldScalars, FieldValue, field_test, pass_bound, size_cases

# -- primality: a deterministic Miller–Rabin ---------------------------------------------

_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
"""The first 13 primes: a deterministic witness set for n < 3.3·10^24 (Sorenson and Webster 2015)."""


def is_prime(n: int) -> bool:
    assert n < 3_317_044_064_679_887_385_961_981, "the witness set is only proven below 3.3e24"
    if n < 2:
        return False
    for b in _BASES:
        if n % b == 0:
            return n == b
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def test_miller_rabin_matches_a_sieve_and_rejects_carmichael_numbers():
    sieve = [True] * 5000
    sieve[0] = sieve[1] = False
    for k in range(2, 71):
        sieve[k * k::k] = [False] * len(sieve[k * k::k])
    assert [n for n in range(5000) if is_prime(n)] == [n for n in range(5000) if sieve[n]]
    assert not any(is_prime(n) for n in (561, 1105, 1729, 2465, 2821, 6601, 3215031751, 3825123056546413051))
    assert is_prime(2 ** 61 - 1) and not is_prime(2 ** 67 - 1)


def test_constants_are_large_primes_with_q_dividing_p_minus_1():
    assert is_prime(Q) and is_prime(P)
    assert (P - 1) % Q == 0
    assert Q.bit_length() == 61 and P.bit_length() == 67


def test_omega_has_order_q():
    for seed in range(5):
        w = field._omega(random.Random(seed))
        assert w != 1 and pow(w, Q, P) == 1  # Q is prime, so the order is exactly Q


# -- the scalars -----------------------------------------------------------------------

def _random_value(rng: random.Random) -> FieldValue:
    return FieldValue(rng.randrange(P), rng.randrange(Q), None, 1)


def test_exp_is_a_homomorphism_from_zq_to_zp():
    rng = random.Random(1)
    s = FieldScalars(field._omega(rng))
    add, sub, mul, div = (s.binary[op] for op in (BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV))
    for _ in range(20):
        x, y = _random_value(rng), _random_value(rng)
        assert s.exp(add(x, y)).p == mul(s.exp(x), s.exp(y)).p
        assert s.exp(sub(x, y)).p == div(s.exp(x), s.exp(y)).p
        assert s.exp(mul(x, FieldValue.of(Fraction(1, 3)))).p ** 3 % P == s.exp(x).p
    assert s.exp(FieldValue.of(Fraction(0))).exact == 1
    assert s.exp(FieldValue.of(float("-inf"))).exact == 0


def test_exact_values_stay_exact_and_match_their_residues():
    half = FieldValue.of(Fraction(1, 2))
    assert half.p * 2 % P == 1 and half.q * 2 % Q == 1
    s = FieldScalars(field._omega(random.Random(0)))
    assert s.binary[BinaryOp.LE](FieldValue.of(Fraction(2)), FieldValue.of(Fraction(3))).exact is True
    assert math.isnan(s.binary[BinaryOp.DIV](FieldValue.of(Fraction(0)), FieldValue.of(Fraction(0))).exact)
    x = _random_value(random.Random(2))
    assert s.binary[BinaryOp.MUL](x, FieldValue.of(Fraction(0))).exact == 0
    assert s.binary[BinaryOp.MAX](FieldValue.of(float("-inf")), x) is x
    assert s.binary[BinaryOp.LT](FieldValue.of(float("-inf")), x).exact is True


# -- terms -------------------------------------------------------------------------------

I, J = Axis("i", "n"), Axis("j", "m")
X = Input("X", (I, J))
A, B, C = (Input(name, (I,)) for name in "ABC")


def exp(t: Term) -> Term:
    return Unary(UnaryOp.EXP, t)


def test_polynomial_identity_agrees_with_a_tiny_bound():
    v = field_test(A * (B + C), A * B + A * C)
    assert v.verdict == "agree" and v.terms == 0 and v.degree == 2
    assert v.false_pass_bound == pass_bound(2, 0, 8) == pytest.approx((2 / P) ** 8)
    assert v.false_pass_bound < 1e-6
    assert v.to_json()["bound_method"] == "schwartz-zippel"


def test_bound_formulas():
    assert field.draw_bound(3, 0) == 3 / P
    assert field.draw_bound(1, 2) == 8 * 16 / Q + Q ** -0.25
    assert pass_bound(1, 2, 8) == pytest.approx((8 * 16 / Q + Q ** -0.25) ** 8)
    assert 0.9 < pass_bound(1, 100, 8) < 1.0  # Q^(-1/k²) dominates: many exp-terms need many draws
    assert pass_bound(10 ** 20, 10 ** 6, 8) == 1.0  # capped
    assert pass_bound(0, 0, 8) == 0.0  # only exact entries: nothing random can pass by chance
    assert 0.0 < pass_bound(1, 0, 1000)  # an underflow reports the smallest positive float


def test_exp_identities_use_mirage_theorem_2():
    v = field_test(exp(A + B), exp(A) * exp(B))
    assert v.verdict == "agree" and v.terms == 2 and v.degree == 1
    assert v.to_json()["bound_method"] == "mirage-theorem-2"
    assert v.false_pass_bound == pass_bound(1, 2, 8) < 1e-30


@pytest.mark.parametrize("left, right", [
    (Softmax(X + Index(J), "j"), Softmax(X, "j")),                # a shift that depends on j
    (exp(A * B), exp(A) * exp(B)),
    ((A + B) / C, A / C + B),
    ((A + B) / C, A / B + B / C),
    (exp(A) / exp(B), exp(B - A)),
], ids=["softmax-shift-along-j", "exp-mul", "div-add-one-side", "div-wrong-divisor", "exp-sub-swapped"])
def test_false_identities_are_caught(left, right):
    v = field_test(left, right)
    assert v.verdict == "differ", v.to_json()
    cex = v.to_json()["counterexample"]
    assert cex["modulus"] == P and cex["left_residue"] != cex["right_residue"]
    assert set(cex["entry"]) == set(left.axes)


def test_true_identities_with_a_j_dependent_input():
    cj = Input("c", (J,))
    assert field_test(Softmax(X + A, "j"), Softmax(X, "j")).verdict == "agree"   # constant along j
    assert field_test(Softmax(X + cj, "j"), Softmax(X, "j")).verdict == "differ"  # depends on j
    assert field_test((A + B) / C, A / C + B / C).verdict == "agree"


def test_exact_causal_masks():
    s = Input("S", (I, Axis("j", "n")))
    j, i = Index(Axis("j", "n")), Index(I)
    mask = Binary(BinaryOp.LE, j, i)
    sugar = Softmax(Where(mask, s, Const(float("-inf"))), "j")
    e = Where(mask, exp(s), Const(0.0))
    assert field_test(sugar, e / e.sum("j")).verdict == "agree"
    strict = Where(Binary(BinaryOp.LT, j, i), exp(s), Const(0.0))
    v = field_test(sugar, strict / strict.sum("j"))
    assert v.verdict == "differ"
    # Row 0 keeps no key under j < i: 0/0, an exact nan against a residue.
    assert v.counterexample.right_exact == "nan" and v.counterexample.entry["i"] == 0


def test_max_with_minus_inf_is_exact():
    assert field_test(Binary(BinaryOp.MAX, Const(float("-inf")), A), A).verdict == "agree"


@pytest.mark.parametrize("left, right, why", [
    (Unary(UnaryOp.TANH, A), A, "tanh"),
    (Unary(UnaryOp.LOG, exp(A)), A, "log"),
    (Binary(BinaryOp.MAX, A, B), A, "max"),
    (X.max("j"), X.sum("j"), "max_j(X[i, j])"),  # agrees at m = 1, not applicable from m = 2
    (exp(exp(A)), A, "a second exp"),
    (Where(Binary(BinaryOp.LT, A, B), A, B), A, "lt is outside"),
    (Unary(UnaryOp.SQRT, A * A), A, "sqrt"),
    (A * Const(float("inf")), A, "infinity"),
], ids=["tanh", "log", "max", "max-reduce", "exp-exp", "where-random", "sqrt-random", "inf-times-random"])
def test_outside_the_fragment(left, right, why):
    v = field_test(left, right)
    assert v.verdict == "not-applicable" and why in v.reason, v.reason
    assert v.false_pass_bound is None and v.counterexample is None


def test_sqrt_of_a_size_gets_perfect_squares():
    d = Axis("d", "dk")
    q = Input("q", (d,))
    scaled = q / Unary(UnaryOp.SQRT, Dim("dk"))
    cases = size_cases(scaled, scaled)
    assert cases[0] == {"dk": 1} and all(int(c["dk"] ** 0.5) ** 2 == c["dk"] for c in cases)
    assert field_test(scaled * Unary(UnaryOp.SQRT, Dim("dk")), q).verdict == "agree"
    v = field_test(scaled, q, sizes={"dk": 2})
    assert v.verdict == "not-applicable" and "sqrt(2)" in v.reason


def test_size_cases_all_ones_then_distinct_and_fixed_sizes_win():
    cases = size_cases(X, X)
    assert cases[0] == {"m": 1, "n": 1}
    assert all(len(set(c.values())) == len(c) for c in cases[1:])
    v = field_test(X, X, sizes={"n": 4})
    assert v.verdict == "agree" and all(c["n"] == 4 for c in v.sizes)


def test_a_divisor_that_is_always_zero_is_not_applicable():
    v = field_test(A / (B - B), A)
    assert v.verdict == "not-applicable" and "divisor was zero" in v.reason


def test_deterministic():
    case = {c.name: c for c in equivalence_cases()}["sdpa-contraction-vs-exp-sum"]
    a, b = load_variant(case.a).term, load_variant(case.b).term
    first = json.dumps(field_test(a, b, seed=3).to_json())
    assert first == json.dumps(field_test(a, b, seed=3).to_json())
    differ = field_test(exp(A * B), exp(A) * exp(B), seed=5).to_json()
    assert differ == field_test(exp(A * B), exp(A) * exp(B), seed=5).to_json()
    assert json.loads(json.dumps(differ)) == differ


@pytest.mark.parametrize("call", [
    lambda: field_test(A, B, repetitions=0),
    lambda: field_test(A, B, repetitions=True),
    lambda: field_test(A, B, seed=-1),
    lambda: field_test(A, B, sizes={"n": 0}),
    lambda: field_test(A, X),
    lambda: field_test(A, Input("A", (J,)).rename(j="i")),
    lambda: field_test("A", B),
], ids=["repetitions=0", "repetitions=True", "seed=-1", "sizes-n=0", "outputs-differ", "leaf-axes-differ",
        "not-a-term"])
def test_invalid_arguments(call):
    with pytest.raises(UsageError):
        call()


# -- the built-in equivalence cases --------------------------------------------------------

IN_FRAGMENT = {
    "alibi-bias-matrix-vs-elementwise": "agree", "causal-alignments-square": "agree",
    "multi-head-axis-vs-head-loop": "agree", "sdpa-contraction-vs-exp-sum": "agree",
    "softmax-plus-one-vs-zero-sink": "agree",
    "alibi-sign-flipped": "differ", "causal-alignments-rectangular": "differ", "scaled-vs-unscaled": "differ",
    "sliding-window-2-vs-3": "differ", "softmax-plus-one-vs-softmax": "differ", "softmax-wrong-axis": "differ",
}
"""11 of the 18 cases; the other 7 use elu (4), max of random scores (2) or the sqrt of an L2 norm (1)."""


def test_equivalence_cases():
    expect = {"equivalent": "agree", "distinct": "differ"}
    seen = {}
    for case in equivalence_cases():
        v = field_test(load_variant(case.a).term, load_variant(case.b).term)
        seen[case.name] = v.verdict
        if v.verdict == "not-applicable":
            assert v.reason and " is outside the fragment " in v.reason, (case.name, v.reason)
            continue
        assert v.verdict == expect.get(case.relation, v.verdict), (case.name, v.to_json())
    assert {name: seen.get(name) for name in IN_FRAGMENT} == IN_FRAGMENT
    assert sum(v != "not-applicable" for v in seen.values()) >= len(IN_FRAGMENT) == 11


# -- the rule tables ----------------------------------------------------------------------

NOT_APPLICABLE = {
    "max-swap": "max", "max-pull-add": "max", "online-softmax": "max",  # max of random values
    "log-exp": "log", "normalize-def": "sqrt",                          # log, sqrt of a random value
    # Rule masks are random booleans written M[z] != 0: a comparison of a random value.
    **{name: "ne is outside" for name in ("where-and", "and-comm", "where-mul", "where-div", "where-sum-pull",
                                           "exp-where-neg-inf")},
}


def _broadcast(term: Term, other: Term) -> Term:
    """``term`` broadcast along the axes of ``other`` it lacks, by an exactly true mask."""
    for axis in other.type.axes:
        if axis.name not in term.axes:
            term = Where(Binary(BinaryOp.GE, Index(axis), Const(0.0)), term, term)
    return term


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule(rule):
    left, right = rule.sides
    v = field_test(_broadcast(left, right), _broadcast(right, left))
    if rule.name in NOT_APPLICABLE:
        assert v.verdict == "not-applicable" and NOT_APPLICABLE[rule.name] in v.reason, v.reason
    else:
        assert v.verdict == "agree", v.to_json()
        assert v.false_pass_bound is not None and 0.0 <= v.false_pass_bound <= 1.0


def test_param_leaves_and_scalar_outputs():
    w = Param("w", ())
    assert field_test((w * A).sum("i"), w * A.sum("i")).verdict == "agree"
    assert field_test((w * A).sum("i"), A.sum("i")).verdict == "differ"
