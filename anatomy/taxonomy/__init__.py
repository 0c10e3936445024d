"""The taxonomy: the cited catalogue, anatomical components, recombination and reports.

This stage is not built yet; until it lands, the built-in variants are the examples in
:mod:`anatomy.examples`.
"""
