"""Small SVG helpers shared by the string diagrams and the Hasse diagram.

Everything here is pure text: numbers are written with at most one decimal, attributes in
the order given, and text is measured with a fixed per-character width (the pictures use a
monospace font), so the same picture is the same bytes on every machine.

Example:
    >>> tag("rect", x=1.25, y=0, width=10, height=4)
    '<rect x="1.2" y="0" width="10" height="4"/>'
    >>> text_width("softmax", 12)
    50.4
"""

from __future__ import annotations

import html

FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
"""The font of every picture: monospace, so :func:`text_width` is a good estimate."""

CHAR_EM = 0.6
"""Width of one monospace character, in ems."""


def num(value: float) -> str:
    """A coordinate with at most one decimal: ``12``, ``12.5``, ``-3``."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def esc(text: object) -> str:
    """Text escaped for an SVG or HTML body or attribute."""
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float) -> float:
    """The rendered width of ``text`` at font size ``size`` (monospace estimate)."""
    return round(len(text) * size * CHAR_EM, 1)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def tag(name: str, body: str | None = None, **attrs: object) -> str:
    """One element; numeric attributes go through :func:`num`, ``class_`` becomes ``class``.

    Attributes whose value is ``None`` are left out.
    """
    parts = [name]
    for key, value in attrs.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else esc(value)
        parts.append(f'{key}="{shown}"')
    head = " ".join(parts)
    return f"<{head}/>" if body is None else f"<{head}>{body}</{name}>"


def opening(name: str, **attrs: object) -> str:
    """The opening tag of an element whose body follows (close it with ``</name>``)."""
    return tag(name, None, **attrs)[:-2] + ">"


def label(x: float, y: float, text: str, *, size: float = 12, anchor: str = "middle", sub: str = "",
          fill: str | None = None, weight: str | None = None) -> str:
    """A text element centred vertically on ``y``; ``sub`` is drawn as a subscript."""
    body = esc(text)
    if sub:
        body += tag("tspan", esc(sub), dy=size * 0.3, font_size=size * 0.8)
    return tag("text", body, x=x, y=y + size * 0.35, font_size=size, text_anchor=anchor, fill=fill,
               font_weight=weight)


def svg_document(width: float, height: float, body: list[str], *, title: str, class_: str) -> str:
    """A standalone ``<svg>`` (it also works inline in HTML) with a ``<title>`` for readers."""
    head = opening("svg", xmlns="http://www.w3.org/2000/svg", class_=class_, width=width, height=height,
                   viewBox=f"0 0 {num(width)} {num(height)}", role="img", aria_label=title)
    return "\n".join([head, tag("title", esc(title)), *body, "</svg>"])


__all__ = ["CHAR_EM", "FONT", "clip", "esc", "label", "num", "opening", "svg_document", "tag", "text_width"]
