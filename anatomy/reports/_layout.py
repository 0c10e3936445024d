"""Where each box and tube of a string diagram goes: a deterministic, layered layout.

Columns run left to right (data flows that way); every box sits in its column. Vertically,
each tube is a horizontal strip: the boxes directly inside it and the tubes nested in it are
*items* with a column interval, packed greedily into tracks (an item follows the track of
the item its first wire comes from, when it fits). A tube's height is that of its tracks
plus padding and its axis label; a reduction attached to a tube sits on its right edge or
its lower edge. Nothing here is random and every tie is broken by key.

Main names: :class:`Layout`, :class:`Rect`, :func:`layout`.

Example:
    >>> from anatomy.taxonomy.catalogue import load_entry
    >>> from anatomy.reports._graph import build_graph
    >>> lay = layout(build_graph(load_entry("scaled-dot-product").variant.term))
    >>> sorted(lay.tubes) == [0, 1] and lay.width > 300
    True
"""

from __future__ import annotations

import dataclasses

from ._graph import ATOM_ROLES, Graph, Tube, _within
from ._svg import text_width

FONT, SUB, AXES_FONT = 12.0, 9.6, 9.0
BOX_H, PORT_H, AXES_H = 24.0, 22.0, 11.0
PAD, LABEL_H, TRACK_GAP, COL_GAP, MARGIN = 9.0, 15.0, 12.0, 34.0, 14.0


