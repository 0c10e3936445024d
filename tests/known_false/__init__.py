"""The known-false corpus: plausible attention identities that are wrong, loaded from data.

``corpus.toml`` holds two kinds of entry. A ``[[rule]]`` is a would-be rewrite rule, written
exactly like the rules of ``anatomy/rules/exact.py`` (sides over capitalised metavariables,
``z`` the context axis); it is built as a :class:`~anatomy.rules.Rule` of family
``known-false`` and its sides are ``rule.sides``. A ``[[pair]]`` is two whole variant files
that someone might believe compute the same function. Every entry is false over the reals,
and the tests in ``test_corpus.py`` check that each oracle refutes it.

The loader checks what an oracle needs before it runs: every side parses, and the two sides
of an entry have the same output type and the same leaves (names and axes). A failure names
the entry and its line in ``corpus.toml``.

Example:
    >>> corpus = entries()
    >>> e = by_name("relu-additive")
    >>> e.kind, str(e.left), str(e.right)
    ('rule', 'relu(A[z] + B[z])', 'relu(A[z]) + relu(B[z])')
    >>> e.rule.family, e.site.startswith("tests/known_false/corpus.toml:")
    ('known-false', True)
    >>> sum(x.kind == "pair" for x in corpus) >= 12
    True
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from pathlib import Path

from anatomy.errors import AnatomyError
from anatomy.ir.term import Term
from anatomy.ir.traverse import inputs, params
from anatomy.ir.variant import Variant, parse_variant
from anatomy.rules import Rule

CORPUS = Path(__file__).with_name("corpus.toml")
"""The corpus file."""

SITE = "tests/known_false/corpus.toml"
"""How an entry's site is written (``SITE:line``), whatever the checkout's location."""

FAMILY = "known-false"
"""The family of every corpus rule."""

KINDS = ("rule", "pair")

_KEYS = {"rule": ({"name", "lhs", "rhs", "mistake"}, {"vars", "sizes"}),
         "pair": ({"name", "left", "right", "mistake"}, set())}


class CorpusError(ValueError):
    """An entry of the corpus is malformed; the message names the entry and its line."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """One known-false claim: ``left`` and ``right`` are believed equal but are not.

    Attributes:
        name: kebab-case, unique in the corpus (the test id).
        kind: ``rule`` or ``pair``.
        left, right: the two sides, with the same output type and the same leaves.
        mistake: one sentence: what people get wrong and why it is false.
        rule: the :class:`Rule` record (rules only).
        variants: the two parsed :class:`Variant` records (pairs only).
        site: ``tests/known_false/corpus.toml:LINE`` of the entry's ``name``.
    """

    name: str
    kind: str
    left: Term
    right: Term
    mistake: str
    rule: Rule | None = None
    variants: tuple[Variant, Variant] | None = None
    site: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}): {self.left}  =?=  {self.right}"


def entries(path: str | Path = CORPUS) -> list[Entry]:
    """Every entry of the corpus at ``path``, rules first then pairs, each in file order.

    Raises:
        CorpusError: an entry lacks a key, has an unknown one, does not parse, or has sides
            with different output types or leaves.
    """
    return list(_load(str(path)))


def by_name(name: str, path: str | Path = CORPUS) -> Entry:
    """The entry called ``name``."""
    for entry in _load(str(path)):
        if entry.name == name:
            return entry
    raise KeyError(f"no known-false entry named {name!r}")


@functools.cache
def _load(path: str) -> tuple[Entry, ...]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CorpusError(f"{path}: not valid TOML: {err}") from None
    unknown = sorted(set(data) - set(KINDS))
    if unknown:
        raise CorpusError(f"{path}: unknown table(s) {unknown}; expected [[rule]] and [[pair]]")
    lines = _name_lines(text)
    site = SITE if Path(path).resolve() == CORPUS.resolve() else path
    out = []
    for kind in KINDS:
        for record in data.get(kind, []):
            out.append(_entry(kind, record, site, lines))
    return tuple(out)


def _name_lines(text: str) -> dict[str, int]:
    """Entry name -> the line of its ``name = "..."`` key."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\s*name\s*=\s*"([^"]*)"', line)
        if m:
            out.setdefault(m.group(1), number)
    return out


def _entry(kind: str, record: dict, site: str, lines: dict[str, int]) -> Entry:
    name = record.get("name", "<unnamed>")
    where = f"{site}:{lines[name]}" if name in lines else site
    label = f"known-false {kind} {name!r} ({where})"
    required, optional = _KEYS[kind]
    missing = sorted(required - set(record))
    extra = sorted(set(record) - required - optional)
    if missing or extra:
        raise CorpusError(f"{label}: " + "; ".join(
            ([f"missing key(s) {missing}"] if missing else []) + ([f"unknown key(s) {extra}"] if extra else [])))
    bad = sorted(k for k, v in record.items() if not isinstance(v, str))
    if bad:
        raise CorpusError(f"{label}: key(s) {bad} must be strings")
    rule = variants = None
    try:
        if kind == "rule":
            rule = Rule(name, FAMILY, record["lhs"], record["rhs"], vars=record.get("vars", ""),
                        sizes=record.get("sizes", ""), source=record["mistake"], site=where)
            left, right = rule.sides
        else:
            variants = (parse_variant(record["left"], file=f"{name} (left)"),
                        parse_variant(record["right"], file=f"{name} (right)"))
            left, right = variants[0].term, variants[1].term
    except AnatomyError as err:
        text = err.message.removeprefix(f"rule {name} ({where}) does not parse: ") if kind == "rule" else str(err)
        raise CorpusError(f"{label} does not parse:\n{text}") from None
    why = _mismatch(left, right)
    if why:
        raise CorpusError(f"{label}: the two sides cannot be compared: {why}")
    return Entry(name, kind, left, right, record["mistake"], rule, variants, where)


def _mismatch(left: Term, right: Term) -> str | None:
    """Why the sides are not comparable entry by entry: different output types or leaves."""
    if left.type != right.type:
        return f"the outputs differ: {left.type} (left) and {right.type} (right)"
    leaves = [{leaf.name: tuple(str(a) for a in leaf.shape) for leaf in [*inputs(t), *params(t)]}
              for t in (left, right)]
    if leaves[0] != leaves[1]:
        only = sorted(set(leaves[0]) ^ set(leaves[1]))
        if only:
            return f"leaves {only} appear on one side only"
        name = next(n for n in sorted(leaves[0]) if leaves[0][n] != leaves[1][n])
        return f"{name} has axes [{', '.join(leaves[0][name])}] on the left, [{', '.join(leaves[1][name])}] on the right"
    return None
