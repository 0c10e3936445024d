"""The egglog encoding is loss-free both ways: encode, insert, extract, decode gives the same term."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from anatomy.egraph.encode import _DECODE, _ENCODE, decode, encode, extract_once
from anatomy.examples import example_names, load_example
from anatomy.ir.term import NODE_KINDS
from tests.common.strategies import terms


def test_tables_cover_every_node_kind():
    assert set(_ENCODE) == set(NODE_KINDS) and len(_DECODE) == len(NODE_KINDS)


@pytest.mark.parametrize("name", example_names())
def test_examples_round_trip(name):
    t = load_example(name).term
    assert decode(extract_once(encode(t))) is t


@settings(max_examples=60, deadline=None)
@given(terms())
def test_random_terms_round_trip(t):
    assert decode(extract_once(encode(t))) is t
