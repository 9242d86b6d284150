"""
What a user gets with the package besides the code: the licence, the extras, the names.

The built wheel and sdist are checked by ``nox -s package`` (scripts/check_dist.py);
these tests check the sources that build them, and what a traceback shows.
"""

from __future__ import annotations

import inspect
import pickle
import sys
import traceback
from pathlib import Path

import pytest

import velerian_sdk
from velerian_sdk import TqdmProgress, TracingMiddleware, VelerianArgumentError, VelerianError

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [ROOT, ROOT / "stubs"]


@pytest.mark.parametrize("project", PROJECTS, ids=["velerian-sdk", "velerian-stub"])
def test_each_project_ships_the_licence_its_metadata_names(project: Path) -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the stdlib from 3.11")
    licence = project / "LICENSE"
    # Before: no LICENSE file anywhere, though both said license = "Apache-2.0".
    assert licence.is_file()
    text = licence.read_text()
    assert text.lstrip().startswith("Apache License\n                           Version 2.0")
    assert "END OF TERMS AND CONDITIONS" in text
    config = tomllib.loads((project / "pyproject.toml").read_text())
    assert config["project"]["license"] == "Apache-2.0"
    assert config["project"]["license-files"] == ["LICENSE"]
    assert "/LICENSE" in config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]


def test_both_projects_ship_the_same_licence_text() -> None:
    assert (ROOT / "LICENSE").read_bytes() == (ROOT / "stubs" / "LICENSE").read_bytes()


def test_tqdm_has_an_extra() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the stdlib from 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras: dict[str, list[str]] = config["project"]["optional-dependencies"]
    # Before: TqdmProgress needed tqdm, and no extra installed it.
    assert [r.split(">")[0] for r in extras["tqdm"]] == ["tqdm"]


def test_otel_has_an_extra_with_a_floor() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the stdlib from 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras: dict[str, list[str]] = config["project"]["optional-dependencies"]
    (requirement,) = extras["otel"]
    assert requirement.startswith("opentelemetry-api>=")


def test_tracing_without_opentelemetry_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(VelerianArgumentError, match=r"velerian-sdk\[otel\]"):
        TracingMiddleware()


def test_tqdm_progress_without_tqdm_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    with pytest.raises(VelerianArgumentError, match=r"velerian-sdk\[tqdm\] extra"):
        TqdmProgress("evidence")


def exported_errors() -> list[type[VelerianError]]:
    found: list[type[VelerianError]] = []
    for name in velerian_sdk.__all__:
        value = getattr(velerian_sdk, name)
        if inspect.isclass(value) and issubclass(value, VelerianError):
            found.append(value)
    return found


@pytest.mark.parametrize("cls", exported_errors(), ids=lambda cls: cls.__name__)
def test_a_traceback_names_an_error_as_users_import_it(cls: type[VelerianError]) -> None:
    # Before: "velerian_sdk._exceptions.VelerianAuthError: ..." in every traceback.
    assert cls.__module__ == "velerian_sdk"
    error = cls.__new__(cls)
    error.args = ("what went wrong",)
    shown = traceback.format_exception_only(cls, error)[-1]
    assert shown == f"velerian_sdk.{cls.__name__}: what went wrong\n"
    assert pickle.loads(pickle.dumps(cls)) is cls
