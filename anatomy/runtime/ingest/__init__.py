"""Ingest attention written as ordinary PyTorch code into the term language.

:func:`load_python` takes ``path/to/file.py:NAME`` — a function of tensors or an
``nn.Module`` class — traces it with ``torch.fx`` (``make_fx``, so Python loops unroll and
shape arithmetic becomes numbers), maps every op of the graph to a term over named axes
(:mod:`._table` lists them), makes the sizes symbolic, rolls unrolled loops back into maps
and scans, and checks that the term reproduces the code in float64 at two size assignments.
The result is a :class:`~anatomy.ir.variant.Variant`: arguments become ``Input`` leaves,
module parameters ``Param`` leaves, and mask buffers index comparisons.

Modules, in the order a reference passes through them: ``_source`` (resolve the reference),
``_trace`` (trace, locate errors), ``_translate`` with ``_table`` and the op modules
``_elementwise``, ``_shape``, ``_reduce``, ``_linalg``, ``_constants`` and ``_roll``
(graph to term), ``_sizes`` (symbolic sizes), ``_compare`` (the float64 check) and
``_pipeline`` (all of it). The submodules import torch; importing this package does not,
and egglog and z3 are never imported.

Example:
    >>> import pathlib, tempfile
    >>> src = '''
    ... import torch
    ... def attention(q, k, v):
    ...     s = q @ k.transpose(-2, -1) / q.size(-1) ** 0.5
    ...     return torch.softmax(s, dim=-1) @ v
    ... '''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "attn.py"
    >>> _ = path.write_text(src)
    >>> v = load_python(f"{path}:attention")
    >>> str(v.term), v.out_axes
    ('sum_j(softmax_j(sum_d(q[i, d] * k[j, d]) / sqrt(dk)) * v[j, e])', ('i', 'e'))
"""

from __future__ import annotations

from collections.abc import Mapping

from ...ir.variant import Variant

__all__ = ["load_python"]


def load_python(ref: str, *, init: Mapping[str, str] | None = None,
                shapes: Mapping[str, tuple[int, ...]] | None = None) -> Variant:
    """The variant that ``ref`` (``path/to/file.py:NAME``) computes.

    Parameters:
        ref: a Python file and a name in it: a function whose positional arguments are all
            tensors, or an ``nn.Module`` subclass (or instance).
        init: constructor keywords for a module, as strings read as Python literals
            (``{"d_model": "64", "causal": "True"}``); strings that are not literals stay strings.
        shapes: example shapes per tensor argument (``{"q": (2, 4, 6, 8)}``); the others are
            2-D, tokens × features, with sizes the tool chooses.

    Raises :class:`~anatomy.errors.ReferenceError_` when the file does not import, ``NAME``
    does not exist, the module needs constructor arguments or an argument is not a tensor,
    and :class:`~anatomy.errors.IngestError` for an unsupported op, a branch on a tensor's
    value, a buffer that is not a mask, or a term that does not reproduce the code. Both
    name the line of your code where they can.
    """
    from ._pipeline import ingest
    from ._source import resolve

    return ingest(resolve(ref, init), shapes).variant