@dataclasses.dataclass
class Rect:
    """A box: centre ``x``, ``y`` and size ``w``, ``h``."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2


@dataclasses.dataclass
class Layout:
    """Boxes by node key, tube rectangles by tube id, the picture's size, and the x of the
    middle of each gap between columns (where a wide picture may be cut into bands)."""

    boxes: dict[int, Rect]
    tubes: dict[int, Rect]
    width: float
    height: float
    cuts: list[float]


@dataclasses.dataclass
class _Item:
    kind: str  # "node" or "tube"
    key: int
    start: int
    end: int
    height: float
    rank: int


def box_size(role: str, label: str, sub: str) -> tuple[float, float]:
    """Width and height of a box with this label (ports are slimmer)."""
    w = text_width(label, FONT) + (text_width(sub, SUB) + 2 if sub else 0) + 16
    return max(w, 28.0), (PORT_H if role in ATOM_ROLES else BOX_H)


def layout(graph: Graph) -> Layout:
    """Place every box and tube of ``graph``."""
    sizes = {k: box_size(n.role, n.label, n.sub) for k, n in graph.nodes.items()}
    xs, cuts = _column_centres(graph, sizes)
    boxes = {k: Rect(xs[n.col], 0.0, *sizes[k]) for k, n in graph.nodes.items()}
    tubes: dict[int, Rect] = {}
    builder = _Strips(graph, boxes, tubes)
    height, placed = builder.strip(None)
    builder.place(placed, MARGIN)
    right = max([b.right for b in boxes.values()] + [t.right for t in tubes.values()])
    return Layout(boxes, tubes, right + MARGIN, height + 2 * MARGIN + AXES_H, cuts)


def _column_centres(graph: Graph, sizes: dict[int, tuple[float, float]]) -> tuple[dict[int, float], list[float]]:
    """The x of each column's centre, with room between columns for the tube edges there,
    and the x of the middle of each gap between columns."""
    ncol = max(n.col for n in graph.nodes.values()) + 1
    width = [28.0] * ncol
    for k, n in graph.nodes.items():
        axes = text_width(_axes_text(n.axes), AXES_FONT) if n.role not in ATOM_ROLES else 0
        width[n.col] = max(width[n.col], sizes[k][0], axes)
    opening, closing = [0] * (ncol + 1), [0] * (ncol + 1)
    for t in graph.tubes:
        opening[t.c0] = max(opening[t.c0], _chain(graph.tubes, t, lambda u: u.c0 == t.c0))
        if not t.right:
            closing[t.c1] = max(closing[t.c1], _chain(graph.tubes, t, lambda u: u.c1 == t.c1 and not u.right))
    xs, cuts, left = {}, [], MARGIN
    for c in range(ncol):
        gap = PAD * (opening[c] + (closing[c - 1] if c else 0)) + (COL_GAP if c else 0)
        if c:
            cuts.append(left + gap / 2)
        left += gap
        xs[c] = left + width[c] / 2
        left += width[c]
    return xs, cuts


def _chain(tubes: list[Tube], tube: Tube, same) -> int:
    """How many of ``tube`` and its ancestors satisfy ``same`` (their edges stack up)."""
    count, t = 0, tube
    while t is not None:
        count += 1 if same(t) else 0
        t = tubes[t.parent] if t.parent is not None else None
    return count


def _axes_text(axes: tuple[str, ...]) -> str:
    return f"[{', '.join(axes)}]"


class _Strips:
    """The recursive vertical packing (x is fixed by the columns already)."""

    def __init__(self, graph: Graph, boxes: dict[int, Rect], tubes: dict[int, Rect]) -> None:
        self.graph, self.boxes, self.tubes = graph, boxes, tubes
        self.attached = {b for t in graph.tubes for b in t.right + t.below}
        self.heights: dict[int, tuple[float, float]] = {}  # tube id -> (rect height, block height)
        self.inner: dict[int, list[tuple[_Item, float]]] = {}

    def strip(self, tube: int | None) -> tuple[float, list[tuple[_Item, float]]]:
        """The height of a strip and its items, each with its centre's offset from the top."""
        items = [self._node_item(k) for k, n in self.graph.nodes.items()
                 if n.tube == tube and k not in self.attached]
        items += [self._tube_item(t) for t in self.graph.tubes if t.parent == tube]
        items.sort(key=lambda it: (it.start, it.rank, it.end, it.key))
        tracks: list[list[_Item]] = []
        where: dict[int, int] = {}  # node key -> track, for following wires
        for it in items:
            k = self._choose(it, tracks, where)
            if k == len(tracks):
                tracks.append([])
            tracks[k].append(it)
            for key in self._keys(it):
                where[key] = k
        placed, top = [], 0.0
        for track in tracks:
            h = max(it.height for it in track)
            placed += [(it, top + h / 2) for it in track]
            top += h + TRACK_GAP
        return max(top - TRACK_GAP, 0.0), placed

    def _node_item(self, key: int) -> _Item:
        n = self.graph.nodes[key]
        extra = AXES_H if n.role not in ATOM_ROLES else 0
        return _Item("node", key, n.col, n.col, self.boxes[key].h + extra, 1 if n.role in ATOM_ROLES else 0)

    def _tube_item(self, tube: Tube) -> _Item:
        content, placed = self.strip(tube.id)
        self.inner[tube.id] = placed
        rect_h = LABEL_H + 2 * PAD + max(content, BOX_H) + (BOX_H / 2 if tube.below else 0)
        below = self._stacks(tube.below)
        extra = max((self.boxes[b].h / 2 + below[b] * (BOX_H + 4) for b in tube.below), default=0.0)
        self.heights[tube.id] = (rect_h, rect_h + (extra + AXES_H if extra else 0))
        end = max([tube.c1] + [self.graph.nodes[b].col for b in tube.right])
        return _Item("tube", tube.id, tube.c0, end, self.heights[tube.id][1], 0)

    def _stacks(self, binders: list[int]) -> dict[int, int]:
        """How many earlier binders share each binder's column (they stack downwards)."""
        seen: dict[int, int] = {}
        out = {}
        for b in sorted(binders):
            col = self.graph.nodes[b].col
            out[b] = seen.get(col, 0)
            seen[col] = out[b] + 1
        return out

    def _keys(self, it: _Item) -> list[int]:
        if it.kind == "node":
            return [it.key]
        tubes = self.graph.tubes
        inside = [k for k, n in self.graph.nodes.items() if n.tube is not None and _within(n.tube, it.key, tubes)]
        return inside + tubes[it.key].right + tubes[it.key].below

    def _choose(self, it: _Item, tracks: list[list[_Item]], where: dict[int, int]) -> int:
        """The track an item goes to: that of its first wire's source if it fits, else the first that fits."""
        fits = [k for k, tr in enumerate(tracks) if tr[-1].end < it.start]
        for source in self._sources(it):
            if where.get(source) in fits:
                return where[source]
        return fits[0] if fits else len(tracks)

    def _sources(self, it: _Item) -> list[int]:
        keys = set(self._keys(it))
        return sorted({i for k in keys for i in self.graph.nodes[k].inputs if i not in keys})

    def place(self, placed: list[tuple[_Item, float]], top: float) -> None:
        """Give absolute y to every box and tube of a strip whose top is at ``top``."""
        for it, centre in placed:
            y = top + centre
            if it.kind == "node":
                extra = AXES_H if self.graph.nodes[it.key].role not in ATOM_ROLES else 0
                self.boxes[it.key].y = y - extra / 2
            else:
                self._place_tube(self.graph.tubes[it.key], y - self.heights[it.key][1] / 2)

    def _place_tube(self, tube: Tube, top: float) -> None:
        rect_h = self.heights[tube.id][0]
        self.place(self.inner[tube.id], top + LABEL_H + PAD)
        inside = [self.boxes[k] for k, n in self.graph.nodes.items() if n.tube == tube.id]
        inside += [self.tubes[t.id] for t in self.graph.tubes if t.parent == tube.id]
        left = min(r.left for r in inside) - PAD
        right = max(r.right for r in inside) + PAD
        for n, b in enumerate(sorted(tube.right)):
            right = max(right, self.boxes[b].x)
            self.boxes[b].y = top + rect_h / 2 + (n - (len(tube.right) - 1) / 2) * (BOX_H + 6)
        stacks = self._stacks(tube.below)
        for b in tube.below:
            self.boxes[b].y = top + rect_h + stacks[b] * (BOX_H + 4)
        self.tubes[tube.id] = Rect((left + right) / 2, top + rect_h / 2, right - left, rect_h)


__all__ = ["Layout", "Rect", "box_size", "layout"]
