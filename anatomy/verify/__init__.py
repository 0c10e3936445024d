"""The verifiers: z3 at bounded sizes and randomized tensor tests, independent of the e-graph.

This stage is not built yet; it arrives with the verification issue. It will never import
the e-graph, and it will be the only place that imports z3.
"""
