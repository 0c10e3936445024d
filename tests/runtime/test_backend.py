"""The backend registry: names, lazy loading, custom backends, and a missing torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from anatomy.ir.ops import BinaryOp, UnaryOp
from anatomy.ir.term import Axis, Input, ReduceOp
from anatomy.runtime import Backend, backend_names, evaluate, get_backend, register_backend
from anatomy.runtime import _backend
from anatomy.runtime.numpy_backend import NumpyBackend

ROOT = Path(__file__).resolve().parents[2]


def _available(name: str) -> bool:
    try:
        get_backend(name)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_every_backend_table_covers_every_op(name):
    if not _available(name):
        pytest.skip(f"{name} is not installed")
    b = get_backend(name)
    assert isinstance(b, Backend) and b.name == name
    assert set(b.unary) == set(UnaryOp)
    assert set(b.binary) == set(BinaryOp)
    assert set(b.reduce) == set(ReduceOp)


def test_builtin_names():
    assert {"numpy", "torch"} <= set(backend_names())
    assert backend_names() == tuple(sorted(backend_names()))


def test_a_registered_backend_is_used_by_evaluate(monkeypatch):
    calls = []

    class Counting(NumpyBackend):
        def asarray(self, value, what):
            calls.append(what)
            return super().asarray(value, what)

    monkeypatch.setitem(_backend._REGISTRY, "counting", Counting)
    register_backend("counting", Counting)
    x = Input("X", (Axis("i", "n"),))
    out = evaluate(x.sum("i"), {"X": np.ones(3)}, sizes={"n": 3}, backend="counting")
    assert out.data == 3.0 and calls == ["input 'X'"]


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_importing_and_using_numpy_does_not_import_torch():
    result = _python("""
        import sys
        import numpy as np
        import anatomy.runtime as rt
        from anatomy.ir.term import Axis, Input
        x = Input("X", (Axis("i", "n"),))
        rt.evaluate(x.sum("i"), {"X": np.ones(2)}, sizes={"n": 2})
        assert "torch" not in sys.modules, "torch was imported"
    """)
    assert result.returncode == 0, result.stderr


BLOCK_TORCH = """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, Block())
    from anatomy.errors import UsageError
"""


@pytest.mark.parametrize("use", [
    "import anatomy.runtime as rt; rt.get_backend('torch')",
    "import anatomy.runtime as rt; rt.TermModule",
    "from anatomy.runtime.module import TermModule",
], ids=["get_backend('torch')", "runtime.TermModule", "import module"])
def test_a_missing_torch_says_how_to_install_it(use):
    result = _python(BLOCK_TORCH + f"""
    try:
        {use}
    except UsageError as err:
        print(err.render())
    else:
        raise SystemExit("no error")
    """)
    assert result.returncode == 0, result.stderr
    assert "needs torch, which is not installed" in result.stdout
    assert "pip install torch==2.13.0" in result.stdout
