"""Ingesting PyTorch code (anatomy.runtime.ingest): every supported op, every example, bad input.

Each ingested term is compared here with the PyTorch code in float64, independently of the
check inside ``load_python``: at the sizes it was traced with and at a second assignment
(every size the arguments control two larger).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from anatomy.errors import AnatomyError, IngestError, ReferenceError_  # noqa: E402
from anatomy.ir.syntax.parser import RESERVED  # noqa: E402
from anatomy.ir.traverse import inputs, params  # noqa: E402
from anatomy.ir.variant import format_variant, parse_variant  # noqa: E402
from anatomy.runtime import evaluate  # noqa: E402
from anatomy.runtime.ingest import load_python  # noqa: E402
from anatomy.runtime.ingest._pipeline import ingest, kebab  # noqa: E402
from anatomy.runtime.ingest._source import resolve  # noqa: E402
from tests.common import assert_close  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OPS = Path(__file__).with_name("ingest_ops.py")
EXAMPLES = sorted((ROOT / "examples" / "pytorch").glob("*.py"))
EXAMPLE_SHAPES = {
    "causal_self_attention": {"x": (2, 10, 12)},
    "batched_heads_sdpa": {name: (2, 3, 6, 8) for name in "qkv"},
}


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"_ingest_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OPS_MODULE = _module(OPS)
OP_NAMES = [n for n, o in vars(OPS_MODULE).items() if not n.startswith("_") and n.islower() and inspect.isfunction(o)]
OP_NAMES += [n for n, o in vars(OPS_MODULE).items() if inspect.isclass(o) and o.__module__ == OPS_MODULE.__name__]
OP_NAMES += ["instance"]


def _entry(path: Path) -> str:
    return "Attention" if "class Attention" in path.read_text(encoding="utf-8") else "attention"


def _call_and_params(module, name: str):
    """The code to run (a fresh module instance for a class) and its parameters by leaf name."""
    obj = getattr(module, name)
    if inspect.isclass(obj):
        obj = obj()
    if isinstance(obj, torch.nn.Module):
        obj = obj.double().eval()
        return obj, {n.replace(".", "_"): p for n, p in obj.named_parameters()}
    return obj, {}


def _arg_shapes(variant, template: dict[str, tuple[int, ...]], sizes: dict[str, int]) -> dict[str, tuple]:
    """Each argument's shape at ``sizes``: its leaf's axes evaluated, size-1 dimensions kept."""
    leaves = {leaf.name: leaf for leaf in inputs(variant.term)}
    out = {}
    for name, shape in template.items():
        if name not in leaves:
            out[name] = shape
            continue
        axes = iter(a.size.evaluate(sizes) for a in leaves[name].shape)
        out[name] = tuple(1 if s == 1 else next(axes) for s in shape)
    return out


def _squeeze(t) -> np.ndarray:
    arr = t.detach().double().numpy()
    return arr.reshape([s for s in arr.shape if s != 1])


def check_against_code(variant, call, param_values, template, sizes, *, seed: int) -> None:
    """The variant at ``sizes`` gives what ``call`` gives on the same random float64 tensors."""
    shapes = _arg_shapes(variant, template, sizes)
    gen = torch.Generator().manual_seed(seed)
    args = {a: torch.randn(s, generator=gen, dtype=torch.float64) for a, s in shapes.items()}
    with torch.no_grad():
        expected = call(*args.values())
    values = {leaf.name: _squeeze({**args, **param_values}[leaf.name])
              for leaf in inputs(variant.term) + params(variant.term)}
    got = evaluate(variant.term, values, sizes=sizes).transpose(variant.out_axes).data
    assert_close(got, _squeeze(expected), rtol=1e-9, atol=1e-9, context=f"{variant.name} at {sizes}")


def check_two_assignments(ref: str, module, name: str, shapes=None) -> None:
    target = resolve(ref)
    done = ingest(target, shapes)
    call, param_values = _call_and_params(module, name)
    frozen = {s for p in params(done.variant.term) for a in p.shape for s in a.size.symbols}
    second = {k: v if k in frozen else v + 2 for k, v in done.sizes.items()}
    template = {a: tuple((shapes or {}).get(a, (6, 8))) for a in target.arguments}
    if target.module:
        template = {a: tuple((shapes or {}).get(a, _module_shape(done, a))) for a in target.arguments}
    check_against_code(done.variant, call, param_values, template, done.sizes, seed=11)
    check_against_code(done.variant, call, param_values, template, second, seed=12)


def _module_shape(done, arg: str) -> tuple[int, ...]:
    leaf = next(x for x in inputs(done.variant.term) if x.name == arg)
    return tuple(a.size.evaluate(done.sizes) for a in leaf.shape)


# -- every supported op ---------------------------------------------------------------


@pytest.mark.parametrize("name", OP_NAMES)
def test_op_is_ingested_and_matches_torch(name):
    check_two_assignments(f"{OPS}:{name}", OPS_MODULE, name, OPS_MODULE.SHAPES.get(name))


# ATen names that graphs traced without pre_dispatch contain; pre_dispatch shows their public forms.
LOW_LEVEL = {"_cdist_forward", "_log_softmax", "_softmax", "_to_copy", "_unsafe_view", "alias", "norm"}


def test_every_op_in_the_table_is_exercised():
    from anatomy.runtime.ingest._pipeline import _flat_call, plan
    from anatomy.runtime.ingest._table import OPS as TABLE
    from anatomy.runtime.ingest._trace import op_name, trace

    seen = set()
    refs = [(f"{OPS}:{n}", OPS_MODULE.SHAPES.get(n)) for n in OP_NAMES]
    refs += [(f"{p}:{_entry(p)}", EXAMPLE_SHAPES.get(p.stem)) for p in EXAMPLES]
    for ref, shapes in refs:
        target = resolve(ref)
        features = ([int(t.shape[-1]) for _, t in target.params if t.dim() >= 2] + [8])[0]
        shapes_ = plan(target, shapes, features=features).shapes
        args = [t for _, t in target.params + target.buffers] + [torch.zeros(s, dtype=torch.float64)
                                                                 for s in shapes_.values()]
        for node in trace(_flat_call(target), args, file=target.file).graph.nodes:
            if node.op == "call_function":
                name = op_name(node.target)
                seen.add(name[:-1] if name.endswith("_") and name[:-1] in TABLE else name)
    assert set(TABLE) - seen == LOW_LEVEL


def test_op_terms_read_as_people_write_them():
    def term(name):
        return str(load_python(f"{OPS}:{name}", shapes=OPS_MODULE.SHAPES.get(name)).term)

    assert term("matmul") == "sum_d(q[i, d] * k[j, d])"
    assert term("masked_fill_tril") == "softmax_j(where(j <= i, sum_d(q[i, d] * k[j, d]), -inf))"
    assert term("where_triu") == term("masked_fill_tril") == term("in_place").removesuffix(" + 1")
    assert term("sdpa") == "sum_j(softmax_j(sum_d(q[i, d] * k[j, d]) / sqrt(dk)) * v[j, e])"
    assert term("scale_from_size").count("/ sqrt(dk)") == 2
    assert term("normalize") == "sum_d(normalize_d(q[i, d]) * normalize_d(k[j, d]))"
    assert term("cumsum") == "sum_k(where(k <= i, q[k, e], 0))"
    assert "i == n - 1" in term("unbind_select_narrow")  # q[-1] is the last row at every size
    assert term("LinearBias") == "sum_e(x[i, e] * proj_weight[f, e]) + proj_bias[f]"
    assert "(i * 2 + 1)" in term("LinearNoBias")  # an arange buffer is a position
    assert "where(l <= i" in term("TriuBuffer")  # a triu(-inf) buffer is a causal mask


# -- the examples ---------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_matches_torch_at_two_sizes(path):
    check_two_assignments(f"{path}:{_entry(path)}", _module(path), _entry(path), EXAMPLE_SHAPES.get(path.stem))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_prints_and_parses_back(path):
    v = load_python(f"{path}:{_entry(path)}", shapes=EXAMPLE_SHAPES.get(path.stem))
    text = format_variant(v)
    assert parse_variant(text).term is v.term
    assert v.name == kebab(path.stem) or v.name.startswith(kebab(path.stem) + "-")
    assert v.title and "checked in float64 against the code" in v.notes[0]


def test_there_are_enough_examples_each_importable_with_a_docstring():
    assert len(EXAMPLES) >= 20
    for path in EXAMPLES:
        assert _module(path).__doc__, path


EQUAL = [("matmul_attention", "einsum_attention"), ("matmul_attention", "sdpa_attention"),
         ("matmul_attention", "online_softmax"), ("matmul_attention", "blockwise_online_softmax"),
         ("causal_masked_fill", "causal_sdpa"),
         ("causal_masked_fill", "causal_additive_mask"), ("linear_attention_quadratic", "linear_attention_reassociated"),
         ("recurrent_linear_attention", "causal_linear_cumsum")]
DISTINCT = [("matmul_attention", "causal_masked_fill"), ("matmul_attention", "cosine_attention"),
            ("matmul_attention", "l2_distance_attention"), ("matmul_attention", "sigmoid_attention"),
            ("causal_sdpa", "sdpa_mask_scale"), ("linear_attention_quadratic", "causal_linear_cumsum")]


def _value_pair(a: str, b: str):
    done = [ingest(resolve(f"{ROOT}/examples/pytorch/{s}.py:attention"), None) for s in (a, b)]
    sizes = {**done[0].sizes, **done[1].sizes}
    gen = np.random.default_rng(5)
    values = {n: gen.standard_normal((6, 8)) for n in "qkv"}
    return [evaluate(d.variant.term, values, sizes=sizes).transpose(d.variant.out_axes).data for d in done]


@pytest.mark.parametrize("a, b", EQUAL, ids=[f"{a}={b}" for a, b in EQUAL])
def test_equal_examples_compute_the_same(a, b):
    x, y = _value_pair(a, b)
    assert_close(x, y, rtol=1e-9, atol=1e-9, context=f"{a} vs {b}")


@pytest.mark.parametrize("a, b", DISTINCT, ids=[f"{a}!={b}" for a, b in DISTINCT])
def test_distinct_examples_differ(a, b):
    x, y = _value_pair(a, b)
    assert not np.allclose(x, y, rtol=1e-6, atol=1e-6)


LOOPS = '''import math
import torch


def summed(q):
    out = 0
    for t in range(q.size(0)):
        out = out + q[t]
    return out


def heads(q, k, v):
    d = q.size(-1) // 3
    outs = []
    for h in range(3):
        cols = slice(h * d, (h + 1) * d)
        outs.append(torch.softmax(q[:, cols] @ k[:, cols].T / math.sqrt(d), dim=-1) @ v[:, cols])
    return torch.cat(outs, dim=-1)


def decayed(q, k, v):
    state = torch.zeros(k.size(1), v.size(1), dtype=q.dtype)
    outs = []
    for t in range(q.size(0)):
        state = 0.9 * state + k[t][:, None] * v[t][None, :]
        outs.append(q[t] @ state)
    return torch.stack(outs, dim=0)
'''


@pytest.mark.parametrize("name, expected", [
    ("summed", "sum_i(where(i == n - 1, scan_i(S0[e] = 0 => S0[e] + q[i, e]), 0))"),
    ("heads", "merge_{r, e->f}(sum_j(softmax_j(sum_e(split_{d->r, e}(q[i, d]) * split_{d->r, e}(k[j, d])) / "
              "sqrt(dh)) * split_{d->r, e}(v[j, d])))"),
    ("decayed", "scan_i("),
])
def test_python_loops_are_rolled_into_maps_and_scans(tmp_path, name, expected):
    path = tmp_path / "loops.py"
    path.write_text(LOOPS, encoding="utf-8")
    shapes = {a: (6, 9) for a in "qkv"} if name == "heads" else None
    module = _module(path)
    check_two_assignments(f"{path}:{name}", module, name, shapes)
    assert expected in str(load_python(f"{path}:{name}", shapes=shapes).term)


def test_a_python_loop_over_time_is_rolled_into_a_scan():
    v = load_python(f"{ROOT}/examples/pytorch/recurrent_linear_attention.py:attention")
    assert str(v.term).startswith("scan_i(") and v.out_axes == ("i", "e")


def test_ingesting_is_deterministic():
    path = ROOT / "examples" / "pytorch" / "fused_qkv_mha.py"
    first = format_variant(load_python(f"{path}:Attention"))
    assert format_variant(load_python(f"{path}:Attention")) == first


@pytest.mark.slow
def test_ingesting_does_not_depend_on_the_hash_seed():
    code = ("from anatomy.runtime.ingest import load_python; from anatomy.ir.variant import format_variant; "
            f"print(format_variant(load_python({str(ROOT / 'examples/pytorch/grouped_query_attention.py')!r}"
            " + ':Attention')))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


def test_importing_the_ingest_package_loads_no_torch():
    code = "import sys, anatomy.runtime.ingest; print('torch' in sys.modules, 'z3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


# -- inputs and sizes -----------------------------------------------------------------


def test_init_values_are_python_literals(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import torch\nfrom torch import nn\n\n"
                    "class Scaled(nn.Module):\n"
                    "    def __init__(self, d, factor, causal, label):\n"
                    "        super().__init__()\n"
                    "        assert isinstance(causal, bool) and label == 'x'\n"
                    "        self.w = nn.Linear(d, d, bias=False)\n"
                    "        self.factor = factor\n\n"
                    "    def forward(self, x):\n"
                    "        return self.w(x) * self.factor\n")
    v = load_python(f"{path}:Scaled", init={"d": "5", "factor": "0.5", "causal": "True", "label": "x"})
    assert str(v.term) == "sum_d(x[i, d] * w_weight[e, d]) * 0.5" and v.name == "mod-scaled"


def test_given_shapes_add_batch_and_head_dimensions():
    path = ROOT / "examples" / "pytorch" / "batched_heads_sdpa.py"
    v = load_python(f"{path}:attention", shapes={n: (2, 3, 6, 8) for n in "qkv"})
    assert v.out_axes == ("b", "h", "i", "e")
    assert [str(a.size) for a in v.inputs[0].shape] == ["B", "H", "n", "dk"]


# -- bad input ------------------------------------------------------------------------

BAD = '''import torch
import torch.nn.functional as F
from torch import nn


def attention(q, k, v):
    return torch.softmax(q @ k.T, -1) @ v


def branchy(q, k, v):
    if (q @ k.T).sum() > 0:
        return q
    return k


def normed(q, k, v):
    return F.layer_norm(q, q.shape[-1:]) @ k.T @ v


def heads(q, k, v, n_heads: int):
    return q


def shifted_loop(q):
    return torch.stack([q[t] + q[t + 1] for t in range(q.size(0) - 1)])


def write_rows(q, k, v):
    out = torch.zeros_like(q)
    for t in range(q.size(0)):
        out[t] = q[t] * 2
    return out


class NeedsArgs(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.lin = nn.Linear(d_model, d_model)

    def forward(self, x):
        return self.lin(x)


class NoiseBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.register_buffer("noise", torch.randn(8, 8))

    def forward(self, x):
        return self.lin(x) @ self.noise


def two_outputs(q, k, v):
    return q, k


def argmax(q):
    return q.max(-1).indices
'''

# reference -> (error class, words in the message, words of the source line it points at, words in the hint)
BAD_CASES = {
    "broken.py:anything": (ReferenceError_, "does not import: RuntimeError: boom", None, "python"),
    "bad.py:atention": (ReferenceError_, "has no 'atention'", None, "did you mean 'attention'?"),
    "bad.py:branchy": (IngestError, "branches on a tensor's value", "if (q @ k.T).sum() > 0:", "torch.where"),
    "bad.py:normed": (IngestError, "unsupported PyTorch op aten.layer_norm", "return F.layer_norm(", "attention block"),
    "bad.py:heads": (ReferenceError_, "argument 'n_heads' of heads is an int, not a tensor", None, "default"),
    "bad.py:NeedsArgs": (ReferenceError_, "needs constructor arguments: d_model, n_heads", None, "--init d_model="),
    "bad.py:NoiseBuffer": (IngestError, "buffer 'noise' of shape [8, 8] has no term", "@ self.noise", "nn.Parameter"),
    "bad.py:shifted_loop": (IngestError, "structure depends on the sizes", None, "loop counts"),
    "bad.py:write_rows": (IngestError, "unsupported PyTorch op aten.copy_", "out[t] = q[t] * 2", "torch.stack"),
    "bad.py:two_outputs": (IngestError, "returns 2 values", None, "return only"),
    "bad.py:argmax": (IngestError, "the indices of torch.max (argmax) have no term", "q.max(-1).indices", "values"),
    "bad.txt": (ReferenceError_, "expected a reference path/to/file.py:NAME", None, "attn.py:Attention"),
    "missing.py:f": (ReferenceError_, "no such file", None, "check the path"),
}
BAD_KEYWORDS = {
    "bad.py:NeedsArgs+init": ("bad.py:NeedsArgs", {"init": {"d_model": "8", "n_head": "2"}},
                              (ReferenceError_, "no constructor argument 'n_head'", None, "did you mean 'n_heads'?")),
    "bad.py:attention+shapes": ("bad.py:attention", {"shapes": {"qq": (2, 3)}},
                                (ReferenceError_, "no tensor argument 'qq'", None, "did you mean 'q'?")),
    "bad.py:attention+init": ("bad.py:attention", {"init": {"d": "2"}},
                              (ReferenceError_, "not an nn.Module class", None, "--init")),
}


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    (root / "bad.py").write_text(BAD, encoding="utf-8")
    (root / "broken.py").write_text("raise RuntimeError('boom\\nmore')\n", encoding="utf-8")
    return root


def _call(root: Path, ref: str, keywords: dict):
    ref = ref if not ref.startswith(("bad", "broken", "missing")) else f"{root}/{ref}"
    with pytest.raises(AnatomyError) as info:
        load_python(ref, **keywords)
    return info.value


CASES = [(ref, {}, expect) for ref, expect in BAD_CASES.items()] + list(BAD_KEYWORDS.values())
IDS = list(BAD_CASES) + list(BAD_KEYWORDS)


@pytest.mark.parametrize("ref, keywords, expect", CASES, ids=IDS)
def test_bad_input_is_one_clear_error(bad_dir, ref, keywords, expect):
    kind, words, line, hint = expect
    err = _call(bad_dir, ref, keywords)
    assert type(err) is kind
    assert words in err.message and "\n" not in err.message
    assert err.hint and (hint is None or hint in err.hint)
    assert err.doc == "docs/reference/pytorch.md"
    if line is not None:
        assert err.span is not None and err.span.file.endswith("bad.py") and line in err.span.text
        assert BAD.splitlines()[err.span.line - 1] == err.span.text
    assert "Traceback" not in err.render()


def test_tensor_names_that_would_not_parse_are_renamed(tmp_path):
    path = tmp_path / "names.py"
    path.write_text("def f(exp, sum_x, _y):\n    return exp + sum_x * _y\n")
    v = load_python(f"{path}:f")
    names = [t.name for t in v.inputs]
    assert names == ["T_exp", "T_sum_x", "T_y"] and not set(names) & RESERVED
    assert parse_variant(format_variant(v)).term is v.term
