"""The built-in example variants: ``.attn`` files shipped with the package.

Each file in ``variants/`` defines one variant whose name is the file's stem.

Example:
    >>> "scaled-dot-product" in example_names()
    True
    >>> load_example("dot-product").title
    'Dot-product attention (unscaled)'
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from ..errors import UnknownNameError
from ..ir.variant import Variant, load_variant
from ..messages import did_you_mean

DIRECTORY = Path(__file__).parent / "variants"


def example_names() -> list[str]:
    """The names of the built-in examples, sorted."""
    return sorted(p.stem for p in DIRECTORY.glob("*.attn"))


def example_path(name: str) -> Path:
    path = DIRECTORY / f"{name}.attn"
    if not path.is_file():
        raise UnknownNameError(f"no built-in example named {name!r}", hint=did_you_mean(name, example_names()))
    return path


def load_example(name: str) -> Variant:
    """Load a built-in example by name."""
    return load_variant(example_path(name))


def load_examples() -> list[Variant]:
    """Every built-in example, in name order."""
    return [load_example(n) for n in example_names()]


# -- equivalence cases ---------------------------------------------------------------

EQUIVALENCES = Path(__file__).parent / "equivalences"


@dataclasses.dataclass(frozen=True)
class Case:
    """A pair of variant files and the relation expected between them (``case.toml``)."""

    name: str
    a: Path
    b: Path
    relation: str
    summary: str
    strict: bool | None = None
    conditions: tuple[str, ...] = ()

    def load(self) -> tuple[Variant, Variant]:
        """The two variants of the case."""
        return load_variant(self.a), load_variant(self.b)


def equivalence_cases() -> list[Case]:
    """The built-in equivalence cases (``examples/equivalences/*``), in name order.

    Example:
        >>> cases = {c.name: c.relation for c in equivalence_cases()}
        >>> cases["online-softmax"], cases["scaled-vs-unscaled"]
        ('equivalent', 'distinct')
    """
    return _cases(EQUIVALENCES)


def _cases(directory: Path) -> list[Case]:
    out = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        with open(folder / "case.toml", "rb") as f:
            meta = tomllib.load(f)
        out.append(Case(folder.name, folder / "a.attn", folder / "b.attn", meta["relation"], meta["summary"],
                        meta.get("strict"), tuple(meta.get("conditions", ()))))
    return out


# -- family cases --------------------------------------------------------------------

FAMILIES = Path(__file__).parent / "families"


def family_cases() -> list[Case]:
    """The built-in family cases (``examples/families/*``): pairs of parameterised variants
    with the relation expected between their families (``reparam-equivalent``,
    ``specializes``, ``generalizes``), whether it is ``strict``, and its size conditions.

    Example:
        >>> {c.name: c.relation for c in family_cases()}["mqa-vs-gqa"]
        'specializes'
    """
    return _cases(FAMILIES)


def family_case(name: str) -> Case:
    """One family case by name."""
    found = {c.name: c for c in family_cases()}
    if name not in found:
        raise UnknownNameError(f"no family case named {name!r}", hint=did_you_mean(name, found))
    return found[name]
