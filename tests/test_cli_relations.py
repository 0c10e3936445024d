"""End to end: ``anatomy check``, ``classes`` and ``optimize`` on real files and built-ins."""

from __future__ import annotations

import json

import pytest

from anatomy.cli import main
from anatomy.examples import equivalence_cases

CASES = {c.name: c for c in equivalence_cases()}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_equivalent_files_names_rules_and_numeric_evidence(capsys):
    case = CASES["online-softmax"]
    code, out, err = run(capsys, "check", str(case.a), str(case.b), "--json")
    assert code == 0 and not err
    rec = json.loads(out)
    assert rec["relation"] == "equivalent"
    assert "online-softmax" in rec["evidence"]["rules"]
    assert rec["evidence"]["numeric"]["verdict"] == "agree" and rec["evidence"]["numeric"]["cases"] >= 3
    assert rec["counterexample"] is None and rec["evidence"]["smt"]["verdict"] == "proved"
    assert rec["evidence"]["field"]["verdict"] == "not-applicable"  # a running max is outside the fragment


def test_check_distinct_prints_a_counterexample(capsys):
    case = CASES["causal-alignments-rectangular"]
    code, out, _ = run(capsys, "check", str(case.a), str(case.b))
    assert code == 0
    assert ": distinct" in out.splitlines()[0]
    assert "counterexample (float64): sizes" in out and "seed" in out and "z3: refuted" in out
    code, out, _ = run(capsys, "check", str(case.a), str(case.b), "--json")
    cex = json.loads(out)["counterexample"]
    assert cex["sizes"]["m"] != cex["sizes"]["n"]


def test_check_is_deterministic(capsys):
    case = CASES["softmax-plus-one-vs-softmax"]
    outs = {run(capsys, "check", str(case.a), str(case.b), *extra)[1] for _ in range(2) for extra in ((), ("--json",))}
    assert len(outs) == 2  # one text and one JSON report, each the same bytes on every run


def test_check_unknown_when_the_budget_runs_out(capsys):
    case = CASES["softmax-plus-one-vs-zero-sink"]
    code, out, _ = run(capsys, "check", str(case.a), str(case.b), "--iterations", "1", "--json")
    rec = json.loads(out)
    assert code == 0 and rec["relation"] == "unknown" and rec["evidence"]["egraph"]["stop"] == "iteration limit"
    assert "did not derive it" in rec["reason"] and rec["evidence"]["smt"]["verdict"] == "proved"


def test_check_different_outputs_are_distinct(capsys):
    code, out, _ = run(capsys, "check", "multi-head", "dot-product", "--json")
    rec = json.loads(out)
    assert rec["relation"] == "distinct" and "outputs differ" in rec["reason"]


def test_classes_of_given_files(capsys):
    files = [str(CASES["linear-unnormalised"].a), str(CASES["linear-unnormalised"].b),
             str(CASES["linear-missing-denominator"].a)]
    code, out, _ = run(capsys, "classes", *files, "--json")
    rec = json.loads(out)
    assert code == 0 and rec["variants"] == 3 and len(rec["classes"]) == 2
    assert rec["run"]["stop"] in ("saturated", "iteration limit")


def test_classes_default_is_every_example(capsys):
    code, out, _ = run(capsys, "classes")
    assert code == 0 and out.startswith("16 variants in ")
    assert any("linear-elu-linear" in line and "linear-elu-quadratic" in line for line in out.splitlines())


def test_optimize_linear_attention_comes_out_linear(capsys):
    code, out, _ = run(capsys, "optimize", "linear-elu-quadratic", "--json")
    rec = json.loads(out)
    assert code == 0 and rec["after"]["flops"] * 20 < rec["before"]["flops"]
    assert rec["numeric"]["verdict"] == "agree"
    code, out, _ = run(capsys, "optimize", "linear-elu-quadratic")
    assert "cheapest form:" in out and "before:" in out and "after:" in out


@pytest.mark.parametrize("argv, message", [
    (["check", "dot-product", "no-such-variant"], "neither a file nor a built-in"),
    (["check", "dot-product", "dot-product", "--iterations", "0"], "positive --iterations"),
    (["classes", "dot-product", "dot-product"], "given twice"),
    (["check", "dot-product", "scaled-dot-product", "--seeds", "0"], "--seeds of at least 1"),
    (["optimize", "dot-product", "--size", "n=0"], "--size NAME=POSITIVE_INT"),
])
def test_bad_input_exits_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


# -- families: check and classify -------------------------------------------------------

from anatomy.examples import family_case  # noqa: E402


def test_check_family_json_contract(capsys):
    """The issue's JSON contract: relation, conditions, evidence {rules, witness, smt, numeric}, counterexample."""
    case = family_case("lowrank-vs-full-bilinear")
    code, out, err = run(capsys, "check", str(case.a), str(case.b), "--examples", "0", "--json")
    assert code == 0 and not err
    rec = json.loads(out)
    assert rec["relation"] == "specializes" and rec["counterexample"] is None
    assert isinstance(rec["conditions"], list)
    ev = rec["evidence"]
    assert ev["rules"] and ev["smt"]["verdict"] == "proved"
    assert ev["numeric"]["verdict"] == "agree" and ev["numeric"]["cases"] > 0 and ev["numeric"]["max_error"] < 1e-9
    fwd = ev["witness"]["forward"]
    assert fwd["holds"] is True and fwd["witness"][0]["param"] == "W" and fwd["witness"][0]["rule"] == "merge-linear"
    assert rec["strict"]["verdict"] == "strict" and rec["also"][0]["conditions"] == ["dm <= dk"]


def test_check_family_text_shows_witnesses_and_strictness(capsys):
    case = family_case("query-bias-vs-none")
    code, out, _ = run(capsys, "check", str(case.a), str(case.b), "--examples", "0")
    assert code == 0
    assert out.splitlines()[0] == "query-bias vs no-bias: generalizes"
    assert "b := 0 + 0 * d   [zero-param]" in out and "strict: strict" in out


def test_classify_json(capsys):
    code, out, err = run(capsys, "classify", "luong-general-qkv", "--json")
    assert code == 0 and not err
    rec = json.loads(out)
    assert {"name", "equivalent", "reparam_equivalent", "specializes", "generalizes", "approximated_by"} <= set(rec)
    assert rec["name"] == "luong-general-qkv"
    assert "dot-product" in rec["generalizes"] and "bahdanau-qkv" in rec["approximated_by"]
    assert rec["evidence"]["bahdanau-qkv"]["approximation"]["theorem"] == "mlp-score"
    assert "bahdanau-qkv" not in rec["specializes"] + rec["generalizes"] + rec["reparam_equivalent"]


def test_classify_a_catalogue_entry_by_name(capsys):
    """Catalogue names resolve; the catalogue's bilinear score is approximated by its additive one."""
    code, out, _ = run(capsys, "classify", "luong-general", "--json")
    rec = json.loads(out)
    assert code == 0 and "bahdanau-additive" in rec["approximated_by"] and rec["compared"] >= 2


def test_classify_unknown_reference_exits_2(capsys):
    code, _, err = run(capsys, "classify", "luong-generl")
    assert code == 2 and "did you mean 'luong-general'" in err and "Traceback" not in err
