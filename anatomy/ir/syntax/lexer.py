"""The tokenizer of the text syntax: names, numbers, strings, operators, line ends.

Every token carries its :class:`~anatomy.errors.Span`, so the parser and the resolver can
point at the exact column of a mistake. ``#`` starts a comment. A line break ends a
statement unless it falls inside brackets or the next line is indented (a continuation).

Example:
    >>> [t.text for t in tokenize("out[i] = sum_j(x[i, j]) # comment")][:6]
    ['out', '[', 'i', ']', '=', 'sum_j']
"""

from __future__ import annotations

import dataclasses
import re

from ...errors import Span, SyntaxError_

NAME, NUMBER, STRING, OP, NEWLINE, EOF = "name", "number", "string", "op", "newline", "end of input"

_OPS = ("->", "=>", "<=", ">=", "==", "!=", "(", ")", "[", "]", "{", "}", ",", ":", "=", "+", "-", "*",
        "/", "<", ">", "&", "|", "!", ".")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    span: Span

    def __str__(self) -> str:
        return self.kind if self.kind in (NEWLINE, EOF) else repr(self.text)


def tokenize(text: str, *, file: str = "<text>", line_offset: int = 0) -> list[Token]:
    """Split ``text`` into tokens, ending with one EOF token."""
    lines = text.split("\n")
    tokens: list[Token] = []
    depth: list[Token] = []
    for lineno, line in enumerate(lines, start=1 + line_offset):
        col = 0
        stripped = line.split("#", 1)[0] if "\"" not in line else _strip_comment(line)
        if stripped.strip() and stripped[:1] in " \t" and tokens and tokens[-1].kind == NEWLINE:
            tokens.pop()  # an indented line continues the previous statement
        while col < len(stripped):
            ch = stripped[col]
            if ch in " \t\r":
                col += 1
                continue
            span_at = lambda end, c=col: Span(file, lineno, c + 1, end + 1, line)  # noqa: E731
            m = _NAME_RE.match(stripped, col) if ch.isalpha() else None
            if m:
                tokens.append(Token(NAME, m.group(), span_at(m.end())))
                col = m.end()
                continue
            m = _NUMBER.match(stripped, col) if (ch.isdigit() or ch == ".") else None
            if m and m.group():
                tokens.append(Token(NUMBER, m.group(), span_at(m.end())))
                col = m.end()
                continue
            if ch == '"':
                m = _STRING.match(stripped, col)
                if not m:
                    raise SyntaxError_("unterminated string", span=span_at(len(stripped)),
                                       hint='close the string with " on the same line')
                tokens.append(Token(STRING, _unescape(m.group(1)), span_at(m.end())))
                col = m.end()
                continue
            op = next((o for o in _OPS if stripped.startswith(o, col)), None)
            if op is None:
                raise SyntaxError_(f"unexpected character {ch!r}", span=span_at(col + 1),
                                   hint="see the grammar in docs/reference/syntax.md")
            tok = Token(OP, op, span_at(col + len(op)))
            if op in "([{":
                depth.append(tok)
            elif op in ")]}":
                if not depth:
                    raise SyntaxError_(f"unmatched {op!r}", span=tok.span, hint="remove it or open it earlier")
                opener = depth.pop()
                if _PAIRS[opener.text] != op:
                    raise SyntaxError_(f"{op!r} closes {opener.text!r} opened at {opener.span}", span=tok.span,
                                       hint=f"close with {_PAIRS[opener.text]!r}")
            tokens.append(tok)
            col += len(op)
        if not depth and tokens and tokens[-1].kind != NEWLINE and stripped.strip():
            tokens.append(Token(NEWLINE, "", Span(file, lineno, len(line) + 1, len(line) + 2, line)))
    if depth:
        opener = depth[-1]
        raise SyntaxError_(f"{opener.text!r} is never closed", span=opener.span,
                           hint=f"add {_PAIRS[opener.text]!r}")
    last = Span(file, len(lines) + line_offset, len(lines[-1]) + 1, len(lines[-1]) + 2, lines[-1])
    tokens.append(Token(EOF, "", last))
    return tokens


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _strip_comment(line: str) -> str:
    """Cut a ``#`` comment, ignoring ``#`` inside strings."""
    in_string = False
    escaped = False
    for k, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            return line[:k]
    return line


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
