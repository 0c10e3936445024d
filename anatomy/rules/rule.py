"""The rule record: a named identity between two term patterns, with where it holds.

A rule's sides are written in the text syntax over *metavariables*: capitalised names
declared with their axes in ``vars`` (``"A[z] B[z, j]"``). Axis ``z`` is the *context*: it
stands for whatever other axes a matched term has, so ``A[z]`` reads "any term that does
not depend on the rule's axes" and ``B[z, j]`` "any term, possibly depending on ``j``".
Every other axis is a *rule axis*, matched to one axis of the term. That one convention
gives the side conditions of the paper's SIMD laws: a metavariable declared without a rule
axis may not depend on it (a factor constant along the tube leaves the sum).

Sides are ordinary terms, so the e-graph compiles them to patterns and the verifiers
evaluate them at concrete sizes — one declaration, two consumers. A rule axis's size is a
symbol (``J`` for ``j`` unless ``sizes`` says otherwise); axes declared with the same size
symbol must match axes of equal size (the causal-alignment condition n_q = n_k).

Example:
    >>> r = Rule("sum-pull-mul", "axis", "sum_j(A[z] * B[z, j])", "A[z] * sum_j(B[z, j])",
    ...          vars="A[z] B[z, j]", source="strength")
    >>> r
    Rule('sum-pull-mul', 'axis', 'sum_j(A[z] * B[z, j])', 'A[z] * sum_j(B[z, j])', vars='A[z] B[z, j]', source='strength')
    >>> r.rule_axes, r.lacks("A")
    (('j',), ('j',))
    >>> print(r)
    sum-pull-mul: sum_j(A[z] * B[z, j]) <-> A[z] * sum_j(B[z, j])
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys

from ..errors import AnatomyError, InternalError
from ..ir.size import Size, SizeCondition
from ..ir.syntax.resolve import Scope, parse_term
from ..ir.term import Term
from ..ir.traverse import broadcast

CONTEXT = "z"
"""The context axis of rule signatures: "every other axis of the matched term"."""

LEVELS = ("≡", "≅", "⊑")
"""Relation levels: exact (≡), reparametrisation-equivalent (≅), specialises (⊑). The
fourth relation, ⊑≈ (approximated by), rests on cited theorems, not on identities, and
lives in :data:`anatomy.rules.family.APPROXIMATION`."""

ENGINES = ("egraph", "prepare", "family")

DIRECTIONS = ("<->", "->")

_VAR = re.compile(r"\s*([A-Z][A-Za-z0-9]*)\s*(?:\[([^\]]*)\])?\s*(:\s*bool\b)?\s*")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rewrite rule, as data.

    Parameters:
        name: kebab-case, unique across all families.
        family: the family block it belongs to (``axis``, ``algebra``, ``softmax``, …).
        lhs, rhs: the two sides, in the text syntax, over the metavariables in ``vars``.
        vars: metavariable declarations, ``"A[z] B[z, j]"``; a mask is declared
            ``"M[z]: bool"`` (a boolean term; the sides read it as ``M[z] != 0``, so the
            verifiers draw it as a random mask).
        sizes: size overrides for rule axes, ``"j: B*C, b: B"`` (default: the axis name
            upper-cased, so ``j`` has size ``J``).
        direction: ``<->`` (an identity used both ways) or ``->`` (used left to right only:
            the right side is simpler, or the left side binds what the right needs).
        level: the relation the rule asserts: ``≡`` (the sides are equal), ``≅`` (the
            sides' parameters range over the same set of functions) or ``⊑`` (the left
            side's family is contained in the right side's).
        params: for ``≅``/``⊑`` rules, the learnable parameters of both sides, declared like
            ``vars`` (``"W[x, c] V[x, c]"``); each side uses its own.
        witness: ``≅``/``⊑``: the right side's parameters as terms of the left side's,
            ``"V = W / C"`` (``;`` between assignments), such that lhs(θ) ≡ rhs(witness(θ)).
        inverse: ``≅``: the left side's parameters as terms of the right side's.
        condition: a size condition under which the rule holds (``"D <= K"``), or empty.
        move: ``≅``/``⊑``: the witness generator of the family search that instantiates
            this rule (see :mod:`anatomy.family.candidates`).
        source: the law's name or a citation.
        engine: ``egraph`` (compiled to an egglog rewrite), ``prepare`` (a directed
            normalisation applied before insertion, for rules that introduce a bound axis,
            which egglog patterns cannot name) or ``family`` (a ``≅``/``⊑`` rule, used by
            the family search to propose witnesses).
        site: ``file:line`` of the declaration, captured automatically.
    """

    name: str
    family: str
    lhs: str
    rhs: str
    vars: str = ""
    sizes: str = ""
    direction: str = "<->"
    level: str = "≡"
    source: str = ""
    engine: str = "egraph"
    params: str = ""
    witness: str = ""
    inverse: str = ""
    condition: str = ""
    move: str = ""
    site: str = dataclasses.field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.site:
            frame = sys._getframe(1)
            while frame.f_code.co_filename == __file__ or frame.f_code.co_name == "__init__":
                frame = frame.f_back  # type: ignore[assignment]
            object.__setattr__(self, "site", f"{_short(frame.f_code.co_filename)}:{frame.f_lineno}")
        if self.direction not in DIRECTIONS:
            raise InternalError(f"rule {self.name}: direction {self.direction!r} is not one of {DIRECTIONS}")
        if self.level not in LEVELS:
            raise InternalError(f"rule {self.name}: level {self.level!r} is not one of {LEVELS}")
        if self.engine not in ENGINES:
            raise InternalError(f"rule {self.name}: engine {self.engine!r} is not one of {ENGINES}")
        family = self.level != "≡"
        if family != (self.engine == "family") or family != bool(self.witness) or (self.level == "≅") != bool(self.inverse):
            raise InternalError(f"rule {self.name}: a ≅ rule needs a witness and an inverse, a ⊑ rule a witness, "
                                f"and both run on the family engine; an exact rule has neither")

    # -- the signature ---------------------------------------------------------------

    @functools.cached_property
    def metavars(self) -> dict[str, tuple[str, ...]]:
        """Metavariable name -> its declared axes, in declaration order."""
        out: dict[str, tuple[str, ...]] = {}
        text = self.vars
        pos = 0
        while pos < len(text):
            m = _VAR.match(text, pos)
            if not m or m.end() == pos:
                raise InternalError(f"rule {self.name} ({self.site}): cannot read vars {text!r} at {pos}")
            out[m.group(1)] = tuple(a.strip() for a in (m.group(2) or "").split(",") if a.strip())
            pos = m.end()
        return out

    @functools.cached_property
    def param_decls(self) -> dict[str, tuple[str, ...]]:
        """Parameter name -> its declared axes (``≅``/``⊑`` rules)."""
        return {m.group(1): tuple(a.strip() for a in (m.group(2) or "").split(",") if a.strip())
                for m in _VAR.finditer(self.params)}

    @functools.cached_property
    def size_condition(self) -> SizeCondition | None:
        return SizeCondition.parse(self.condition) if self.condition else None

    @functools.cached_property
    def masks(self) -> frozenset[str]:
        """The metavariables declared ``: bool`` (masks); they are written ``M[z] != 0`` in the sides."""
        return frozenset(m.group(1) for m in _VAR.finditer(self.vars) if m.group(3))

    @functools.cached_property
    def axis_sizes(self) -> dict[str, Size]:
        """Every axis of the rule (context included) -> its size."""
        given = {}
        for item in filter(None, (s.strip() for s in self.sizes.split(","))):
            name, _, size = item.partition(":")
            given[name.strip()] = Size.parse(size.strip())
        names = [a for axes in (*self.metavars.values(), *self.param_decls.values()) for a in axes] + list(given)
        names += re.findall(r"(?:sum|max|softmax|normalize)_([a-z][a-z0-9]*)", self.lhs + " " + self.rhs)
        out: dict[str, Size] = {}
        for name in names:
            out.setdefault(name, given.get(name, Size.of(name.upper())))
        return out

    @property
    def rule_axes(self) -> tuple[str, ...]:
        """The axes a match binds (every axis but the context), sorted."""
        return tuple(sorted(a for a in self.axis_sizes if a != CONTEXT))

    def lacks(self, var: str) -> tuple[str, ...]:
        """The rule axes metavariable ``var`` may not depend on."""
        return tuple(a for a in self.rule_axes if a not in self.metavars[var])

    # -- the sides -----------------------------------------------------------------

    def scope(self) -> Scope:
        return Scope.declare(axes=self.axis_sizes, inputs=self.metavars, params=self.param_decls)

    @functools.cached_property
    def sides(self) -> tuple[Term, Term]:
        """The two sides as terms whose inputs are the metavariables."""
        out = []
        for which, text in (("left", self.lhs), ("right", self.rhs)):
            for mask in self.masks:
                text = re.sub(rf"\b{mask}(\[[^\]]*\])?", lambda m: f"({m.group(0)} != 0)", text)
            try:
                out.append(parse_term(text, self.scope(), file=f"rule {self.name}, {which} side"))
            except AnatomyError as err:
                raise InternalError(f"rule {self.name} ({self.site}) does not parse: {err}") from None
        return out[0], out[1]

    def assignments(self, which: str) -> dict[str, Term]:
        """The ``witness`` or ``inverse`` as parameter name -> term, each broadcast to the
        parameter's declared axes."""
        out = {}
        for item in filter(None, (p.strip() for p in getattr(self, which).split(";"))):
            name, _, text = item.partition("=")
            name = name.strip()
            if name not in self.param_decls:
                raise InternalError(f"rule {self.name} ({self.site}): {which} assigns {name!r}, not a declared parameter")
            try:
                term = parse_term(text.strip(), self.scope(), file=f"rule {self.name}, {which}")
            except AnatomyError as err:
                raise InternalError(f"rule {self.name} ({self.site}): {which} does not parse: {err}") from None
            out[name] = broadcast(term, self.scope().tensors[name].shape)
        return out

    def __repr__(self) -> str:
        fields = [f"{self.name!r}", f"{self.family!r}", f"{self.lhs!r}", f"{self.rhs!r}"]
        for f in dataclasses.fields(self)[4:]:
            value = getattr(self, f.name)
            if f.compare and value != f.default:
                fields.append(f"{f.name}={value!r}")
        return f"Rule({', '.join(fields)})"

    def __str__(self) -> str:
        if self.level == "≡":
            return f"{self.name}: {self.lhs} {self.direction} {self.rhs}"
        inverse = f"; {self.inverse}" if self.inverse else ""
        when = f" when {self.condition}" if self.condition else ""
        return f"{self.name}: {self.lhs} {self.level} {self.rhs} by {self.witness}{inverse}{when}"


def _short(path: str) -> str:
    marker = "anatomy/"
    return path[path.rindex(marker):] if marker in path else path
