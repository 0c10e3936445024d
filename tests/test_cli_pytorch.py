"""End to end: PyTorch references through the CLI (``anatomy check a.py:F b.py:G``)."""

from __future__ import annotations

import json

import pytest

from anatomy.cli import main

EX = "examples/pytorch"


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--examples", "0", "--json"])
    out, err = capsys.readouterr()
    assert not err, err
    return code, json.loads(out)


@pytest.mark.parametrize("a, b", [
    ("matmul_attention.py:attention", "einsum_attention.py:attention"),
    ("sdpa_attention.py:attention", "matmul_attention.py:attention"),
    ("causal_sdpa.py:attention", "causal_masked_fill.py:attention"),
])
def test_equal_pytorch_spellings_are_equivalent(capsys, a, b):
    code, rec = run(capsys, "check", f"{EX}/{a}", f"{EX}/{b}")
    assert code == 0 and rec["relation"] == "equivalent", rec["reason"]
    assert rec["evidence"]["rules"] is not None and rec["evidence"]["numeric"]["verdict"] == "agree"


def test_a_different_pytorch_layer_is_distinct_with_a_counterexample(capsys):
    code, rec = run(capsys, "check", f"{EX}/sigmoid_attention.py:attention", f"{EX}/matmul_attention.py:attention")
    assert code == 0 and rec["relation"] == "distinct"
    cex = rec["counterexample"]
    assert cex["sizes"] and cex["oracle"] in ("float64", "z3", "finite-field")


def test_a_pytorch_module_shows_its_parameters(capsys):
    code = main(["show", f"{EX}/multi_query_attention.py:Attention", "--json"])
    rec = json.loads(capsys.readouterr()[0])
    assert code == 0 and rec["params"] and rec["inputs"]
