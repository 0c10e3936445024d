"""The taxonomy: the cited catalogue of attention variants and their anatomical components.

Modules, in the order a variant passes through them: ``components`` (the seven anatomical
components, each option a small builder, and :func:`recompose`, which turns one option per
component into a term) and ``catalogue`` (one ``.attn`` definition per literature variant
in ``catalogue/``, with its citation, aliases, components and omissions from
``catalogue.toml``). The reference page is ``docs/reference/catalogue.md``.

Example:
    >>> from anatomy.taxonomy import entry_for, recompose_entry
    >>> e = entry_for("alibi")
    >>> e.components["position"], recompose_entry(e) is e.variant.term
    ('alibi', True)
"""

from .catalogue import Citation, Entry, catalogue_names, entry_for, load_catalogue, load_entry, recompose_entry
from .components import COMPONENTS, OPTIONS, Option, option, recompose

__all__ = ["COMPONENTS", "Citation", "Entry", "OPTIONS", "Option", "catalogue_names", "entry_for",
           "load_catalogue", "load_entry", "option", "recompose", "recompose_entry"]
