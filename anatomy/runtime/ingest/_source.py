"""Resolving ``path/to/file.py:NAME`` to something to trace, with its tensor arguments.

:func:`resolve` imports the file (it must import on its own), finds ``NAME`` and returns a
:class:`Target`: a plain function of tensors, or an ``nn.Module`` built with no arguments
or with ``init`` (strings read as Python literals), in eval mode and float64. The module's
parameters and buffers are listed in registration order. :func:`argument_roles` gives each
tensor argument's dimensions a role (batch, head, token, feature) from its rank.

Example:
    >>> argument_roles(2), argument_roles(4)
    (('token', 'feature'), ('batch', 'head', 'token', 'feature'))
    >>> parse_init({"d": "8", "causal": "True", "act": "relu"})
    {'d': 8, 'causal': True, 'act': 'relu'}
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from ...errors import ReferenceError_
from ...messages import did_you_mean

DOC = "docs/reference/pytorch.md"


@dataclasses.dataclass
class Target:
    """What ``file.py:NAME`` names, ready to trace.

    Parameters:
        name: ``NAME``.
        file: the file's path, as given.
        call: the function, or the module instance.
        arguments: the names of its tensor arguments, in order.
        module: whether ``call`` is an ``nn.Module``.
        params, buffers: the module's ``(name, tensor)`` pairs (empty for a function).
        doc: the docstring of ``NAME`` (or of the file).
    """

    name: str
    file: str
    call: Callable
    arguments: tuple[str, ...]
    module: bool
    params: tuple[tuple[str, torch.Tensor], ...] = ()
    buffers: tuple[tuple[str, torch.Tensor], ...] = ()
    doc: str = ""


def _fail(message: str, hint: str | None = None) -> ReferenceError_:
    return ReferenceError_(message, hint=hint, doc=DOC)


def split_ref(ref: str) -> tuple[Path, str]:
    path, sep, name = str(ref).rpartition(":")
    if not sep or not path.endswith(".py") or not name:
        raise _fail(f"expected a reference path/to/file.py:NAME, got {ref!r}",
                    hint="name a function or an nn.Module class in a Python file, e.g. attn.py:Attention")
    return Path(path), name


def load_file(path: Path):
    """Import ``path`` as a fresh module (a failure says which file and the exception's first line)."""
    if not path.is_file():
        raise _fail(f"no such file: {path}", hint="check the path")
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    module_name = f"anatomy_ingest_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # noqa: BLE001 - the user's file may raise anything on import
        sys.modules.pop(module_name, None)
        if isinstance(err, KeyboardInterrupt):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise _fail(f"{path} does not import: {type(err).__name__}" + (f": {first}" if first else ""),
                    hint=f"fix the file so that `python {path}` runs") from None
    from ._trace import remember_source

    remember_source(str(path))
    return module


def resolve(ref: str, init: Mapping[str, str] | None = None) -> Target:
    """The function or module ``ref`` names, built and ready to trace."""
    path, name = split_ref(ref)
    module = load_file(path)
    if not hasattr(module, name):
        raise _fail(f"{path} has no {name!r}", hint=did_you_mean(name, _candidates(module)))
    obj = getattr(module, name)
    own = obj.__doc__ if inspect.isfunction(obj) or "__doc__" in vars(type(obj) if not inspect.isclass(obj)
                                                                         else obj) else None
    doc = inspect.cleandoc(own) if own else inspect.getdoc(module) or ""
    if inspect.isclass(obj) and issubclass(obj, torch.nn.Module):
        instance = _construct(obj, name, parse_init(init or {}))
        return _module_target(instance, name, str(path), doc)
    if init:
        raise _fail(f"{name} is not an nn.Module class, so it takes no constructor arguments",
                    hint="drop --init, or name an nn.Module class")
    if isinstance(obj, torch.nn.Module):
        return _module_target(copy.deepcopy(obj), name, str(path), doc)
    if inspect.isfunction(obj):
        return Target(name, str(path), obj, _tensor_arguments(obj, name), False, doc=doc)
    raise _fail(f"{name} is a {type(obj).__name__}, not a function or an nn.Module class",
                hint=did_you_mean(name, _candidates(module)))


def _candidates(module) -> list[str]:
    out = []
    for key, value in vars(module).items():
        if key.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value) or (inspect.isclass(value) and issubclass(value, torch.nn.Module)):
            out.append(key)
    return out


def parse_init(init: Mapping[str, str]) -> dict[str, object]:
    """Constructor keywords from strings: Python literals (``8``, ``0.5``, ``True``, ``None``), else the string."""
    out: dict[str, object] = {}
    for key, text in init.items():
        try:
            out[key] = ast.literal_eval(text) if isinstance(text, str) else text
        except (ValueError, SyntaxError):
            out[key] = text
    return out


def _construct(cls, name: str, init: dict[str, object]) -> torch.nn.Module:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    flexible = any(p.kind is p.VAR_KEYWORD for p in params)
    known = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    unknown = [k for k in init if k not in known]
    if unknown and not flexible:
        raise _fail(f"{name} has no constructor argument {unknown[0]!r}", hint=did_you_mean(unknown[0], known))
    needed = [p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
              and p.name not in init]
    if needed:
        example = " ".join(f"--init {n}=VALUE" for n in needed)
        raise _fail(f"{name} needs constructor arguments: {', '.join(needed)}", hint=f"pass them: {example}")
    try:
        instance = cls(**init)
    except Exception as err:  # noqa: BLE001 - the user's constructor may raise anything
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        shown = ", ".join(f"{k}={v!r}" for k, v in init.items())
        raise _fail(f"{name}({shown}) failed: {type(err).__name__}" + (f": {first}" if first else ""),
                    hint="check the --init values") from None
    return instance


def _module_target(module: torch.nn.Module, name: str, file: str, doc: str) -> Target:
    module = module.eval().double()
    forward = module.forward
    return Target(name, file, module, _tensor_arguments(forward, name), True,
                  params=tuple(module.named_parameters()), buffers=tuple(module.named_buffers()), doc=doc)


def _tensor_arguments(fn: Callable, name: str) -> tuple[str, ...]:
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty:
            continue
        if p.kind is p.KEYWORD_ONLY:
            raise _fail(f"{name} has a keyword-only argument {p.name!r} without a default",
                        hint="give it a default value")
        if p.annotation is not p.empty and not _is_tensor_annotation(p.annotation):
            shown = getattr(p.annotation, "__name__", str(p.annotation))
            article = "an" if shown[:1].lower() in "aeiou" else "a"
            raise _fail(f"argument {p.name!r} of {name} is {article} {shown}, not a tensor; only tensor arguments "
                        "are traced",
                        hint=f"give {p.name!r} a default value, or wrap {name} in a function of tensors only")
        out.append(p.name)
    if not out:
        raise _fail(f"{name} takes no tensor arguments", hint="attention code takes at least one tensor")
    return tuple(out)


def _is_tensor_annotation(annotation) -> bool:
    if isinstance(annotation, str):
        return annotation.split(".")[-1] in ("Tensor", "Optional[Tensor]")
    return annotation is torch.Tensor or getattr(annotation, "__name__", "") == "Tensor"


def argument_roles(rank: int) -> tuple[str, ...]:
    """Roles of a tensor argument's dimensions: (…batch, head,) token, feature."""
    tail = {0: (), 1: ("feature",), 2: ("token", "feature"), 3: ("batch", "token", "feature")}
    if rank in tail:
        return tail[rank]
    return ("batch",) * (rank - 3) + ("head", "token", "feature")
