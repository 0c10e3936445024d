"""The specialisation lattice as a Hasse diagram (SVG).

Nodes are ≅ classes (or variants); an edge A → B means A ⊑ B (A specialises B), and only
covering edges are drawn (transitive ones are removed). More general nodes sit higher: a
node's layer is the length of the longest chain below it. Within a layer, nodes start in
name order and are reordered by a few barycentre sweeps, ties broken by name, so the same
input always gives the same picture. Nodes with no edge are listed in a grid underneath.

Main name: :func:`hasse_svg`.

Example:
    >>> svg = hasse_svg(["mqa", "gqa", "mha"], [("mqa", "gqa"), ("gqa", "mha"), ("mqa", "mha")])
    >>> svg.count("<line"), "mha" in svg
    (2, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._record import covering, natural_key
from ._svg import FONT, clip, esc, label, svg_document, tag, text_width

SIZE, LINE_H, ROW_GAP, GAP, MARGIN, WRAP = 11.0, 15.0, 46.0, 26.0, 16.0, 1100.0
MAX_LINES = 5


def hasse_svg(nodes: Sequence[str], edges: Sequence[tuple[str, str]],
              classes: Mapping[str, Sequence[str]] | None = None, *, title: str = "Specialisation lattice",
              links: Mapping[str, str] | None = None, id_prefix: str = "hasse") -> str:
    """The Hasse diagram of the order that ``edges`` generate on ``nodes``.

    Parameters:
        nodes: the node ids.
        edges: pairs ``(a, b)`` meaning a ⊑ b; they are reduced to covering edges.
        classes: node id -> the names it stands for, written under the id (a class's members).
        title: the accessible name of the picture.
        links: node id -> an ``href`` (for example ``#variant-mha``) that the node links to.
        id_prefix: prefix of the ids inside the picture (unique within one HTML page).
    """
    nodes = sorted(dict.fromkeys(str(n) for n in nodes), key=natural_key)
    cover = covering(nodes, [(str(a), str(b)) for a, b in edges])
    lines = {n: _lines(n, (classes or {}).get(n, ())) for n in nodes}
    size = {n: (max(text_width(t, SIZE) for t in lines[n]) + 16, LINE_H * len(lines[n]) + 8) for n in nodes}
    linked = sorted({n for e in cover for n in e}, key=natural_key)
    rows = _rows(linked, cover)
    pos, width, height = _place(rows, size)
    alone = [n for n in nodes if n not in pos]
    caption_y = height + 12
    height = _grid(alone, size, pos, width, height)
    width = max([width] + [pos[n][0] + size[n][0] / 2 + MARGIN for n in alone])
    marker = f"{id_prefix}-arrow"
    body = [f'<g font-family="{FONT}">',
            "<defs>" + tag("marker", tag("path", d="M0,0 L8,4 L0,8 z", fill="#555555"), id=marker,
                           viewBox="0 0 8 8", refX=8, refY=4, markerWidth=7, markerHeight=7, orient="auto") + "</defs>"]
    for a, b in cover:
        (ax, ay), (bx, by) = pos[a], pos[b]
        body.append(tag("line", x1=ax, y1=ay - size[a][1] / 2, x2=bx, y2=by + size[b][1] / 2, stroke="#555555",
                        stroke_width=1.3, marker_end=f"url(#{marker})"))
    if alone:
        body.append(label(MARGIN, caption_y, "no ⊑ relation found for:", size=10, anchor="start", fill="#777777"))
    body += [_node(n, pos[n], size[n], lines[n], (links or {}).get(n)) for n in nodes]
    body.append("</g>")
    return svg_document(width, height, body, title=title, class_="hasse")


def _lines(node: str, members: Sequence[str]) -> list[str]:
    shown = [str(m) for m in members if str(m) != node]
    if len(shown) > MAX_LINES:
        shown = shown[:MAX_LINES - 1] + [f"… {len(shown) - MAX_LINES + 1} more"]
    return [clip(node, 40)] + [clip(m, 40) for m in shown]


def _rows(nodes: list[str], cover: list[tuple[str, str]]) -> list[list[str]]:
    """Layers from the top (most general) down, each ordered by barycentre sweeps."""
    below = {n: [a for a, b in cover if b == n] for n in nodes}
    above = {n: [b for a, b in cover if a == n] for n in nodes}
    layer: dict[str, int] = {}

    def depth(n: str) -> int:
        if n not in layer:
            layer[n] = 1 + max((depth(a) for a in below[n]), default=-1)
        return layer[n]

    top = max((depth(n) for n in nodes), default=-1)
    rows = [[n for n in nodes if layer[n] == top - r] for r in range(top + 1)]
    for sweep in range(4):
        order = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        for r in order:
            ref = rows[r - 1] if sweep % 2 == 0 else rows[r + 1]
            near = above if sweep % 2 == 0 else below
            rows[r] = _barycentre(rows[r], {n: k for k, n in enumerate(ref)}, near)
    return rows


def _barycentre(row: list[str], index: dict[str, int], near: dict[str, list[str]]) -> list[str]:
    def key(item: tuple[int, str]) -> tuple:
        k, n = item
        linked = [index[m] for m in near[n] if m in index]
        return (sum(linked) / len(linked) if linked else k, natural_key(n))
    return [n for _, n in sorted(enumerate(row), key=key)]


def _place(rows: list[list[str]], size: dict) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Centres of the nodes, rows centred on the widest one."""
    widths = [sum(size[n][0] for n in row) + GAP * (len(row) - 1) for row in rows]
    width = max(max(widths, default=0.0) + 2 * MARGIN, 240.0)
    pos, y = {}, MARGIN
    for row, w in zip(rows, widths):
        h = max(size[n][1] for n in row)
        x = (width - w) / 2
        for n in row:
            pos[n] = (x + size[n][0] / 2, y + h / 2)
            x += size[n][0] + GAP
        y += h + ROW_GAP
    return pos, width, (y - ROW_GAP + MARGIN if rows else MARGIN)


def _grid_rows(alone: list[str], size: dict, width: float) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    used = MARGIN
    for n in alone:
        if rows[-1] and used + size[n][0] > max(width, WRAP) - MARGIN:
            rows.append([])
            used = MARGIN
        rows[-1].append(n)
        used += size[n][0] + GAP / 2
    return rows if alone else []


def _grid(alone: list[str], size: dict, pos: dict, width: float, height: float) -> float:
    """Place the nodes without edges in rows under the lattice; the new height."""
    if not alone:
        return height
    y = height + 24
    for row in _grid_rows(alone, size, width):
        h = max(size[n][1] for n in row)
        x = MARGIN
        for n in row:
            pos[n] = (x + size[n][0] / 2, y + h / 2)
            x += size[n][0] + GAP / 2
        y += h + 10
    return y + MARGIN - 10


def _node(n: str, centre: tuple[float, float], size: tuple[float, float], lines: list[str], href: str | None) -> str:
    (x, y), (w, h) = centre, size
    parts = [tag("rect", x=x - w / 2, y=y - h / 2, width=w, height=h, rx=6, fill="#eef3fa", stroke="#4a6d99",
                 stroke_width=1.2)]
    for k, text in enumerate(lines):
        parts.append(label(x, y - h / 2 + 4 + LINE_H * (k + 0.5), text, size=SIZE, weight="bold" if k == 0 else None,
                           fill="#1f3552" if k == 0 else "#333333"))
    inner = "".join(parts)
    if href:
        inner = tag("a", inner, href=href)
    return tag("g", tag("title", esc(", ".join(lines))) + inner, class_="lattice-node")


__all__ = ["hasse_svg"]
