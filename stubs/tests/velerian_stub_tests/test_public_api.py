"""The package's public names."""

from __future__ import annotations

import importlib
import pkgutil

import velerian_stub


def isort_style(names: list[str]) -> list[str]:
    """The order ruff (RUF022) keeps: CONSTANTS, then Classes, then functions."""
    return sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))


def test_root_all_is_sorted_and_importable() -> None:
    assert velerian_stub.__all__ == isort_style(velerian_stub.__all__)
    for name in velerian_stub.__all__:
        assert getattr(velerian_stub, name) is not None


def test_every_module_declares_a_sorted_all() -> None:
    for info in pkgutil.walk_packages(velerian_stub.__path__, "velerian_stub."):
        if info.name.endswith(("__main__", ".routes", ".schemas")):
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, info.name
        assert list(exported) == isort_style(list(exported)), info.name
        for name in exported:
            assert hasattr(module, name), f"{info.name}.{name}"
