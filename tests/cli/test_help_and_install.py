"""Help fits a screen and shows an example; the extra, the script and the SDK boundary."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from velerian_cli._app import app
from velerian_cli._exit_status import EXIT_STATUS_HELP

from .conftest import run_cli

SCREEN_LINES, SCREEN_COLUMNS = 32, 80
CLI_SOURCE = Path(__file__).parents[2] / "src" / "velerian_cli"


def command_paths() -> list[list[str]]:
    """Every command and group under ``velerian``, as the words that name it."""
    paths: list[list[str]] = [[]]
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for name, command in root.commands.items():
        paths.append([name])
        if isinstance(command, TyperGroup):
            paths.extend([name, sub] for sub in command.commands)
    return paths


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in command_paths()}
    assert names >= {
        "evidence verify", "evidence download", "evidence package", "invoke",
        "networks invoke", "runs wait", "audit list", "audit export",
        "keys create", "keys list", "keys revoke",
    }  # fmt: skip


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "velerian")
def test_help_fits_a_screen_and_shows_an_example(path: list[str]) -> None:
    run = run_cli(*path, "--help", env={"COLUMNS": str(SCREEN_COLUMNS)})
    assert run.status == 0
    lines = run.stdout.splitlines()
    assert len(lines) <= SCREEN_LINES, run.stdout
    assert max(len(line) for line in lines) <= SCREEN_COLUMNS, run.stdout
    assert "Example:\n    $ velerian " in run.stdout
    # The exit statuses, rewrapped by click: compare the words.
    assert " ".join(EXIT_STATUS_HELP.split()) in " ".join(run.stdout.split())


def test_docs_show_a_session_of_every_command() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    for path in command_paths():
        if path and (path[0] == "invoke" or len(path) == 2):
            assert re.search(rf"\n\$ velerian {' '.join(path)}[ \n]", docs), path


@pytest.mark.parametrize("missing", ["typer", "rich"])
def test_without_the_extra_it_says_how_to_install_it(missing: str) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    code = f"import sys; sys.modules[{missing!r}] = None; import velerian_cli; velerian_cli.main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"velerian: {missing} is not installed; the command line needs its extra: "
        "pip install 'velerian-sdk[cli]'\n"
    )


def test_the_script_and_the_extra_are_declared() -> None:
    scripts = md.entry_points(group="console_scripts", name="velerian")
    assert [entry.value for entry in scripts] == ["velerian_cli:main"]
    requires = md.requires("velerian-sdk") or []
    extra = sorted(
        r.split(";")[0].strip() for r in requires if "extra == 'cli'" in r.replace('"', "'")
    )
    assert extra == ["rich==15.0.0", "typer==0.29.1"]
    core = sorted(r.split(">")[0].split("<")[0] for r in requires if "extra ==" not in r)
    assert core == ["httpx", "pydantic", "typing-extensions"]


def test_python_m_velerian_cli_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "velerian_cli", "--version"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("velerian ")


def test_the_cli_imports_the_sdk_only_through_its_root() -> None:
    reached_in: list[str] = []
    for source in sorted(CLI_SOURCE.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            reached_in += [
                f"{source.name}: {name}" for name in names if name.startswith("velerian_sdk.")
            ]
    assert reached_in == []
