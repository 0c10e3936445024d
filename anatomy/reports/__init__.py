"""Reports: a taxonomy record rendered as Markdown, self-contained HTML and JSON (layer 6).

A report is data first: one plain dict, the *taxonomy record* (schema
``anatomy-taxonomy/1``, documented in ``docs/reference/report.md``), that the taxonomy
engine produces. Three renderers turn it into a report directory, byte for byte the same
for the same record: ``report.md`` (:func:`render_markdown`), ``index.html``
(:func:`render_html`: the classes, the specialisation lattice as a Hasse diagram, one card
per variant with its string diagram, every relation with its evidence, the ⊑≈
approximations apart, the derivations) and ``taxonomy.json`` (:func:`render_json`).
:func:`write_report` writes all three atomically.

The pictures are inline SVG: :func:`diagram_svg` draws a term as a string diagram after
the seed paper (boxes, wires, SIMD tubes labelled with their axis), and :func:`hasse_svg`
draws a specialisation order.

Modules: ``_record`` (schema, JSON safety, fixed orders, the lattice), ``_graph`` and
``_layout`` (a term's diagram and its layout), ``_diagram`` and ``_hasse`` (SVG),
``_evidence`` (the facts both text renderers show), ``_html``, ``_markdown``, ``_write``.

Example:
    >>> import tempfile
    >>> record = {"schema": "anatomy-taxonomy/1", "variants": [{"name": "scaled-dot-product"}]}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_report(record, d)]
    ['report.md', 'index.html', 'taxonomy.json']
"""

from ._diagram import diagram_svg
from ._hasse import hasse_svg
from ._html import render_html
from ._markdown import render_markdown
from ._record import SCHEMA, json_safe
from ._write import FILES, render_json, write_report

__all__ = ["FILES", "SCHEMA", "diagram_svg", "hasse_svg", "json_safe", "render_html", "render_json",
           "render_markdown", "write_report"]
