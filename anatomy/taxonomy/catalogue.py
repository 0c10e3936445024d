"""The cited catalogue: one variant file per literature variant, with the metadata it lacks.

``catalogue/NAME.attn`` holds each definition; ``catalogue.toml`` holds, per name, the
aliases, the structured citation, the anatomical option chosen for every component of
:mod:`.components`, what the definition leaves out, and whether the components recompose
the definition exactly (``decomposition = "full"``, the default) or only in part
(``"partial"``, with a ``reason``). The schema is in ``docs/reference/catalogue.md``.

Main names: :class:`Citation`, :class:`Entry`, :func:`catalogue_names`, :func:`load_entry`,
:func:`load_catalogue`, :func:`entry_for`, :func:`recompose_entry`.

Example:
    >>> "multi-query" in catalogue_names()
    True
    >>> e = entry_for("mqa")
    >>> e.name, e.components["projection"], e.citation.arxiv
    ('multi-query', 'multi-query', '1911.02150')
    >>> e.citation.format()
    'Shazeer. Fast Transformer Decoding: One Write-Head is All You Need. arXiv preprint 2019. arXiv:1911.02150'
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from pathlib import Path
from typing import Any

from ..errors import UnknownNameError, VariantFileError
from ..ir.term import Term
from ..ir.variant import Variant, load_variant
from ..messages import did_you_mean
from .components import COMPONENTS, DOC, option, recompose

DIRECTORY = Path(__file__).parent / "catalogue"
METADATA = Path(__file__).parent / "catalogue.toml"
DECOMPOSITIONS = ("full", "partial")
ET_AL = "et al."


@dataclasses.dataclass(frozen=True)
class Citation:
    """Where a variant was published.

    Parameters:
        authors: ``"Surname, Given names"`` in the paper's order; a list cut after the
            first authors ends with ``"et al."``; a collective author is one name.
        year, venue: the publication (``"arXiv preprint"`` when there is none).
        arxiv: the arXiv identifier (``"2405.04434"``), or ``""`` when there is none.
        title: the paper's title.
        url: a link, for sources without an arXiv identifier.

    Example:
        >>> Citation(("Press, Ofir", "Smith, Noah A.", "Lewis, Mike"), 2022, "ICLR", "2108.12409", "ALiBi").format()
        'Press, Smith, Lewis. ALiBi. ICLR 2022. arXiv:2108.12409'
    """

    authors: tuple[str, ...]
    year: int
    venue: str
    arxiv: str
    title: str
    url: str = ""

    def surnames(self) -> tuple[str, ...]:
        return tuple(a.split(",")[0].strip() for a in self.authors)

    def format(self) -> str:
        """The citation as the ``cite`` line of a variant file writes it."""
        names = ", ".join(self.surnames())
        text = f"{names if names.endswith('.') else names + '.'} {self.title}. {self.venue} {self.year}."
        return f"{text} arXiv:{self.arxiv}" if self.arxiv else text


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalogue variant: its definition and what the literature says about it.

    Parameters:
        variant: the checked definition from ``catalogue/NAME.attn``.
        aliases: other names users type for it.
        citation: where it was published.
        components: component name -> option name, one for every component.
        leaves_out: what the definition omits (training details, norms, dropout, ...).
        decomposition: ``"full"`` when the components recompose the definition exactly,
            ``"partial"`` when they cannot (``reason`` says why).
    """

    variant: Variant
    aliases: tuple[str, ...]
    citation: Citation
    components: dict[str, str]
    leaves_out: tuple[str, ...]
    decomposition: str = "full"
    reason: str = ""

    @property
    def name(self) -> str:
        return self.variant.name


def catalogue_names() -> list[str]:
    """The names of the catalogue's variants, sorted."""
    return sorted(p.stem for p in DIRECTORY.glob("*.attn"))


@functools.lru_cache(maxsize=1)
def _metadata() -> dict[str, Any]:
    with open(METADATA, "rb") as f:
        return tomllib.load(f)


def _bad(name: str, what: str) -> VariantFileError:
    return VariantFileError(f"catalogue entry {name!r}: {what}", hint=f"fix [{name}] in {METADATA.name}", doc=DOC)


def _citation(name: str, raw: Any) -> Citation:
    if not isinstance(raw, dict):
        raise _bad(name, "has no citation table")
    fields = {f.name for f in dataclasses.fields(Citation)}
    unknown = sorted(set(raw) - fields)
    missing = sorted({"authors", "year", "venue", "arxiv", "title"} - set(raw))
    if unknown or missing:
        raise _bad(name, f"citation fields unknown {unknown}, missing {missing}")
    return Citation(tuple(raw["authors"]), int(raw["year"]), str(raw["venue"]), str(raw["arxiv"]),
                    str(raw["title"]), str(raw.get("url", "")))


def _components(name: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or sorted(raw) != sorted(COMPONENTS):
        raise _bad(name, f"components must name one option for each of {', '.join(COMPONENTS)}")
    for component, chosen in raw.items():
        option(component, chosen)
    return {c: str(raw[c]) for c in COMPONENTS}


@functools.lru_cache(maxsize=None)
def load_entry(name: str) -> Entry:
    """The catalogue entry ``name`` (its exact name; see :func:`entry_for` for aliases)."""
    path = DIRECTORY / f"{name}.attn"
    if not path.is_file():
        raise UnknownNameError(f"no catalogue variant named {name!r}", hint=did_you_mean(name, catalogue_names()),
                               doc=DOC)
    meta = _metadata().get(name)
    if meta is None:
        raise _bad(name, "has a variant file but no metadata")
    known = {"aliases", "citation", "components", "leaves_out", "decomposition", "reason"}
    if set(meta) - known:
        raise _bad(name, f"unknown fields {sorted(set(meta) - known)}")
    decomposition = meta.get("decomposition", "full")
    if decomposition not in DECOMPOSITIONS or (decomposition == "partial") != bool(meta.get("reason")):
        raise _bad(name, "decomposition is 'full', or 'partial' with a reason")
    variant = load_variant(path)
    if variant.name != name:
        raise _bad(name, f"its file declares the variant {variant.name!r}")
    return Entry(variant, tuple(meta.get("aliases", ())), _citation(name, meta.get("citation")),
                 _components(name, meta.get("components")), tuple(meta.get("leaves_out", ())), decomposition,
                 str(meta.get("reason", "")))


def load_catalogue() -> list[Entry]:
    """Every catalogue entry, sorted by name."""
    return [load_entry(n) for n in catalogue_names()]


def _aliases() -> dict[str, str]:
    return {alias: name for name in catalogue_names() for alias in load_entry(name).aliases}


def entry_for(name_or_alias: str) -> Entry:
    """The entry with this name or alias; unknown names get a did-you-mean hint.

    Example:
        >>> entry_for("rotary").name
        'rope'
    """
    names = catalogue_names()
    if name_or_alias in names:
        return load_entry(name_or_alias)
    aliases = _aliases()
    if name_or_alias in aliases:
        return load_entry(aliases[name_or_alias])
    raise UnknownNameError(f"no catalogue variant named {name_or_alias!r}",
                           hint=did_you_mean(name_or_alias, [*names, *aliases]), doc=DOC)


def recompose_entry(entry: Entry) -> Term:
    """The term the entry's components build over its declared axes (see :func:`.recompose`)."""
    return recompose(entry.components, entry.variant.axes)


__all__ = ["Citation", "DECOMPOSITIONS", "Entry", "catalogue_names", "entry_for", "load_catalogue", "load_entry",
           "recompose_entry"]
