"""default_sizes and random_values: deterministic, sorted by name, validated."""

from __future__ import annotations

import numpy as np

from anatomy.ir.size import Size
from anatomy.ir.term import Axis, Dim, Input, Param
from anatomy.runtime import default_sizes, random_values

i, d, hd = Axis("i", "n"), Axis("d", "dk"), Axis("hd", "h*dh")
X, W = Input("X", (i, d)), Param("W", (d, hd))


def test_default_sizes_are_distinct_in_sorted_symbol_order():
    assert default_sizes(X * W) == {"dh": 3, "dk": 4, "h": 5, "n": 6}
    assert default_sizes(X * W, base=2) == {"dh": 2, "dk": 3, "h": 4, "n": 5}


def test_default_sizes_overrides_win_and_their_values_are_skipped():
    assert default_sizes(X * W, sizes={"h": 3, "q": 9}) == {"dh": 4, "dk": 5, "h": 3, "n": 6, "q": 9}


def test_default_sizes_accepts_symbols_sizes_and_terms():
    assert default_sizes(["n", Size.parse("a*b+1"), Dim("z")]) == {"a": 3, "b": 4, "n": 5, "z": 6}
    assert default_sizes("n") == {"n": 3}


def test_random_values_are_deterministic_and_independent_of_traversal_order():
    sizes = default_sizes(X * W)
    a = random_values(X * W, sizes=sizes, seed=5)
    b = random_values(W * X, sizes=sizes, seed=5)
    assert list(a) == ["W", "X"] and all(np.array_equal(a[k], b[k]) for k in a)
    assert a["X"].shape == (6, 4) and a["W"].shape == (4, 15) and a["X"].dtype == np.float64
    rng = np.random.Generator(np.random.PCG64(5))
    assert np.array_equal(a["W"], rng.standard_normal((4, 15)))  # sorted order: W first, then X
    assert np.array_equal(a["X"], rng.standard_normal((6, 4)))


def test_random_values_scale_and_seed():
    sizes = default_sizes(X)
    base = random_values(X, sizes=sizes, seed=1)["X"]
    assert np.array_equal(random_values(X, sizes=sizes, seed=1, scale=2.0)["X"], 2.0 * base)
    assert not np.array_equal(random_values(X, sizes=sizes, seed=2)["X"], base)
