"""The exception hierarchy of anatomy: one root, user errors and internal errors apart.

Every user-facing error subclasses both :class:`AnatomyError` and the matching builtin
(``ValueError`` or ``TypeError``), carries an optional :class:`Span` that points at the
offending source text, and renders as one message with a caret line and a link to the
documentation page that explains the fix.

Main classes: :class:`Span`, :class:`AnatomyError`, :class:`SyntaxError_`,
:class:`AxisTypeError`, :class:`UnknownNameError`, :class:`VariantFileError`,
:class:`ReferenceError_`, :class:`IngestError`, :class:`InternalError`.

Example:
    >>> err = UnknownNameError("unknown name 'Kk'", span=Span("a.attn", 3, 5, 7, "x = Kk[j]"),
    ...                        hint="did you mean 'K'?")
    >>> print(err.render())
    a.attn:3:5: error: unknown name 'Kk'
      x = Kk[j]
          ^^
      hint: did you mean 'K'?
"""

from __future__ import annotations

import dataclasses

DOCS = "docs/reference"


@dataclasses.dataclass(frozen=True)
class Span:
    """A place in a source text: file, 1-based line, 1-based columns [col, end_col).

    Parameters:
        file: the path shown to the user (``"<text>"`` for a string).
        line: 1-based line number.
        col: 1-based first column.
        end_col: 1-based column one past the last character (at least ``col + 1``).
        text: the whole source line, used to draw the caret.

    Example:
        >>> Span("f.attn", 2, 5, 7, "abc defg").caret()
        '    ^^'
    """

    file: str
    line: int
    col: int
    end_col: int
    text: str = ""

    def caret(self) -> str:
        width = max(1, self.end_col - self.col)
        return " " * (self.col - 1) + "^" * width

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class AnatomyError(Exception):
    """Root of every error anatomy raises on purpose.

    Catch this to handle any user-facing failure; the message says what was wrong,
    where, and how to fix it. ``render()`` gives the full multi-line form.
    """

    doc: str = f"{DOCS}/errors.md"

    def __init__(self, message: str, *, span: Span | None = None, hint: str | None = None,
                 doc: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        if doc is not None:
            self.doc = doc

    def with_span(self, span: Span) -> "AnatomyError":
        """Return a copy of this error located at ``span`` (the first location wins)."""
        if self.span is not None:
            return self
        return type(self)(self.message, span=span, hint=self.hint, doc=self.doc)

    def render(self, *, docs: bool = False) -> str:
        head = f"{self.span}: error: {self.message}" if self.span else f"error: {self.message}"
        lines = [head]
        if self.span is not None and self.span.text:
            lines.append("  " + self.span.text.rstrip("\n"))
            lines.append("  " + self.span.caret())
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        if docs:
            lines.append(f"  see: {self.doc}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class SyntaxError_(AnatomyError, ValueError):
    """The text of a term or variant file does not follow the grammar.

    Fix the text at the reported line and column; the grammar is in
    ``docs/reference/syntax.md``.
    """

    doc = f"{DOCS}/syntax.md"


class AxisTypeError(AnatomyError, TypeError):
    """A term is ill-typed: its axes, sizes or kinds do not fit together.

    The message shows both sides that fail to compose; rename an axis, declare the
    sizes to agree, or reduce the axis first. See ``docs/reference/terms.md``.
    """

    doc = f"{DOCS}/terms.md"


class UnknownNameError(AnatomyError, ValueError):
    """A name (tensor, axis, size, function, variant, backend) is not known.

    The message lists the closest known names; declare the name or fix the spelling.
    """

    doc = f"{DOCS}/syntax.md"


class VariantFileError(AnatomyError, ValueError):
    """A variant file is missing a field, repeats one, or declares something twice.

    The message names the field and the line; the format is in
    ``docs/reference/variant-files.md``.
    """

    doc = f"{DOCS}/variant-files.md"


class ReferenceError_(AnatomyError, ValueError):
    """A command-line reference (a file path or a built-in name) cannot be resolved.

    Pass an existing ``.attn`` file or one of the names ``anatomy list`` prints.
    """

    doc = f"{DOCS}/cli.md"


class IngestError(AnatomyError, ValueError):
    """PyTorch code cannot be turned into a term: an unsupported op, a branch on a tensor's
    value, a buffer that is not a mask or position table, or a structure that depends on the
    sizes in a way the term language cannot express.

    The message names the op and the line of your code; rewrite that line with a supported op
    (``docs/reference/pytorch.md`` lists them).
    """

    doc = f"{DOCS}/pytorch.md"


class UsageError(AnatomyError, ValueError):
    """An argument to an API function or command is invalid (a bad size, seed, backend…).

    The message names the argument, shows what was given, and says what is expected.
    """

    doc = f"{DOCS}/cli.md"


class InternalError(AnatomyError, AssertionError):
    """An invariant of anatomy itself failed. Users should never see this.

    If you do, it is a bug: please report it with the command that produced it.
    """


class OracleConflict(AnatomyError, AssertionError):
    """Two verifiers disagree: one proved (or passed) a claim that another refuted at the
    same sizes. That is a bug in anatomy — an oracle, the runtime or a rule — never a
    verdict on the claim; please report it with the command that produced it."""

