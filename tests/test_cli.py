"""End to end: the CLI on the built-in examples and on real (good and bad) files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from anatomy.cli import main
from anatomy.examples import example_names
from tests.common.golden import check_golden

BAD = "variant bad\naxes i: n, j: m, d: dk\ninput Q[i, d], K[j, d]\nout[i, j] = sum_d(Q[i, d] * Kk[j, d])\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", example_names())
def test_show_every_example(capsys, name):
    code, out, err = run(capsys, "show", name)
    assert code == 0 and not err
    assert out.startswith(name) and "definition" in out and "normal form" in out and "type " in out
    code, out, _ = run(capsys, "show", name, "--json")
    rec = json.loads(out)
    assert rec["name"] == name and rec["builtin"] and rec["path"] is None
    assert "softmax_" not in rec["normal_form"]["term"] and "normalize_" not in rec["normal_form"]["term"]


def test_show_golden(capsys):
    code, out, _ = run(capsys, "show", "online-softmax")
    assert code == 0
    check_golden("show-online-softmax.txt", out)


def test_show_all_is_the_main_job(capsys):
    code, out, _ = run(capsys, "show")
    assert code == 0
    assert all(f"\n{name}" in "\n" + out for name in example_names())


def test_show_a_file(capsys, tmp_path):
    f = tmp_path / "mine.attn"
    f.write_text("variant mine\naxes i: n, d: dk\ninput X[i, d]\nout[i] = sum_d(X[i, d] * X[i, d])\n")
    code, out, _ = run(capsys, "show", str(f), "--json")
    rec = json.loads(out)
    assert code == 0 and rec["path"] == str(f) and rec["type"]["axes"] == [{"name": "i", "size": "n"}]


def test_eval_json_is_deterministic(capsys):
    first = run(capsys, "eval", "scaled-dot-product", "--size", "n=3,m=4", "--seed", "7", "--json")
    second = run(capsys, "eval", "scaled-dot-product", "--size", "n=3", "--size", "m=4", "--seed", "7", "--json")
    assert first == second and first[0] == 0
    rec = json.loads(first[1])
    assert rec["sizes"]["n"] == 3 and rec["output"]["shape"] == [3, rec["sizes"]["dv"]]


def test_eval_torch_reports_difference(capsys):
    code, out, _ = run(capsys, "eval", "causal-linear-scan", "--backend", "torch", "--json")
    rec = json.loads(out)
    assert code == 0 and rec["max_abs_difference_vs_numpy"] < 1e-10


BAD_CALLS = [
    ("unknown-ref", ["show", "scaled-dot-prodct"], "did you mean 'scaled-dot-product'"),
    ("missing-file", ["show", "nowhere/x.attn"], "no such file"),
    ("bad-size", ["eval", "dot-product", "--size", "n=0"], "--size NAME=POSITIVE_INT"),
    ("unknown-size", ["eval", "dot-product", "--size", "q=3"], "has no size symbol 'q'"),
    ("bad-backend", ["eval", "dot-product", "--backend", "jax"], "backend"),
    ("pytorch-missing-file", ["show", "model.py:Attention"], "no such file: model.py"),
    ("pytorch-missing-name", ["show", "examples/pytorch/matmul_attention.py:atention"], "did you mean"),
    ("pytorch-bad-shape", ["show", "examples/pytorch/matmul_attention.py:attention", "--shape", "q=2xx"], "--shape NAME=AxB"),
    ("pytorch-bad-init", ["show", "examples/pytorch/matmul_attention.py:attention", "--init", "oops"], "--init KEY=VALUE"),
]


@pytest.mark.parametrize("argv,message", [(a, m) for _, a, m in BAD_CALLS], ids=[n for n, _, _ in BAD_CALLS])
def test_bad_calls_exit_2_with_a_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_file_exits_2_without_traceback(tmp_path):
    f = tmp_path / "bad.attn"
    f.write_text(BAD)
    proc = subprocess.run([sys.executable, "-m", "anatomy.cli", "show", str(f)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{f}:4:29: error: unknown name 'Kk'" in proc.stderr and "^^^^^^^^" in proc.stderr
    assert "did you mean 'K'?" in proc.stderr


def test_argparse_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
