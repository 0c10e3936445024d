"""A strict-enough HTML check for the report tests: tags balance, and nothing is loaded from outside."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "col", "area", "base", "embed", "param",
        "track"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> "
                               f"at line {self.getpos()[0]}")
            return
        self.stack.pop()


def check_html(page: str) -> dict[str, int]:
    """Parse ``page``; assert the tags balance and ids are unique; the count of each tag."""
    p = _Balance()
    p.feed(page)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, f"unclosed: {p.stack[-5:]}"
    dupes = sorted({i for i in p.ids if p.ids.count(i) > 1})
    assert not dupes, f"duplicate ids: {dupes[:5]}"
    return p.counts


EXTERNAL = re.compile(r"""(src|srcset|poster|data)\s*=\s*["']?\s*(https?:)?//|@import|<link\b|<script[^>]*\bsrc|"""
                      r"""url\(\s*["']?(https?:)?//|<iframe|<object|<embed""", re.IGNORECASE)


def external_loads(page: str) -> list[str]:
    """Anything in ``page`` that would make a browser fetch from the network."""
    return [m.group(0) for m in EXTERNAL.finditer(page)]
