"""
What an editor built on jedi (Jupyter, and many others) offers a user of the SDK.

jedi reads the source, not the running objects, so these tests ask it what a user
would see: the completions after ``client.abps.``, the type of ``result.output`` and
the text shown when hovering a model field.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Protocol

import pytest

import velerian_sdk
from velerian_sdk import VelerianModel
from velerian_sdk._core.namespace_property import NamespaceProperty

NAMESPACES = [
    "abps",
    "evidence",
    "audit",
    "api_keys",
    "usage",
    "runs",
    "networks",
    "approvals",
    "plans",
    "attachments",
]


class _Name(Protocol):
    """What jedi says about one name (its ``jedi.api.classes.BaseName``)."""

    @property
    def name(self) -> str: ...

    def docstring(self, raw: bool = False) -> str: ...


class _Script(Protocol):
    def complete(self) -> list[_Name]: ...

    def infer(self) -> list[_Name]: ...

    def help(self) -> list[_Name]: ...


def script(code: str) -> _Script:
    """A jedi script over ``code``, importing the SDK from this process's ``sys.path``."""
    jedi = pytest.importorskip("jedi", reason="jedi comes with requirements/dev.txt")
    make: Callable[..., _Script] = jedi.Script
    return make(textwrap.dedent(code), environment=jedi.InterpreterEnvironment())


def public(names: list[_Name]) -> set[str]:
    return {n.name for n in names if not n.name.startswith("_")}


@pytest.mark.parametrize("client_class", ["VelerianClient", "AsyncVelerianClient"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_a_namespace_completes_its_own_methods_only(client_class: str, name: str) -> None:
    code = f"import velerian_sdk\nclient = velerian_sdk.{client_class}()\nclient.{name}."
    offered = public(script(code).complete())
    builder: NamespaceProperty[object, object] = getattr(getattr(velerian_sdk, client_class), name)
    module = velerian_sdk  # the namespace types are exported from the root
    namespace = getattr(module, inspect.signature(builder.func).return_annotation)
    expected = {n for n in dir(namespace) if not n.startswith("_")}
    # Before: cached_property added attrname, func and lock to every namespace.
    assert offered == expected


def test_the_client_completes_every_namespace() -> None:
    code = "import velerian_sdk\nclient = velerian_sdk.VelerianClient()\nclient."
    offered = public(script(code).complete())
    assert set(NAMESPACES) <= offered
    assert not {"attrname", "func", "lock"} & offered


def test_a_namespace_hover_shows_its_docstring() -> None:
    code = "import velerian_sdk\nclient = velerian_sdk.VelerianClient()\nclient.abps"
    shown = [n.docstring() for n in script(code).help()]
    assert any("Agent blueprints" in text for text in shown), shown


def test_the_output_of_an_invocation_is_a_dict() -> None:
    code = """
        import velerian_sdk
        client = velerian_sdk.VelerianClient()
        result = client.abps.invoke("abp_1", payload={})
        result.output"""
    # Before: the recursive JSONValue alias made jedi raise RecursionError here.
    assert {n.name for n in script(code).infer()} == {"dict", "NoneType"}
    assert {"get", "items", "keys"} <= public(script(code + ".").complete())


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("client.abps.invoke('abp_1', payload={}).outcome", "``allowed``, ``denied`` or ``held``."),
        ("client.runs.retrieve('run_1').status", "``queued``, ``running``"),
        ("client.api_keys.create(name='k').secret", "The full key"),
        ("client.api_keys.create(name='k').last_four", "The last four characters"),
    ],
)
def test_hovering_a_model_field_shows_what_it_holds(code: str, expected: str) -> None:
    source = f"import velerian_sdk\nclient = velerian_sdk.VelerianClient()\n{code}"
    shown = [n.docstring() for n in script(source).help()]
    # Before: fields were described only in the class docstring; jedi showed nothing.
    assert any(expected in text for text in shown), shown


def _documented_fields(model: type) -> set[str]:
    """The fields of ``model`` and its bases that have a docstring under them."""
    found: set[str] = set()
    for cls in model.__mro__:
        if not issubclass(cls, VelerianModel):
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
        assert isinstance(body, ast.ClassDef)
        for field, after in zip(body.body, body.body[1:], strict=False):
            if (
                isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
                and after.value.value.strip()
            ):
                found.add(field.target.id)
    return found


def test_every_field_of_every_model_has_a_docstring() -> None:
    for name in velerian_sdk.__all__:
        model = getattr(velerian_sdk, name)
        if not (inspect.isclass(model) and issubclass(model, VelerianModel)):
            continue
        fields = set(model.model_fields)
        assert fields <= _documented_fields(model), (name, fields - _documented_fields(model))
