"""Sizes: polynomial normalisation, evaluation, parsing and errors."""

import pytest

from anatomy.errors import AxisTypeError, UnknownNameError
from anatomy.ir.size import Size


def test_products_commute_and_sums_collect():
    h, dh = Size.of("h"), Size.of("dh")
    assert h * dh == dh * h
    assert Size.parse("h*dh+dh*h") == 2 * (h * dh)
    assert str(Size.parse("m+1")) == "m+1"
    assert Size.parse("3").constant == 3 and h.constant is None


def test_evaluate_needs_every_symbol():
    assert Size.parse("h*dh+1").evaluate({"h": 2, "dh": 4}) == 9
    with pytest.raises(UnknownNameError, match="'dh' has no value"):
        Size.parse("h*dh").evaluate({"h": 2})


@pytest.mark.parametrize("text", ["", "h**2", "2h", "h-1", "h_1"])
def test_bad_size_text(text):
    with pytest.raises(AxisTypeError):
        Size.parse(text)


def test_repr_round_trips():
    s = Size.parse("B*C+2")
    assert eval(repr(s)) == s
