"""String diagrams of terms as SVG, after the seed paper's SIMD boxes (tubes).

Data flows left to right. Inputs (green pills), learned parameters (red boxes, the paper's
learners), scan states and fixed position terms (dashed) enter as ports; each operation is a
box; each SIMD tube is a shaded rounded rectangle labelled with its axis and size (``j: m``),
with the reduction that closes it (dark box) on its edge. The free axes of a box's output
wire are written under it. Shared sub-terms are drawn once and their wires fork.

Main name: :func:`diagram_svg`.

Example:
    >>> from anatomy.taxonomy.catalogue import load_entry
    >>> svg = diagram_svg(load_entry("scaled-dot-product").variant.term, title="scaled-dot-product")
    >>> svg.startswith("<svg") and "j: m" in svg and svg.count("<svg") == 1
    True
"""

from __future__ import annotations

import hashlib

from ..ir.term import Term
from ._graph import ATOM_ROLES, Graph, Node, build_graph
from ._layout import AXES_FONT, FONT, Layout, Rect, layout
from ._svg import FONT as FAMILY
from ._svg import esc, label, num, opening, svg_document, tag

TITLE_H = 22.0
MAX_BAND = 1180.0
"""The widest band of a diagram; a wider one is cut into bands."""
BAND_GAP, BAND_MARGIN = 18.0, 12.0

STYLE = {  # role -> (fill, stroke, text colour, corner radius, dash)
    "input": ("#eaf5ea", "#3c8a3c", "#1f4d1f", 11, None),
    "param": ("#fbe6e3", "#c0392b", "#7a1f15", 2, None),
    "state": ("#fff3dc", "#b07a1a", "#6b4a0f", 3, "4 2"),
    "fixed": ("#f2f2f2", "#808080", "#333333", 3, "4 2"),
    "op": ("#ffffff", "#4a4a4a", "#1a1a1a", 4, None),
    "norm": ("#f1e6f8", "#7b4fa0", "#3f2257", 4, None),
    "scan": ("#fdf0d8", "#b07a1a", "#5a3e0c", 4, None),
    "reduce": ("#2f5d8f", "#1f3f63", "#ffffff", 4, None),
    "out": ("#333333", "#111111", "#ffffff", 11, None),
}
TUBE_FILL, TUBE_STROKE, TUBE_TEXT = "#cfe0f3", "#6d93c4", "#2b5585"


def diagram_svg(term: Term, *, title: str = "") -> str:
    """A string diagram of ``term`` as a standalone SVG document (also valid inline in HTML).

    A diagram wider than :data:`MAX_BAND` is cut between columns into bands, stacked top to
    bottom and read like lines of text; wires and tubes continue from one band to the next.

    Parameters:
        term: the term to draw; each distinct sub-term is drawn once.
        title: a heading drawn above the diagram and used as its accessible name.
    """
    graph = build_graph(term)
    lay = layout(graph)
    content = [*_tubes(graph, lay), *_wires(graph, lay), *[_box(graph.nodes[k], lay.boxes[k]) for k in graph.nodes]]
    top = TITLE_H if title else 0.0
    body = [opening("g", font_family=FAMILY)]
    if title:
        body.append(label(14, TITLE_H / 2 + 2, title, size=13, anchor="start", weight="bold"))
    bands = _bands(lay)
    if len(bands) == 1:
        body += [f'<g transform="translate(0,{num(top)})">', *content, "</g>", "</g>"]
        width, height = lay.width, lay.height + top
    else:
        width = max(b - a for a, b in bands) + 2 * BAND_MARGIN
        height = top + len(bands) * (lay.height + BAND_GAP) - BAND_GAP
        body += _banded(content, bands, lay.height, top, name=title)
        body.append("</g>")
    name = title or "string diagram"
    return svg_document(width, height, body, title=f"String diagram of {name}", class_="string-diagram")


def _bands(lay: Layout) -> list[tuple[float, float]]:
    """The x ranges of the bands: cut at gaps between columns, each band at most MAX_BAND wide."""
    if lay.width <= MAX_BAND:
        return [(0.0, lay.width)]
    bands, start = [], 0.0
    while lay.width - start > MAX_BAND:
        fitting = [c for c in lay.cuts if start + MAX_BAND / 4 < c <= start + MAX_BAND]
        cut = fitting[-1] if fitting else start + MAX_BAND
        bands.append((start, cut))
        start = cut
    bands.append((start, lay.width))
    return bands


