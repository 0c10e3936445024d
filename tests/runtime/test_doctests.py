"""The runtime's docstring examples run (STYLE 39)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util

import pytest

MODULES = ["anatomy.runtime", "anatomy.runtime._backend", "anatomy.runtime._check", "anatomy.runtime._eval",
           "anatomy.runtime._named", "anatomy.runtime.inputs", "anatomy.runtime.numpy_backend",
           "anatomy.runtime.torch_backend", "anatomy.runtime.module", "tests.common", "tests.common.strategies"]
NEEDS_TORCH = {"anatomy.runtime.torch_backend", "anatomy.runtime.module"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in NEEDS_TORCH and importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
