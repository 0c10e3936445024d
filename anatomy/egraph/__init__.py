"""The e-graph stage (egglog 13.2): terms in, equivalence classes and extractions out.

Built so far: :mod:`anatomy.egraph.encode`, the loss-free translation of terms to egglog
expressions and back. Rules, saturation, classes and extraction arrive with the rest of
the e-graph issue. This is the only place that imports egglog.
"""