def _banded(content: list[str], bands: list[tuple[float, float]], height: float, top: float, *,
            name: str) -> list[str]:
    """The content drawn once in ``<defs>`` and shown through one clipped window per band.

    Its ids come from a hash of the title and the content, so two diagrams on one page do
    not share them and the same diagram always gets the same ones."""
    pid = "d" + hashlib.sha1((name + "\n" + "".join(content)).encode("utf-8")).hexdigest()[:10]
    out = ["<defs>", f'<g id="{pid}-body">', *content, "</g>"]
    out += [tag("clipPath", tag("rect", x=a, y=0, width=b - a, height=height), id=f"{pid}-k{n}")
            for n, (a, b) in enumerate(bands)]
    out.append("</defs>")
    for n, (a, b) in enumerate(bands):
        y = top + n * (height + BAND_GAP)
        dx = BAND_MARGIN - a
        out.append(f'<g transform="translate({num(dx)},{num(y)})">')
        out.append(tag("use", href=f"#{pid}-body", clip_path=f"url(#{pid}-k{n})"))
        if n:
            out.append(tag("line", x1=a, y1=0, x2=a, y2=height, stroke="#999999", stroke_dasharray="3 3"))
            out.append(label(a + 4, height - 6, "↳ continued", size=9, anchor="start", fill="#777777"))
        if n < len(bands) - 1:
            out.append(tag("line", x1=b, y1=0, x2=b, y2=height, stroke="#999999", stroke_dasharray="3 3"))
            out.append(label(b - 4, height - 6, "continues below ↴", size=9, anchor="end", fill="#777777"))
        out.append("</g>")
    return out


def _tubes(graph: Graph, lay: Layout) -> list[str]:
    """The tubes, outermost first, so that nested ones are drawn on top (and look darker)."""
    out = []
    for tube in graph.tubes:
        r = lay.tubes[tube.id]
        out.append(tag("rect", x=r.left, y=r.top, width=r.w, height=r.h, rx=12, fill=TUBE_FILL,
                       fill_opacity=0.55, stroke=TUBE_STROKE, stroke_width=1.2))
        out.append(label(r.left + 8, r.top + 9, f"{tube.axis}: {tube.size}", size=10.5, anchor="start",
                         weight="bold", fill=TUBE_TEXT))
    return out


def _ports(node: Node, box: Rect) -> list[float]:
    """The y of each input port on the left side of a box, in operand order."""
    n = len(node.inputs)
    return [box.top + box.h * (k + 1) / (n + 1) for k in range(n)]


def _wires(graph: Graph, lay: Layout) -> list[str]:
    """A curve from each input's right side to its port; dashed loops from scans to their states."""
    out = []
    for key in sorted(graph.nodes):
        node, box = graph.nodes[key], lay.boxes[key]
        for src, py in zip(node.inputs, _ports(node, box)):
            s = lay.boxes[src]
            sx, sy, tx = s.right, s.y, box.left
            dx = max(14.0, (tx - sx) / 2)
            out.append(tag("path", d=f"M{num(sx)},{num(sy)} C{num(sx + dx)},{num(sy)} {num(tx - dx)},{num(py)} "
                                       f"{num(tx)},{num(py)}", fill="none", stroke="#555555", stroke_width=1.2))
        for state in node.feedback:
            s = lay.boxes[state]
            low = max(box.bottom, s.bottom) + 26
            out.append(tag("path", d=f"M{num(box.x)},{num(box.bottom)} C{num(box.x)},{num(low)} "
                                       f"{num(s.x)},{num(low)} {num(s.x)},{num(s.bottom)}",
                           fill="none", stroke=STYLE["scan"][1], stroke_width=1.2, stroke_dasharray="5 3"))
    return out


def _box(node: Node, box: Rect) -> str:
    """One box with its label, subscript, tooltip and (for operations) its output axes."""
    fill, stroke, ink, rx, dash = STYLE[node.role]
    parts = [tag("title", esc(node.text)),
             tag("rect", x=box.left, y=box.top, width=box.w, height=box.h, rx=rx, fill=fill, stroke=stroke,
                 stroke_width=1.2, stroke_dasharray=dash)]
    parts.append(label(box.x, box.y, node.label, size=FONT, sub=node.sub, fill=ink))
    if node.role not in ATOM_ROLES and node.role != "out":
        axes = f"[{', '.join(node.axes)}]"
        parts.append(label(box.x, box.bottom + 7, axes, size=AXES_FONT, fill="#777777"))
    return tag("g", "".join(parts), class_=f"box {node.role}")


__all__ = ["diagram_svg"]
