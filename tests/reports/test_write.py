"""write_report: the directory layout and atomic writes."""

from __future__ import annotations

import stat

import pytest

import anatomy.reports._html as html_module
import anatomy.reports._write as write_module
from anatomy.errors import UsageError
from anatomy.reports import SCHEMA, write_report

RECORD = {"schema": SCHEMA, "variants": [{"name": "luong-dot"}]}


def test_writes_three_readable_files(tmp_path):
    paths = write_report(RECORD, tmp_path / "new" / "dir")
    assert [p.name for p in paths] == ["report.md", "index.html", "taxonomy.json"]
    for p in paths:
        assert p.is_file() and p.stat().st_mode & stat.S_IRGRP  # not left owner-only like a mkstemp file
    assert sorted(p.name for p in paths[0].parent.iterdir()) == ["index.html", "report.md", "taxonomy.json"]


def test_a_failing_renderer_writes_nothing(tmp_path, monkeypatch):
    def broken(record, *, terms=None):
        raise RuntimeError("render failed")

    monkeypatch.setattr(html_module, "render_html", broken)
    with pytest.raises(RuntimeError, match="render failed"):
        write_report(RECORD, tmp_path / "out")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_report(RECORD, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = write_module._stage
    calls = []

    def flaky(folder, name, text):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(folder, name, "changed")

    monkeypatch.setattr(write_module, "_stage", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_report(RECORD, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old files intact, no temporaries


def test_a_bad_record_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="anatomy-taxonomy/1"):
        write_report({"schema": "nope"}, tmp_path)
    assert list(tmp_path.iterdir()) == []
