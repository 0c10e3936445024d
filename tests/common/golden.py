"""Golden files: rendered output compared with committed text (STYLE 38).

Set ``ANATOMY_REGEN_GOLDEN=1`` to rewrite the files from the current output, then review
the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ANATOMY_REGEN_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("ANATOMY_REGEN_GOLDEN") != "1":
            raise AssertionError(f"golden file {path} was missing and has been written; review and commit it")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path}; rerun with ANATOMY_REGEN_GOLDEN=1 and review the diff"
