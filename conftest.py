"""Root pytest configuration: skip collecting modules whose optional dependency is absent.

The doctest run (``--doctest-modules`` over ``anatomy/``) imports every module; the torch
modules raise by design when torch is missing, so they are left out there, and only there.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += ["anatomy/runtime/torch_backend.py", "anatomy/runtime/module.py"]
