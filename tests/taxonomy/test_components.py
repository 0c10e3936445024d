"""The anatomical components: the option table is well formed, and recompose() builds terms
or explains precisely why a combination does not fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anatomy.errors import UnknownNameError, UsageError
from anatomy.ir.build import axes
from anatomy.taxonomy.catalogue import load_catalogue
from anatomy.taxonomy.components import COMPONENTS, OPTIONS, option, recompose

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
PLAIN = dict(projection="none", position="none", score="scaled-dot", mask="none", normaliser="softmax",
             aggregation="weighted-sum", output="none")
RAW = axes("i:n j:n d:dk e:dv")


def test_the_table_covers_the_components_in_order():
    assert tuple(OPTIONS) == COMPONENTS


@pytest.mark.parametrize("component", COMPONENTS)
def test_options_are_named_sorted_and_explained(component):
    table = OPTIONS[component]
    assert list(table) == sorted(table)
    for name, opt in table.items():
        assert KEBAB.match(name) and opt.name == name and opt.component == component
        assert opt.meaning and callable(opt.build)
    assert "none" in table or component in ("score", "normaliser", "aggregation")


def test_every_option_is_used_by_the_catalogue_or_smoke_tested():
    used = {(c, o) for e in load_catalogue() for c, o in e.components.items()}
    unused = {(c, o) for c in COMPONENTS for o in OPTIONS[c]} - used
    assert unused == {("projection", "single"), ("output", "projection")}


def test_single_head_with_an_output_projection():
    term = recompose({**PLAIN, "projection": "single", "output": "projection"}, axes("i:n j:n x:dm d:dk e:dv o:dm"))
    assert str(term) == ("sum_e(sum_j(softmax_j(sum_d(sum_x(X[i, x] * Wq[x, d]) * sum_x(X[j, x] * Wk[x, d])) "
                         "/ sqrt(dk)) * sum_x(X[j, x] * Wv[x, e])) * Wo[e, o])")


def test_recombination_gives_new_variants():
    # RoPE with sigmoid attention and a sliding window: a point no catalogue entry names.
    term = recompose({**PLAIN, "position": "rope", "mask": "sliding-window", "normaliser": "sigmoid"},
                     axes("i:n j:n d:2*P p:P u:2 w:2 e:dv"))
    assert term.axes == ("i", "e")


def test_unknown_option_suggests_the_closest():
    with pytest.raises(UnknownNameError) as info:
        option("normaliser", "softmx")
    assert "softmax" in info.value.hint
    with pytest.raises(UnknownNameError):
        option("normalizer", "softmax")


def test_missing_component_is_named():
    with pytest.raises(UsageError, match="no option chosen for mask"):
        recompose({c: o for c, o in PLAIN.items() if c != "mask"}, RAW)


def test_missing_axis_is_named():
    with pytest.raises(UsageError, match="position 'alibi': this option needs an axis 'h'"):
        recompose({**PLAIN, "position": "alibi"}, RAW)


@pytest.mark.parametrize("changes, message", [
    ({"aggregation": "recurrent-scan", "score": "elu-feature", "normaliser": "kernel-sum"}, "causal"),
    ({"aggregation": "reassociated"}, "factorised score"),
    ({"projection": "per-head", "position": "retention", "score": "dot", "mask": "causal"}, "softmax"),
    ({"position": "gated-decay", "normaliser": "identity", "mask": "causal"}, "recurrent form"),
    ({"output": "merge-heads"}, "no heads"),
    ({"mask": "causal", "normaliser": "sinkhorn"}, "takes no mask"),
], ids=["scan-needs-causal", "reassociate-needs-features", "softmax-no-decay", "gla-needs-scan",
        "merge-needs-heads", "sinkhorn-no-mask"])
def test_incompatible_options_say_why(changes, message):
    sizes = axes("h:H i:n j:n d:2*P p:P u:2 w:2 e:dv")
    with pytest.raises(UsageError, match=message):
        recompose({**PLAIN, **changes}, sizes)


def test_the_reference_page_lists_every_option():
    page = (Path(__file__).resolve().parents[2] / "docs/reference/catalogue.md").read_text(encoding="utf-8")
    for component in COMPONENTS:
        section = page.split(f"### `{component}`", 1)[1].split("###", 1)[0]
        for name, opt in OPTIONS[component].items():
            assert f"| `{name}` | {opt.meaning} |" in section, (component, name)
