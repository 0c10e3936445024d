"""One egglog-python 13.2 internal switched off, for determinism (imported for its effect).

Before sending a term to egglog, egglog-python turns each shared sub-expression into a
global ``let`` ("only for performance reasons", says its source). It finds them by popping
a Python ``set``, so which sub-expressions became ``let``\\ s, and in which order, changed from
one process to the next, and so did the program egglog received. Measured on the online
softmax equivalence case: the large online-softmax pattern was missed in about 1 process in
6 (with naive evaluation and with one thread alike), and joins at the edge of the iteration
budget came and went. With the ``let``\\ s made in a fixed depth-first order the pattern was
missed in every process; with none, it is found in every process, the same e-graph is built
every time, and the 18 equivalence cases run no slower (2.5-2.8 s in all). So none are made:
terms are sent as written.
"""

from __future__ import annotations

from egglog import egraph_state


def no_shared_lets(typed_expr: object) -> list:
    """Replaces ``egraph_state._exprs_multiple_parents``: no sub-expression becomes a ``let``."""
    return []


egraph_state._exprs_multiple_parents = no_shared_lets
