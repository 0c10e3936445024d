"""α-alignment of bound axes before insertion (``anatomy.egraph.alpha``)."""

from __future__ import annotations

import numpy as np

from anatomy.egraph.alpha import align_binders, binder_keys
from anatomy.egraph.engine import join
from anatomy.egraph.prepare import push_renames
from anatomy.ir.term import Axis, Input
from anatomy.runtime import default_sizes, evaluate, random_values

K = Input("K", (Axis("i", "n"), Axis("d", "dk")))
V = Input("V", (Axis("i", "n"), Axis("e", "dv")))
Q = Input("Q", (Axis("i", "n"), Axis("d", "dk")))


def test_a_binder_takes_the_name_of_the_one_over_the_same_leaves():
    left = push_renames((K * V).rename(i="j").sum("j"))
    right = (K * V).sum("i")
    out, renamed = align_binders(left, right)
    assert renamed == ("i->j",) and out is left


def test_no_rename_that_would_capture_a_free_axis():
    left = push_renames((K * V).rename(i="j").sum("j"))
    outside = push_renames(Q.rename(i="j").sum("d") * (K * V).sum("i"))  # j free beside the sum: renamed
    assert align_binders(left, outside)[1] == ("i->j",)
    inside = push_renames((K * V * Q.rename(i="j").sum("d")).sum("i"))  # j free in the sum's body: kept
    out, renamed = align_binders(left, inside)
    assert renamed == () and out is inside


def test_two_names_for_one_key_leave_the_binder_alone():
    left = push_renames(K.rename(i="j").sum("j") * 2.0 + K.rename(i="l").sum("l"))
    out, renamed = align_binders(left, K.sum("i"))
    assert renamed == ()


def test_keys_know_the_leaf_axes_a_binder_reads():
    keys = set(binder_keys((K * V).sum("i")).values())
    assert keys == {("sum", "n", (("input", "K", 0), ("input", "V", 0)))}


def test_the_aligned_term_computes_the_same_function():
    left = push_renames((K * V).rename(i="j").sum("j"))
    right = (K * V).sum("i") * 2.0
    out, _ = align_binders(left, right)
    sizes = default_sizes(right)
    values = random_values(right, sizes=sizes, seed=3)
    a, b = evaluate(right, values, sizes=sizes), evaluate(out, values, sizes=sizes)
    assert np.allclose(a.transpose(b.axes).data, b.data)


def test_join_aligns_the_second_term_and_says_so():
    j = join((K * V).rename(i="j").sum("j"), (V * K).sum("i"))
    assert j.joined and "alpha-rename" in j.prepared_by
