"""Root pytest configuration: skip collecting modules whose optional dependency is absent.

The doctest run (``--doctest-modules`` over ``anatomy/``) imports every module. On a machine
without torch, egglog or z3 (the GPU machine has torch but neither egglog nor z3), the
modules that need them are left out of collection, and only those; the tests that need
them import them and fail or skip on their own terms.
"""

import importlib.util
from pathlib import Path

_ROOT = Path(__file__).parent
_NEEDS = {
    "torch": ["anatomy/runtime/torch_backend.py", "anatomy/runtime/module.py"],
    "egglog": [str(p.relative_to(_ROOT)) for p in (_ROOT / "anatomy/egraph").glob("*.py") if p.name != "__init__.py"]
    + ["tests/egraph"],
}

collect_ignore = [path for module, paths in _NEEDS.items() if importlib.util.find_spec(module) is None
                  for path in paths]
