"""Rewrite rules as data: name, family, level, sides, side conditions, source, site.

Rules sit below both the e-graph and the verifiers, which consume the same records: the
e-graph compiles each side to a pattern, the verifiers evaluate both sides at concrete
sizes. :mod:`.rule` defines the record and its signature convention; :mod:`.exact` holds
the exact (≡) families; :mod:`.family` the parameter families (≅, ⊑) with their
witnesses and the cited approximation theorems (⊑≈).

Example:
    >>> rule_named("softmax-shift").family
    'softmax'
    >>> sorted(FAMILIES)
    ['algebra', 'axis', 'concat', 'heads', 'masks', 'parameters', 'recurrence', 'softmax']
"""

from __future__ import annotations

from ..errors import UnknownNameError
from ..messages import did_you_mean
from .exact import FAMILIES as _EXACT
from .family import APPROXIMATION, PARAMETERS, Theorem
from .rule import CONTEXT, LEVELS, Rule

FAMILIES: dict[str, tuple[Rule, ...]] = {**_EXACT, "parameters": PARAMETERS}
"""Every rule family by name: the exact (≡) ones, then ``parameters`` (≅, ⊑)."""

RULES: tuple[Rule, ...] = tuple(r for family in FAMILIES.values() for r in family)
"""Every rule, in family order then declaration order."""

EXACT_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.level == "≡")
"""The rules the e-graph uses (≡); family rules propose witnesses instead."""

_BY_NAME = {r.name: r for r in RULES}
assert len(_BY_NAME) == len(RULES), "rule names must be unique"


def rule_named(name: str) -> Rule:
    """The rule called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownNameError(f"no rule named {name!r}", hint=did_you_mean(name, _BY_NAME)) from None


__all__ = ["APPROXIMATION", "CONTEXT", "EXACT_RULES", "FAMILIES", "LEVELS", "PARAMETERS", "RULES", "Rule", "Theorem",
           "rule_named"]
