"""Symbolic sizes: polynomials with integer coefficients over size symbols.

An axis has a size; a size is a symbol (``n``, ``dk``), a positive integer, or a
polynomial of them (``h*dh`` after merging heads, ``m+1`` after appending a sink key).
Sizes compare structurally after normalisation, so ``h*dh == dh*h``.

Main class: :class:`Size`.

Example:
    >>> n, h, dh = Size.of("n"), Size.of("h"), Size.of("dh")
    >>> str(h * dh + 1)
    'dh*h+1'
    >>> (h * dh).evaluate({"h": 2, "dh": 3})
    6
    >>> Size.parse("h*dh") == dh * h
    True
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from ..errors import AxisTypeError, UnknownNameError
from ..messages import did_you_mean, expected

_SYMBOL = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")

Monomial = tuple[str, ...]  # sorted symbol names, repeated for powers


class Size:
    """A polynomial size: a sorted tuple of (monomial, coefficient) with no zero terms.

    Parameters:
        terms: ``((monomial, coefficient), ...)``; normalised on construction.

    Example:
        >>> Size.of("n") + Size.of("n")
        Size.parse('2*n')
    """

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: tuple[tuple[Monomial, int], ...] = ()) -> None:
        acc: dict[Monomial, int] = {}
        for mono, coeff in terms:
            key = tuple(sorted(mono))
            acc[key] = acc.get(key, 0) + int(coeff)
        norm = tuple(sorted(((m, c) for m, c in acc.items() if c != 0), key=_mono_key))
        object.__setattr__(self, "terms", norm)
        object.__setattr__(self, "_hash", hash(norm))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Size is immutable")

    @classmethod
    def of(cls, name: str) -> "Size":
        if not isinstance(name, str) or not _SYMBOL.match(name):
            raise AxisTypeError(expected("a size symbol (a letter, then letters or digits)", repr(name)))
        return cls((((name,), 1),))

    @classmethod
    def const(cls, value: int) -> "Size":
        if isinstance(value, bool) or not isinstance(value, int):
            raise AxisTypeError(expected("an integer size", repr(value)))
        return cls((((), value),))

    @classmethod
    def parse(cls, text: str) -> "Size":
        """Parse ``a*b+2*c+1``: sums of products of symbols and integers."""
        total = cls()
        src = text.replace(" ", "")
        if not src:
            raise AxisTypeError(expected("a size such as 'n', '8' or 'h*dh'", "an empty string"))
        for part in src.split("+"):
            prod = cls.const(1)
            for factor in part.split("*"):
                if factor.isdigit():
                    prod = prod * cls.const(int(factor))
                elif _SYMBOL.match(factor):
                    prod = prod * cls.of(factor)
                else:
                    raise AxisTypeError(expected("a size such as 'n', '8' or 'h*dh'", repr(text)))
            total = total + prod
        return total

    @classmethod
    def like(cls, value: "SizeLike") -> "Size":
        if isinstance(value, Size):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.const(value)
        if isinstance(value, str):
            return cls.parse(value)
        raise AxisTypeError(expected("a size (a Size, an int or a string like 'n')", repr(value)))

    # -- arithmetic ---------------------------------------------------------------
    def __add__(self, other: "SizeLike") -> "Size":
        return Size(self.terms + Size.like(other).terms)

    __radd__ = __add__

    def __mul__(self, other: "SizeLike") -> "Size":
        o = Size.like(other)
        return Size(tuple((m1 + m2, c1 * c2) for m1, c1 in self.terms for m2, c2 in o.terms))

    __rmul__ = __mul__

    # -- queries ------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted({s for mono, _ in self.terms for s in mono}))

    @property
    def constant(self) -> int | None:
        """The integer value when the size has no symbols, else None."""
        if not self.terms:
            return 0
        if len(self.terms) == 1 and self.terms[0][0] == ():
            return self.terms[0][1]
        return None

    @property
    def is_symbol(self) -> bool:
        return len(self.terms) == 1 and len(self.terms[0][0]) == 1 and self.terms[0][1] == 1

    def evaluate(self, bindings: Mapping[str, int]) -> int:
        """The integer value under ``bindings`` (symbol -> int); every symbol must be bound."""
        total = 0
        for mono, coeff in self.terms:
            val = coeff
            for s in mono:
                if s not in bindings:
                    raise UnknownNameError(f"size symbol {s!r} has no value",
                                           hint=f"bind it, e.g. --size {s}=4; "
                                           + did_you_mean(s, bindings))
                val *= int(bindings[s])
            total += val
        return total

    def substitute(self, mapping: Mapping[str, "Size"]) -> "Size":
        """This size with each symbol in ``mapping`` replaced by its size (``n`` -> ``2*K``).

        Example:
            >>> str(Size.parse("h*dh+1").substitute({"h": Size.parse("g*r")}))
            'dh*g*r+1'
        """
        if not any(s in mapping for s in self.symbols):
            return self
        total = Size()
        for mono, coeff in self.terms:
            prod = Size.const(coeff)
            for s in mono:
                prod = prod * mapping.get(s, Size.of(s))
            total = total + prod
        return total

    # -- identity -----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Size) and self.terms == other.terms

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for mono, coeff in self.terms:
            factors = list(mono)
            if coeff != 1 or not factors:
                factors.insert(0, str(coeff))
            parts.append("*".join(factors))
        return "+".join(parts)

    def __repr__(self) -> str:
        return f"Size.parse({str(self)!r})"

    def __reduce__(self):
        return (Size.parse, (str(self),))


def _mono_key(item: tuple[Monomial, int]) -> tuple:
    mono, _ = item
    return (-len(mono), mono)


SizeLike = Size | int | str


Affine = dict[str, int]
"""An integer affine form over size symbols: symbol -> coefficient, ``""`` -> the constant."""


def affine(size: Size) -> Affine | None:
    """``size`` as an affine form, or ``None`` when it has a product of symbols."""
    out: Affine = {"": 0}
    for mono, coeff in size.terms:
        if len(mono) > 1:
            return None
        key = mono[0] if mono else ""
        out[key] = out.get(key, 0) + coeff
    return out


def affine_add(a: Affine, b: Affine, sign: int = 1) -> Affine:
    """``a + sign·b``."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + sign * v
    return {k: v for k, v in out.items() if v or k == ""}


