"""anatomy: a term-rewriting and verification engine for attention mechanisms.

The public surface is this short list; everything else lives in subpackages
(``anatomy.ir``, ``anatomy.runtime``, …). Importing the package loads neither torch,
egglog nor z3.

Example:
    >>> import anatomy
    >>> v = anatomy.load_example("scaled-dot-product")
    >>> v.out_axes
    ('i', 'e')
"""

from .errors import AnatomyError
from .examples import example_names, load_example
from .ir import Axis, Scope, Size, Term, Variant, format_variant, load_variant, lower, parse_term, parse_variant, print_term
from .ir import build

from ._version import __version__

__all__ = [
    "AnatomyError", "Axis", "Scope", "Size", "Term", "Variant", "build", "evaluate", "example_names",
    "format_variant", "load_example", "load_variant", "lower", "parse_term", "parse_variant", "print_term",
]


def __getattr__(name: str):
    if name == "evaluate":
        from .runtime import evaluate

        return evaluate
    raise AttributeError(f"module 'anatomy' has no attribute {name!r}")
