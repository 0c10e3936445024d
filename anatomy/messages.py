"""Message templates: every user-facing sentence is built here, in one grammar.

The grammar is "Expected X, got Y instead." for wrong values and "A does not compose
with B: why." for terms that do not fit together; unknown names get the closest known
names.

Example:
    >>> expected("a positive size", "-3")
    'Expected a positive size, got -3 instead.'
    >>> did_you_mean("Kk", ["K", "Q", "V"])
    "did you mean 'K'?"
    >>> did_you_mean("x", ["X", "y"])
    "did you mean 'X'?"
    >>> did_you_mean("zzz", ["K", "Q"])
    'known: K, Q'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def expected(what: str, got: str) -> str:
    return f"Expected {what}, got {got} instead."


def does_not_compose(left: str, right: str, why: str) -> str:
    return f"{left} does not compose with {right}: {why}."


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(name, sorted(set(known)), n=n, cutoff=0.5)


def did_you_mean(name: str, known: Iterable[str], *, limit: int = 12) -> str:
    """A hint for an unknown ``name``: the closest known names (a difference of case only
    counts as closest), or the known names."""
    known = sorted(set(known))
    near = [k for k in known if k.lower() == name.lower() and k != name] or closest(name, known)
    if near:
        return "did you mean " + " or ".join(repr(k) for k in near) + "?"
    if not known:
        return "nothing of that kind is declared"
    shown = ", ".join(known[:limit]) + (", …" if len(known) > limit else "")
    return f"known: {shown}"
