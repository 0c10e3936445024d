"""Imports only go down the layers (STYLE 2), and heavy dependencies stay at the edge (STYLE 5)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "anatomy"

# Lower number = lower layer. A module may import its own layer or lower ones only.
LAYERS = {"errors": 0, "messages": 0, "_version": 0, "ir": 1, "rules": 2, "egraph": 3, "runtime": 3, "verify": 4,
          "examples": 5, "taxonomy": 5, "family": 5, "relate": 5, "reports": 6, "cli": 7, "__init__": 8}
# Sideways edges that are forbidden even within a layer.
FORBIDDEN = {("verify", "egraph"), ("runtime", "egraph"), ("egraph", "verify"), ("egraph", "runtime")}
HEAVY = {"torch": {"runtime"}, "z3": {"verify"}, "egglog": {"egraph"}}


def _unit(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0].removesuffix(".py")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            depth = len(path.relative_to(PACKAGE).parts) - 1
            if node.level:
                up = node.level - 1
                base = list(path.relative_to(PACKAGE).parts[:depth - up]) if up <= depth else []
                target = (base + (node.module.split(".") if node.module else []))
                yield node, (target[0] if target else "__init__"), None
            elif node.module:
                top = node.module.split(".")
                yield node, (top[1] if top[0] == "anatomy" and len(top) > 1 else None), top[0]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")
                yield node, (top[1] if top[0] == "anatomy" and len(top) > 1 else None), top[0]


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    assert units <= set(LAYERS), units - set(LAYERS)


def test_imports_only_go_down():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _unit(path)
        for node, target, _top in _imports(path):
            if target is None or target == me:
                continue
            target = target.removesuffix(".py")
            if target not in LAYERS:
                continue
            if LAYERS[target] > LAYERS[me] or (me, target) in FORBIDDEN:
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {target} ({me} -> {target})")
    assert not bad, "\n".join(bad)


def test_heavy_dependencies_stay_in_their_room():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _unit(path)
        for node, _target, top in _imports(path):
            if top in HEAVY and me not in HEAVY[top]:
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {top}")
    assert not bad, "\n".join(bad)


def test_importing_the_package_loads_no_heavy_dependency():
    code = ("import sys, anatomy, anatomy.cli, anatomy.runtime; "
            "print(sorted(m for m in ('torch', 'z3', 'egglog') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
