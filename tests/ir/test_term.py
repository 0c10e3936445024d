"""Terms: interning, transparency, and the type rule of every node kind (STYLE 9, 11, 20)."""

import pytest

from anatomy.errors import AxisTypeError
from anatomy.ir import build as b
from anatomy.ir.check import CHECKS
from anatomy.ir.ops import BinaryOp, Dtype, UnaryOp
from anatomy.ir.size import Size
from anatomy.ir.term import (NODE_KINDS, Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param,
                             Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Type, Unary, Where)

i, j, d, e = b.axes("i:n j:m d:dk e:dv")
Q, K, V = b.tensor("Q", i, d), b.tensor("K", j, d), b.tensor("V", j, e)


def test_check_table_covers_every_node_kind():
    assert set(CHECKS) == set(NODE_KINDS)


def test_structurally_equal_terms_are_one_object():
    s1 = (Q * K).sum("d")
    s2 = Reduce(ReduceOp.SUM, Binary(BinaryOp.MUL, Q, K), "d")
    assert s1 is s2 and hash(s1) == hash(s2)
    assert Const(-0.0) is Const(0.0)


def test_repr_evaluates_back_to_the_same_term():
    t = b.attention(Q, K, V, query=i, key=j, feature=d, mask=b.causal(i, j))
    import anatomy.ir

    assert eval(repr(t), vars(anatomy.ir)) is t


def test_types_follow_first_appearance_and_compare_as_sets():
    t = (Q * K).sum("d")
    assert t.axes == ("i", "j")
    assert t.type == Type(Dtype.REAL, (Axis("j", "m"), Axis("i", "n")))
    assert Index(j).le(Index(i)).type.dtype is Dtype.BOOL


def test_env_records_bound_axes_too():
    t = (Q * K).sum("d")
    assert dict(t.env) == {"i": Size.of("n"), "d": Size.of("dk"), "j": Size.of("m")}
    assert t.bound == frozenset({"d"})


def test_scan_type_and_free_states():
    S = State("S", (d, e))
    scan = Scan("j", (S,), (Const(0.0),), (S + K * V,), 0)
    assert scan.axes == ("j", "d", "e")
    assert not scan.free_states and dict((S + K).free_states) == {"S": S}


def test_split_merge_round_trip_types():
    c = Axis("c", "h*dh")
    x = b.tensor("X", i, c)
    h_, dh_ = b.axes("h:h f:dh")
    sp = Split(x, "c", (h_, dh_))
    assert sp.axes == ("i", "h", "f")
    assert Merge(sp, ("h", "f"), "c").type == x.type


def test_concat_sizes_add():
    k2 = Concat((K, Const(0.0)), "j", "k")
    assert k2.type.sizes["k"] == Size.parse("m+1")
    assert k2.axes == ("k", "d")


# Ill-typed terms: each must be rejected when built, with a message naming the problem.
ILL_TYPED = [
    ("axis-two-sizes", lambda: Q + b.tensor("X", Axis("i", "m")), "axis 'i' has size n on the left and m"),
    ("sum-missing-axis", lambda: Q.sum("j"), "free axis 'j' to sum"),
    ("softmax-missing-axis", lambda: Softmax(Q, "e"), "free axis 'e' to softmax"),
    ("where-real-condition", lambda: Where(Q, K, V), "bool term as the condition"),
    ("add-bool", lambda: Index(j).le(Index(i)) + Q, "real term as the left operand"),
    ("not-real", lambda: Unary(UnaryOp.NOT, Q), "bool term as the argument of not"),
    ("rename-onto-free", lambda: Rename(Q, (("i", "d"),)), "onto its free axis 'd'"),
    ("rename-missing", lambda: Rename(Q, (("j", "k"),)), "free axis 'j' to rename"),
    ("rename-identity", lambda: Rename(Q, (("i", "i"),)), "to itself"),
    ("split-wrong-size", lambda: Split(Q, "d", b.axes("h:h f:dh")), "multiply to dh*h, not dk"),
    ("merge-one-axis", lambda: Merge(Q, ("i",), "z"), "two distinct axes"),
    ("concat-into-free-axis", lambda: Concat((K, K), "j", "j"), "already has it"),
    ("concat-into-same-axis", lambda: Concat((Const(1.0), Const(2.0)), "j", "j"), "new axis name"),
    ("scan-state-missing-axis",
     lambda: Scan("j", (State("S", (d,)),), (Const(0.0),), (State("S", (d,)) + K * V,), 0),
     "axis 'e', which the state lacks"),
    ("scan-reduces-own-axis",
     lambda: Scan("j", (State("S", (d,)),), (Const(0.0),), (State("S", (d,)) + K.sum("j"),), 0),
     "reduces or reshapes the scan axis 'j'"),
    ("scan-no-step-reads-axis",
     lambda: Scan("j", (State("S", (d,)),), (Const(0.0),), (State("S", (d,)) + 1,), 0),
     "no step of the scan reads along 'j'"),
    ("scan-state-two-shapes",
     lambda: State("S", (d, e)).sum("e") + State("S", (d,)),
     "used with two shapes"),
    ("scan-init-reads-own-state",
     lambda: Scan("j", (State("S", (d,)),), (State("S", (d,)),), (State("S", (d,)) + K,), 0),
     "refers to the scan's own state"),
    ("bad-axis-name", lambda: Axis("i_1", "n"), "axis name"),
    ("zero-size", lambda: Axis("i", 0), "positive size"),
    ("nan-constant", lambda: Const(float("nan")), "a number"),
    ("leaf-repeats-axis", lambda: Input("Q", (i, i)), "lists axis 'i' twice"),
    ("index-needs-axis", lambda: Index("i"), "an Axis"),
]


@pytest.mark.parametrize("build,message", [(f, m) for _, f, m in ILL_TYPED], ids=[n for n, _, _ in ILL_TYPED])
def test_ill_typed_terms_are_rejected(build, message):
    with pytest.raises(AxisTypeError) as info:
        build()
    assert message in str(info.value)


def test_comparisons_are_methods_and_eq_is_identity():
    assert (Q == Q) is True
    assert (Q == K) is False
    assert Q.lt(K).type.dtype is Dtype.BOOL


def test_getitem_names_axes_positionally():
    assert str(K[i.name, d]) == "K[i, d]"
    with pytest.raises(AxisTypeError, match="'i' has size n, but 'j' has size m"):
        Q[j, d]
    assert Dim(Size.of("dk")).type.axes == ()
    assert Param("W", (d, e)).kind == "param" and Normalize(Q, "d").axes == ("i", "d")
