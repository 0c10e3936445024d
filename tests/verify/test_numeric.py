"""The numeric oracle: default cases unchanged, hypothesis-drawn cases deterministic, value
classes drawn and judged (overflow apart from difference), counterexamples that replay."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from anatomy.errors import AnatomyError
from anatomy.examples import load_example
from anatomy.ir.variant import parse_variant
from anatomy.verify.numeric import (RANGED_CLASSES, VALUE_CLASSES, Case, case_values, compare, draw_cases,
                                    mask_leaves, relative_rms_error, run_case, value_classes)

ROOT = Path(__file__).resolve().parents[2]

_ATTENTION = """variant {name}
axes i: n, j: m, d: dk, e: dv
input Q[i, d], K[j, d], V[j, e]{extra}
let s[i, j] = sum_d(Q[i, d] * K[j, d]){scale}
{body}
"""


def attn(body: str, *, name: str = "t", extra: str = "", scale: str = " / sqrt(dk)"):
    return parse_variant(_ATTENTION.format(name=name, extra=extra, scale=scale, body=body)).term


SOFTMAX = attn("out[i, e] = sum_j(softmax_j(s[i, j]) * V[j, e])")
# exp(s) / sum(exp(s)) written out: no max shift, so exp overflows at large scores.
NAIVE = attn("let z[i] = sum_j(exp(s[i, j]))\nout[i, e] = sum_j(exp(s[i, j]) / z[i] * V[j, e])")
NAIVE_UNSCALED = attn("let z[i] = sum_j(exp(s[i, j]))\nout[i, e] = sum_j(exp(s[i, j]) / z[i] * V[j, e])",
                      scale="")
# A mask input M: rows of M that are all zero mask every key (softmax of -inf: nan, in both).
MASKED = attn("out[i, e] = sum_j(softmax_j(where(M[i, j] != 0, s[i, j], -inf)) * V[j, e])", extra=", M[i, j]")
MASKED_SHIFTED = attn("let t[i, j] = where(M[i, j] != 0, s[i, j], -inf)\n"
                      "let w[i, j] = exp(t[i, j] - max_j(t[i, j]))\n"
                      "out[i, e] = sum_j(w[i, j] * V[j, e]) / sum_j(w[i, j])", extra=", M[i, j]")
# A large negative number instead of -inf: a fully masked row averages the values instead of nan.
MASKED_FINITE = attn("out[i, e] = sum_j(softmax_j(where(M[i, j] != 0, s[i, j], -1e9)) * V[j, e])",
                     extra=", M[i, j]")


def _json(verdict) -> str:
    return json.dumps(verdict.to_json(), sort_keys=True)


# -- the default run -----------------------------------------------------------------


def test_default_cases_are_unchanged():
    """The documented ``check scaled-dot-product dot-product`` numbers (docs/reference/cli.md)."""
    v = compare(load_example("scaled-dot-product").term, load_example("dot-product").term)
    j = v.to_json()
    assert (j["verdict"], j["cases"], j["max_error"], j["tolerance"]) == ("differ", 12, 0.48560090766148073, 1e-09)
    ce = j["counterexample"]
    assert (ce["sizes"], ce["seed"], ce["entry"]) == ({"dk": 5, "dv": 6, "m": 7, "n": 8}, 1, {"i": 0, "e": 2})
    assert (ce["left"], ce["right"], ce["value_class"]) == (-0.22134388394493726, 0.43001155336634383, "normal")
    assert (j["examples"], j["classes"], j["overflows"], j["overflow"], j["dtype"]) == (0, {"normal": 12}, 0, None,
                                                                                       "float64")


# -- drawing -------------------------------------------------------------------------


def test_drawn_verdicts_are_deterministic_across_runs_and_processes():
    first = _json(compare(NAIVE, SOFTMAX, examples=40, seed=3))
    assert first == _json(compare(NAIVE, SOFTMAX, examples=40, seed=3))
    code = ("import json; from tests.verify.test_numeric import NAIVE, SOFTMAX, compare; "
            "print(json.dumps(compare(NAIVE, SOFTMAX, examples=40, seed=3).to_json(), sort_keys=True))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == first


def test_a_different_seed_draws_different_cases():
    assert draw_cases(SOFTMAX, SOFTMAX, examples=10, seed=0) != draw_cases(SOFTMAX, SOFTMAX, examples=10, seed=1)


def test_drawn_sizes_are_small_and_fixed_sizes_win():
    cases = draw_cases(SOFTMAX, SOFTMAX, examples=50, sizes={"dk": 7})
    assert len(cases) == 50
    assert all(c.sizes["dk"] == 7 and set(c.sizes) == {"dk", "dv", "m", "n"} for c in cases)
    assert all(1 <= c.sizes[s] <= 5 for c in cases for s in ("dv", "m", "n"))
    ones = [c for c in cases if c.value_class == "size-one"]
    assert ones and all(1 in (c.sizes["dv"], c.sizes["m"], c.sizes["n"]) for c in ones)


def test_every_value_class_occurs():
    v = compare(MASKED, MASKED_SHIFTED, examples=60)
    assert v.verdict == "agree", v.to_json()
    assert tuple(v.classes) == VALUE_CLASSES and all(n > 0 for n in v.classes.values())
    assert v.examples == 60 and v.cases == 12 + 60


def test_value_classes_apply_only_where_they_make_sense():
    assert value_classes(MASKED, MASKED) == VALUE_CLASSES
    assert "masked" not in value_classes(SOFTMAX, SOFTMAX)
    assert "size-one" not in value_classes(SOFTMAX, SOFTMAX, {"n": 2, "m": 2, "dk": 2, "dv": 2})
    assert mask_leaves(MASKED) == {"M": 0.0}


def test_ties_are_drawn_from_minus_one_zero_one():
    values = case_values(SOFTMAX, SOFTMAX, Case({"n": 5, "m": 5, "dk": 5, "dv": 5}, "ties", 0))
    assert set(np.unique(np.concatenate([x.ravel() for x in values.values()]))) == {-1.0, 0.0, 1.0}


def test_masked_cases_have_whole_rows_masked_or_kept():
    found = set()
    for seed in range(20):
        m = case_values(MASKED, MASKED, Case({"n": 4, "m": 3, "dk": 2, "dv": 2}, "masked", seed))["M"]
        assert set(np.unique(m)) <= {0.0, 1.0}
        for axis in (0, 1):
            for fill in (0.0, 1.0):
                if (m == fill).all(axis=axis).any():
                    found.add((axis, fill))
    assert found == {(0, 0.0), (0, 1.0), (1, 0.0), (1, 1.0)}


def test_large_and_tiny_scale_the_normal_values():
    sizes = {"n": 2, "m": 3, "dk": 2, "dv": 2}
    normal = case_values(SOFTMAX, SOFTMAX, Case(sizes, "normal", 4))
    assert np.array_equal(case_values(SOFTMAX, SOFTMAX, Case(sizes, "large", 4))["Q"], 30 * normal["Q"])
    assert np.array_equal(case_values(SOFTMAX, SOFTMAX, Case(sizes, "tiny", 4))["Q"], 1e-4 * normal["Q"])


# -- judging -------------------------------------------------------------------------


def test_a_false_pair_is_refuted_with_its_class_and_a_replay():
    a, b = load_example("scaled-dot-product").term, load_example("dot-product").term
    v = compare(a, b, seeds=0, examples=20)
    ce = v.counterexample
    assert v.verdict == "differ" and ce.value_class in VALUE_CLASSES and ce.seed >= 0
    x, y = run_case(a, b, Case(ce.sizes, ce.value_class, ce.seed))
    assert relative_rms_error(x, y) == ce.error
    scope = {"a": a, "b": b}
    exec(ce.replay, scope)
    assert np.array_equal(scope["x"], x) and np.array_equal(scope["y"], y)
    assert v.to_json()["counterexample"]["value_class"] == ce.value_class


def test_a_difference_only_masked_rows_show_is_found_by_drawn_cases():
    assert compare(MASKED, MASKED_FINITE).verdict == "agree"  # normal values never mask a whole row
    v = compare(MASKED, MASKED_FINITE, examples=30)
    assert v.verdict == "differ" and v.max_error == math.inf
    assert v.counterexample.value_class in ("masked", "ties") and v.overflows == 0


def test_overflow_in_one_form_is_reported_not_refuted():
    assert compare(NAIVE, SOFTMAX).to_json()["overflows"] == 0
    v = compare(NAIVE, SOFTMAX, examples=40)
    j = v.to_json()
    assert v.verdict == "agree" and v.overflows > 0 and j["overflows"] == v.overflows
    assert j["overflow"]["value_class"] in RANGED_CLASSES and "nan" in (j["overflow"]["left"], j["overflow"]["right"])
    assert v.max_error < 1e-12


def test_overflow_does_not_hide_a_finite_difference():
    v = compare(NAIVE_UNSCALED, SOFTMAX, seeds=0, examples=30)
    assert v.verdict == "differ" and math.isfinite(v.max_error)


def test_nan_matches_nan_and_nothing_else():
    assert relative_rms_error([np.nan, 1.0], [np.nan, 1.0]) == 0.0
    assert relative_rms_error([np.inf, 1.0], [np.inf, 1.0]) == 0.0
    assert relative_rms_error([np.nan, 1.0], [np.inf, 1.0]) == math.inf
    assert relative_rms_error([0.0, 1.0], [np.nan, 1.0]) == math.inf


# -- torch on the CPU ----------------------------------------------------------------


def test_torch_float32_and_bfloat16_use_their_tolerances():
    pytest.importorskip("torch")
    v = compare(NAIVE, SOFTMAX, backend="torch", dtype="float32", examples=10)
    assert (v.verdict, v.tolerance, v.dtype, v.device) == ("agree", 1e-5, "float32", "cpu")
    w = compare(SOFTMAX, NAIVE_UNSCALED, backend="torch", dtype="bfloat16")
    assert (w.verdict, w.tolerance, w.dtype) == ("differ", 2e-2, "bfloat16")
    assert "backend='torch', dtype='bfloat16', device='cpu'" in w.counterexample.replay


# -- arguments -----------------------------------------------------------------------

BAD = [
    ({"examples": -1}, "non-negative integer for examples"),
    ({"seed": "x"}, "non-negative integer for seed"),
    ({"seeds": 1.5}, "non-negative integer for seeds"),
    ({"seeds": 0}, "at least one case"),
    ({"tolerance": -1.0}, "non-negative number for tolerance"),
    ({"dtype": "longdouble"}, "no default tolerance"),
    ({"backend": "nope"}, "unknown backend"),
]


@pytest.mark.parametrize("kwargs,message", BAD, ids=[f"compare(**{k})" for k, _ in BAD])
def test_bad_arguments_are_errors_before_anything_runs(kwargs, message):
    with pytest.raises(AnatomyError, match=message):
        compare(SOFTMAX, SOFTMAX, **kwargs)
