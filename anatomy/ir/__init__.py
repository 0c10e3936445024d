"""The term language: typed tensor terms over named axes, their text syntax and variants.

Layer 0 of anatomy: imports nothing from the project but ``errors`` and ``messages``.
Modules, in the order a term passes through them: ``size`` and ``ops`` (vocabulary),
``term`` (node kinds) and ``check`` (one type rule per kind), ``build`` (Python builder),
``syntax`` (lexer, parser, resolver, printer), ``variant`` (variant files), ``lower``
(sugar to core), ``traverse`` (walks).

Example:
    >>> from anatomy.ir import parse_variant
    >>> v = parse_variant("variant x\\naxes i: n\\ninput a[i]\\nout[i] = exp(a[i])")
    >>> str(v.term), str(v.term.type)
    ('exp(a[i])', 'real[i: n]')
"""

from .lower import is_core, lower
from .ops import BinaryOp, Dtype, UnaryOp
from .size import Size
from .syntax.printer import print_term
from .syntax.resolve import Scope, parse_term
from .term import (NODE_KINDS, SUGAR_KINDS, Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize,
                   Param, Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Term, Type, Unary, Where)
from .traverse import inputs, params, postorder
from .variant import Variant, format_variant, load_variant, parse_variant

__all__ = [
    "Axis", "Binary", "BinaryOp", "Concat", "Const", "Dim", "Dtype", "Index", "Input", "Merge", "NODE_KINDS",
    "Normalize", "Param", "Reduce", "ReduceOp", "Rename", "SUGAR_KINDS", "Scan", "Scope", "Size", "Softmax",
    "Split", "State", "Term", "Type", "Unary", "UnaryOp", "Variant", "Where", "format_variant", "inputs",
    "is_core", "load_variant", "lower", "params", "parse_term", "parse_variant", "postorder", "print_term",
]
