"""The e-graph stage (egglog 13.2): terms in, equivalence classes and extractions out.

This stage is not built yet; it arrives with the e-graph issue. It will be the only
place that imports egglog.
"""
