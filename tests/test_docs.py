"""Documentation examples are tests (STYLE 39): every ``>>>`` block in docs/ runs."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if ">>>" in p.read_text(encoding="utf-8"))


SAVE_AS = re.compile(r"as `([\w.-]+\.attn)`:\s*$")


def _files_to_save(lines: list[str]) -> dict[str, str]:
    """Blocks that a page tells the reader to save ("… as `x.attn`:" then a fence)."""
    files = {}
    for k, line in enumerate(lines[:-1]):
        m = SAVE_AS.search(line)
        start = k + 1
        while m and start < len(lines) and not lines[start].strip():
            start += 1
        if m and lines[start].startswith("```"):
            end = next(n for n in range(start + 1, len(lines)) if lines[n].startswith("```"))
            files[m.group(1)] = "\n".join(lines[start + 1:end]) + "\n"
    return files


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_doc_examples_run(page, tmp_path, monkeypatch):
    lines = page.read_text(encoding="utf-8").splitlines()
    monkeypatch.chdir(tmp_path)
    for name, body in _files_to_save(lines).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    # A closing ``` fence would read as expected output: blank the fence lines first.
    text = "\n".join("" if line.lstrip().startswith("```") else line for line in lines)
    test = doctest.DocTestParser().get_doctest(text, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_docs_exist_for_every_error_link():
    from anatomy import errors

    links = {cls.doc for cls in vars(errors).values() if isinstance(cls, type) and hasattr(cls, "doc")}
    root = DOCS.parent
    assert all((root / link).is_file() for link in links), links
