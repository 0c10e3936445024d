"""Every built-in example evaluates in numpy and torch, and the two agree in float64.

The numeric identities below check the runtime's semantics against facts about the
examples that hold by algebra (the e-graph will derive them; here they pin evaluation).
"""

from __future__ import annotations

import numpy as np
import pytest

from anatomy.examples import example_names, load_example
from anatomy.runtime import default_sizes, evaluate, random_values


def _run(name: str, values: dict, sizes: dict, backend: str = "numpy") -> np.ndarray:
    v = load_example(name)
    out = evaluate(v.term, {k: values[k] for k in [t.name for t in v.inputs + v.params]}, sizes=sizes,
                   backend=backend).transpose(v.out_axes).data
    return out.detach().numpy() if hasattr(out, "detach") else np.asarray(out)


@pytest.mark.parametrize("name", example_names())
@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_and_torch_agree(name, seed):
    v = load_example(name)
    sizes = default_sizes(v.term)
    values = random_values(v.term, sizes=sizes, seed=seed)
    ref, got = _run(name, values, sizes), _run(name, values, sizes, backend="torch")
    assert ref.shape == tuple(v.term.type.sizes[a].evaluate(sizes) for a in v.out_axes)
    assert np.isfinite(ref).all()
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


SAME = [  # (a, b, sizes): the same function on the same inputs
    ("online-softmax", "scaled-dot-product", {"B": 3, "C": 2, "m": 6}),
    ("causal-linear-scan", "causal-linear-masked", {}),
    ("linear-elu-linear", "linear-elu-quadratic", {}),
    ("zero-sink", "softmax-plus-one", {}),
]


@pytest.mark.parametrize("a,b,fixed", SAME, ids=[f"{a}={b}" for a, b, _ in SAME])
def test_known_identities_hold_numerically(a, b, fixed):
    ta, tb = load_example(a).term, load_example(b).term
    sizes = default_sizes([ta, tb], sizes=fixed)
    values = random_values(ta, sizes=sizes, seed=3) | random_values(tb, sizes=sizes, seed=3)
    np.testing.assert_allclose(_run(a, values, sizes), _run(b, values, sizes), rtol=1e-12, atol=1e-12)


def test_scaled_and_unscaled_differ_on_raw_inputs():
    ta = load_example("scaled-dot-product").term
    sizes = default_sizes(ta)
    values = random_values(ta, sizes=sizes, seed=0)
    diff = np.abs(_run("scaled-dot-product", values, sizes) - _run("dot-product", values, sizes)).max()
    assert diff > 1e-3
