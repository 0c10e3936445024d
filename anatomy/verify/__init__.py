"""The verifiers: independent checks of every relation the e-graph discovers.

None of them imports the e-graph; each evaluates terms by its own means:

* :mod:`~anatomy.verify.smt` — z3 over the reals at every size up to a bound: proved,
  refuted (a counterexample certified by interval arithmetic) or unknown (with the reason);
  :mod:`~anatomy.verify._z3` is the only module that imports z3;
* :mod:`~anatomy.verify.numeric` — float64 (or torch, on any device and dtype) on fixed and
  hypothesis-drawn inputs, judged by relative RMS error;
* :mod:`~anatomy.verify.field` — the finite-field identity test (after Mirage) with its
  false-pass bound, for multilinear terms with division and one ``exp`` per path;
* :mod:`~anatomy.verify.oracles` — all three on one claim, and their disagreement as an error;
* :mod:`~anatomy.verify.rules` — every rule of every family (``anatomy rules verify``).

Importing this package imports neither z3 nor torch; the numeric oracle runs where neither
is installed.
"""
