"""The known-false corpus is well formed, and every oracle refutes every entry.

* the corpus has at least 40 entries, at least 12 of them variant pairs; names are unique
  and kebab-case; every entry says what the mistake is;
* each oracle in :data:`ORACLES` refutes each entry (test id: ``<entry>-<oracle>``). The
  numeric oracle must answer ``differ`` at its default cases with a counterexample whose
  two values are finite, so no entry is refuted only by a NaN or an overflow.

To add an oracle (a solver, a finite-field check), write ``refute_<oracle>(entry)`` that
fails with a message naming the entry when the oracle does not refute it, and add it to
:data:`ORACLES`; every entry is then run through it. An oracle that cannot handle an entry
(a construct it does not encode) should ``pytest.skip`` with the reason, not pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from anatomy.verify.field import field_test
from anatomy.verify.numeric import compare
from anatomy.verify.rules import context_sizes
from anatomy.verify.smt import prove
from tests.known_false import KINDS, CorpusError, Entry, entries

ENTRIES = entries()
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

MIN_ENTRIES = 40
MIN_PAIRS = 12


# -- well-formedness ---------------------------------------------------------------


def test_corpus_is_well_formed():
    names = [e.name for e in ENTRIES]
    assert len(ENTRIES) >= MIN_ENTRIES, f"the corpus has {len(ENTRIES)} entries, fewer than {MIN_ENTRIES}"
    pairs = sum(e.kind == "pair" for e in ENTRIES)
    assert pairs >= MIN_PAIRS, f"the corpus has {pairs} variant pairs, fewer than {MIN_PAIRS}"
    assert len(names) == len(set(names)), f"duplicate names: {sorted({n for n in names if names.count(n) > 1})}"
    for e in ENTRIES:
        assert KEBAB.fullmatch(e.name), f"{e.site}: name {e.name!r} is not kebab-case"
        assert e.kind in KINDS, f"{e.site}: kind {e.kind!r}"
        assert e.mistake.strip(), f"{e.site}: entry {e.name} does not say what the mistake is"
        assert (e.rule is not None) == (e.kind == "rule"), f"{e.site}: {e.name} has the wrong record"
        assert e.left.type == e.right.type, f"{e.site}: {e.name}: {e.left.type} vs {e.right.type}"


@pytest.mark.parametrize("body, expected", [
    ('[[rule]]\nname = "unclosed"\nlhs = "exp(A[z]"\nrhs = "A[z]"\nvars = "A[z]"\nmistake = "m"\n',
     "known-false rule 'unclosed' (CORPUS:2) does not parse:\nrule unclosed, left side:1:4: error: '(' is never closed"),
    ('[[pair]]\nname = "unknown-name"\nmistake = "m"\nleft = "variant a\\naxes i: n\\ninput X[i]\\nout[i] = Y[i]"\n'
     'right = "variant b\\naxes i: n\\ninput X[i]\\nout[i] = X[i]"\n',
     "known-false pair 'unknown-name' (CORPUS:2) does not parse:\nunknown-name (left):4:10: error: unknown name 'Y'"),
    ('[[rule]]\nname = "one-sided"\nlhs = "sigmoid(A[z] + C[z])"\nrhs = "sigmoid(A[z])"\nvars = "A[z] C[z]"\nmistake = "m"\n',
     "known-false rule 'one-sided' (CORPUS:2): the two sides cannot be compared: leaves ['C'] appear on one side only"),
    ('[[rule]]\nname = "no-lhs"\nrhs = "A[z]"\nmistakes = "m"\n',
     "known-false rule 'no-lhs' (CORPUS:2): missing key(s) ['lhs', 'mistake']; unknown key(s) ['mistakes']"),
], ids=["rule-does-not-parse", "pair-does-not-parse", "leaves-differ", "keys"])
def test_a_bad_entry_is_named(tmp_path, body, expected):
    path = tmp_path / "corpus.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        entries(path)
    assert str(info.value).startswith(expected.replace("CORPUS", str(path))), str(info.value)


# -- the oracles -------------------------------------------------------------------


def refute_numeric(entry: Entry) -> None:
    """The float64 oracle at its default cases finds a finite counterexample."""
    v = compare(entry.left, entry.right)
    assert v.verdict == "differ", (
        f"{entry.site}: the numeric oracle did not refute {entry.name} ({v.cases} cases, worst relative "
        f"error {v.max_error:.3g}).\n  left:  {entry.left}\n  right: {entry.right}\n"
        f"Either the entry is a true identity, or its mistake shows only at sizes the default cases miss "
        f"(declare sizes so that the bases 2, 3, 1, 5 expose it).")
    cx = v.counterexample
    assert cx is not None, f"{entry.name}: 'differ' without a counterexample"
    assert math.isfinite(cx.left) and math.isfinite(cx.right), (
        f"{entry.site}: {entry.name} is refuted only by non-finite values (left {cx.left}, right {cx.right} "
        f"at {cx.entry}, sizes {cx.sizes}); make both sides finite so that the refutation is a real one")


def refute_smt(entry: Entry) -> None:
    """z3 refutes it with a certified counterexample, at every size up to 3 or, for a mistake
    that needs larger sizes (a window wider than 3), at the sizes where float64 shows it."""
    fixed = context_sizes(entry.rule, entry.left, entry.right) if entry.rule else {}
    v = prove(entry.left, entry.right, bound=3, sizes=fixed)
    if v.verdict == "proved":
        at = compare(entry.left, entry.right).counterexample
        assert at is not None and any(n > 3 for n in at.sizes.values()), (
            f"{entry.site}: z3 proved {entry.name} at every size up to 3, and float64 differs at {at and at.sizes}")
        v = prove(entry.left, entry.right, sizes=at.sizes)
    assert v.verdict == "refuted", f"{entry.site}: z3 did not refute {entry.name}: {v.verdict} ({v.reason})"
    cx = v.counterexample
    assert cx is not None and math.isfinite(cx.left) and math.isfinite(cx.right) and cx.left != cx.right


def refute_field(entry: Entry) -> None:
    """The finite-field test finds a difference wherever its fragment applies."""
    v = field_test(entry.left, entry.right)
    if v.verdict == "not-applicable":
        pytest.skip(f"outside the finite-field fragment: {v.reason}")
    assert v.verdict == "differ", f"{entry.site}: the finite-field test passed {entry.name} ({v.reason})"
    assert v.counterexample is not None


ORACLES: dict[str, Callable[[Entry], None]] = {
    "numeric": refute_numeric,
    "smt": refute_smt,
    "field": refute_field,
}
"""Oracle name -> a function that fails unless the oracle refutes the entry."""


@pytest.mark.parametrize("oracle", sorted(ORACLES))
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_every_oracle_refutes_every_entry(entry: Entry, oracle: str):
    ORACLES[oracle](entry)
