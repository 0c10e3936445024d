"""Rewrite rules as data (name, family, level, sides, side conditions, source, witness).

This stage is not built yet: the exact rule families arrive with the e-graph issue. Rules
sit below both the e-graph and the verifiers, which consume them.
"""
