"""``taxonomy.json`` and the report directory, written atomically.

:func:`write_report` renders the three files in memory first, then writes each to a
temporary file in the output folder and moves them into place with :func:`os.replace`. If
anything fails, the temporary files are removed and the folder holds no partial file.

Main names: :func:`render_json`, :func:`write_report`, :data:`FILES`.

Example:
    >>> print(render_json({"schema": "anatomy-taxonomy/1", "run": {"seconds": float("inf")}}), end="")
    {
      "run": {
        "seconds": "inf"
      },
      "schema": "anatomy-taxonomy/1"
    }
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from ..ir.term import Term
from . import _html, _markdown
from ._record import canonical

FILES = ("report.md", "index.html", "taxonomy.json")
"""The files of a report directory, in the order :func:`write_report` returns them."""


def render_json(record: dict) -> str:
    """The record as indented JSON with sorted keys, ending in a newline: non-finite floats
    become strings, and lists whose order means nothing are sorted (:func:`._record.canonical`)."""
    return json.dumps(canonical(record), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_report(record: dict, out_dir: str | os.PathLike, *, terms: Mapping[str, Term] | None = None) -> list[Path]:
    """Write ``report.md``, ``index.html`` and ``taxonomy.json`` for a taxonomy record.

    Parameters:
        record: the taxonomy record (schema ``anatomy-taxonomy/1``, see docs/reference/report.md).
        out_dir: the folder to write into; created if missing. Existing files of the same
            names are replaced, each in one step.
        terms: variant name -> term to draw, for variants outside the catalogue and examples.

    Returns the paths written, in the order of :data:`FILES`.
    """
    texts = {"report.md": _markdown.render_markdown(record),
             "index.html": _html.render_html(record, terms=terms),
             "taxonomy.json": render_json(record)}
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name in FILES:
            staged.append((_stage(folder, name, texts[name]), folder / name))
        for temp, final in staged:
            os.replace(temp, final)
    except BaseException:
        for temp, _final in staged:
            if os.path.exists(temp):
                os.unlink(temp)
        raise
    return [folder / name for name in FILES]


def _stage(folder: Path, name: str, text: str) -> str:
    """Write ``text`` to a new temporary file next to ``name``; its path.

    The file is created with mode 0o666 less the umask, as a plain ``open`` would
    (``tempfile.mkstemp`` would leave it readable by its owner only)."""
    while True:
        temp = str(folder / f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except BaseException:
        os.unlink(temp)
        raise
    return temp


__all__ = ["FILES", "render_json", "write_report"]
