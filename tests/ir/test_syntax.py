"""Text syntax: parsing, printing, round trips, and every kind of bad input (with golden messages)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from anatomy.errors import AnatomyError, AxisTypeError, SyntaxError_, UnknownNameError, VariantFileError
from anatomy.examples import example_names, load_example
from anatomy.ir import Scope, format_variant, parse_term, parse_variant, print_term
from anatomy.ir.syntax.printer import _PRINT, print_with_lets
from anatomy.ir.term import NODE_KINDS
from tests.common.golden import check_golden
from tests.common.strategies import terms

HEAD = "variant bad\naxes i: n, j: m, d: dk, e: dv\ninput Q[i, d], K[j, d], V[j, e]\n"

# (name, file text, error class): one case per kind of mistake the issue names, and more.
BAD_FILES = [
    ("syntax-error", HEAD + "out[i, e] = sum_j(softmax_j(Q[i, d] * * K[j, d]) * V[j, e])\n", SyntaxError_),
    ("unclosed-bracket", HEAD + "out[i, e] = sum_j(V[j, e]\n", SyntaxError_),
    ("bad-character", HEAD + "out[i, d] = Q[i, d] ^ 2\n", SyntaxError_),
    ("unknown-name", HEAD + "out[i, j] = sum_d(Q[i, d] * Kk[j, d])\n", UnknownNameError),
    ("unknown-axis", HEAD + "out[i, j] = sum_f(Q[i, d] * K[j, d])\n", UnknownNameError),
    ("unknown-function", HEAD + "out[i, d] = sofmax(Q[i, d])\n", UnknownNameError),
    ("unknown-size-symbol", HEAD + "out[i, d] = Q[i, d] / sqrt(dq)\n", UnknownNameError),
    ("axis-two-sizes", "variant bad\naxes i: n, j: m, d: dk\ninput X[i, d]\nout[i, j] = sum_d(X[i, d] * X[j, d])\n",
     AxisTypeError),
    ("type-error-axes", HEAD + "out[i, j] = Q[i, d] + K[j, e]\n", AxisTypeError),
    ("type-error-bool", HEAD + "out[i, j] = (j <= i) + 1\n", AxisTypeError),
    ("mask-not-bool", HEAD + "out[i, e] = sum_j(where(j - i, V[j, e], 0))\n", AxisTypeError),
    ("out-axes-disagree", HEAD + "out[i, e] = sum_d(Q[i, d] * K[j, d])\n", AxisTypeError),
    ("wrong-index-count", HEAD + "out[i, d] = Q[i]\n", AxisTypeError),
    ("missing-out", HEAD, VariantFileError),
    ("missing-variant", "axes i: n\ninput a[i]\nout[i] = a[i]\n", VariantFileError),
    ("field-twice", HEAD + "variant again\nout[i, d] = Q[i, d]\n", VariantFileError),
    ("bad-keyword", HEAD + "outt[i, d] = Q[i, d]\n", SyntaxError_),
    ("chained-comparison", HEAD + "out[i, j] = where(0 < j < i, 1, 0)\n", SyntaxError_),
    ("scan-without-select", HEAD + "out[j, d] = scan_j(a[d] = 0 => a[d] + K[j, d], b[d] = 0 => b[d])\n",
     SyntaxError_),
    ("zero-size", "variant bad\naxes i: 0\ninput a[i]\nout[i] = a[i]\n", VariantFileError),
    ("name-declared-twice", "variant bad\naxes i: n, n: m\ninput a[i]\nout[i] = a[i]\n", VariantFileError),
    ("let-axes-disagree", HEAD + "let s[i] = sum_d(Q[i, d] * K[j, d])\nout[i, j] = s[i]\n", AxisTypeError),
    ("not-kebab-case", "variant Bad_Name\naxes i: n\ninput a[i]\nout[i] = a[i]\n", VariantFileError),
    ("declaration-after-out", HEAD + "out[i, d] = Q[i, d]\ninput W[d]\n", VariantFileError),
    ("unterminated-string", 'variant bad\ntitle "oops\n', SyntaxError_),
    ("tensor-called", HEAD + "out[i, d] = Q(i)\n", SyntaxError_),
    ("subscript-missing", HEAD + "out[i, d] = softmax(Q[i, d])\n", SyntaxError_),
]


@pytest.mark.parametrize("text,error", [(t, e) for _, t, e in BAD_FILES], ids=[n for n, _, _ in BAD_FILES])
def test_bad_input_is_one_located_error(text, error):
    with pytest.raises(error) as info:
        parse_variant(text, file="bad.attn")
    err = info.value
    assert isinstance(err, AnatomyError) and isinstance(err, (ValueError, TypeError))
    assert err.span is not None and err.span.file == "bad.attn" and err.hint


def test_bad_input_messages_golden():
    out = []
    for name, text, _ in BAD_FILES:
        try:
            parse_variant(text, file="bad.attn")
            out.append(f"## {name}\n(no error)\n")
        except AnatomyError as err:
            out.append(f"## {name}\n{err.render(docs=True)}\n")
    check_golden("syntax-errors.txt", "\n".join(out))


def test_every_example_round_trips_through_the_file_format():
    for name in example_names():
        v = load_example(name)
        again = parse_variant(format_variant(v))
        assert again == v and again.term is v.term


def test_printer_table_covers_every_node_kind():
    assert set(_PRINT) == set(NODE_KINDS)


@pytest.mark.parametrize("text", [
    "softmax_j(sum_d(Q[i, d] * K[j, d]) / sqrt(dk))",
    "-2 * Q[i, d] - -3 + -(2) - -Q[i, d]",
    "where((j <= i) & !(j < i - 3) | (i == j), 1, -inf)",
    "max(Q[i, d], 0) / size(dk*2+1)",
    "rename_{i->j}(exp(Q[i, d]))",
    "scan_j(S[d, e] = 0 => S[d, e] + K[j, d] * V[j, e])",
    "sum_{j}(K[j, d])",
])
def test_text_round_trips(text):
    scope = Scope.declare(axes={"i": "n", "j": "n", "d": "dk", "e": "dv"},
                          inputs={"Q": ("i", "d"), "K": ("j", "d"), "V": ("j", "e")})
    t = parse_term(text, scope)
    assert parse_term(print_term(t), Scope.of(t)) is t


def test_sum_with_braces_is_the_same_term():
    scope = Scope.declare(axes={"j": "m", "d": "dk"}, inputs={"K": ("j", "d")})
    assert parse_term("sum_{j}(K[j, d])", scope) is parse_term("sum_j(K[j, d])", scope)


def test_precedence_is_left_associative():
    scope = Scope.declare(axes={"i": "n"}, inputs={"a": ("i",), "b": ("i",), "c": ("i",)})
    t = parse_term("a[i] - b[i] - c[i]", scope)
    assert print_term(t) == "a[i] - b[i] - c[i]"
    u = parse_term("a[i] - (b[i] - c[i])", scope)
    assert u is not t and print_term(u) == "a[i] - (b[i] - c[i])"


def test_shared_subterms_become_lets():
    v = load_example("online-softmax")
    lets, body = print_with_lets(v.term, taken={"Q", "K", "V"})
    assert lets and all(name.startswith("t") for name, _, _ in lets)
    assert "scan_b(" in body


@settings(max_examples=150, deadline=None)
@given(terms())
def test_print_parse_round_trip_on_random_terms(t):
    assert parse_term(print_term(t), Scope.of(t)) is t
