"""Families: the relations between parameterised variants (≅, ⊑, ⊑≈) with their witnesses.

A variant with learnable parameters denotes the set of functions its parameters reach.
:func:`find_inclusion` decides A ⊑ B by a witness (B's parameters as terms of A's) that the
e-graph derives and the verifiers check; :func:`anatomy.runtime.jacobian.family_rank`
measures a family's dimension, which shows strictness; :mod:`.approx` matches the cited
universal-approximation theorems (⊑≈), kept apart from the exact relations.
"""

from .candidates import Choice, choices
from .search import Inclusion, find_inclusion

__all__ = ["Choice", "Inclusion", "choices", "find_inclusion"]
