"""``Batch`` and ``AsyncBatch`` are twins: the same names and the same signatures."""

from __future__ import annotations

import inspect
import re

import pytest

from velerian_sdk import AsyncBatch, Batch

ASYNC_NAME = re.compile(r"\bAsync([A-Z]\w*)")
NAMES = [*sorted(name for name in dir(Batch) if not name.startswith("_")), "__init__"]


def _normalised(annotation: object) -> str:
    return ASYNC_NAME.sub(r"\1", str(annotation))


def test_same_public_names() -> None:
    assert {n for n in dir(Batch) if not n.startswith("_")} == {
        n for n in dir(AsyncBatch) if not n.startswith("_")
    }


@pytest.mark.parametrize("name", NAMES)
def test_same_signature(name: str) -> None:
    one = inspect.signature(getattr(Batch, name))
    two = inspect.signature(getattr(AsyncBatch, name))
    assert list(one.parameters) == list(two.parameters)
    for param_name, param in one.parameters.items():
        other = two.parameters[param_name]
        assert param.kind == other.kind, param_name
        assert param.default == other.default, param_name
        assert _normalised(param.annotation) == _normalised(other.annotation), param_name
    assert _normalised(one.return_annotation) == _normalised(two.return_annotation)
    for parameter in one.parameters.values():
        assert parameter.kind not in {parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL}


def test_run_is_an_async_generator_on_the_async_twin_only() -> None:
    assert inspect.isasyncgenfunction(getattr(AsyncBatch, "run"))  # noqa: B009 - generic, unbound
    assert inspect.isgeneratorfunction(getattr(Batch, "run"))  # noqa: B009