def nonnegative(form: Affine, assume: tuple[tuple[Affine, Affine], ...] = ()) -> bool:
    """Whether ``form >= 0`` for all sizes >= 1, using at most one assumed ``small <= large``.

    Example:
        >>> nonnegative(affine_add(affine(Size.parse("d+p")), affine(Size.parse("d")), -1))
        True
    """
    def plain(f: Affine) -> bool:  # sizes are >= 1: c + Σ a_s·s >= c + Σ a_s when every a_s >= 0
        return all(v >= 0 for k, v in f.items() if k) and sum(f.values()) >= 0
    return plain(form) or any(plain(affine_add(form, affine_add(large, small, -1), -1)) for small, large in assume)


@dataclasses.dataclass(frozen=True)
class SizeCondition:
    """A side condition on sizes, ``small <= large`` (``dk >= d`` is ``SizeCondition(d, dk)``).

    Relations between families may hold only under such a condition (a learned bilinear
    form factors through a ``dk``-dimensional space iff ``dk >= d``); it is part of the
    claim, shown with it, and the verifiers check the claim only at sizes where it holds.

    Example:
        >>> c = SizeCondition.parse("d <= dk")
        >>> str(c), c.holds({"d": 3, "dk": 4}), c.holds({"d": 5, "dk": 4})
        ('d <= dk', True, False)
    """

    small: Size
    large: Size

    @classmethod
    def parse(cls, text: str) -> "SizeCondition":
        left, op, right = re.split(r"\s*(<=|>=)\s*", text.strip(), maxsplit=1)
        small, large = (left, right) if op == "<=" else (right, left)
        return cls(Size.parse(small), Size.parse(large))

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.small.symbols) | set(self.large.symbols)))

    def holds(self, bindings: Mapping[str, int]) -> bool:
        return self.small.evaluate(bindings) <= self.large.evaluate(bindings)

    def always(self) -> bool:
        """Whether it holds at every size (``d <= d+p``), so a claim need not state it."""
        small, large = affine(self.small), affine(self.large)
        return small is not None and large is not None and nonnegative(affine_add(large, small, -1))

    def __str__(self) -> str:
        return f"{self.small} <= {self.large}"
