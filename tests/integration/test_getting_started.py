"""
docs/getting-started.md, followed word for word on a fresh folder: its commands and output.

The page's shell blocks are run as a reader types them, with two substitutions only:
``velerian-stub`` and ``python3`` become this test's interpreter (the packages are
installed here already, so the lines that make and enter a virtual environment are
skipped), and port 8787 becomes a free port, so that tests can run side by side.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
PYTHON = shlex.quote(sys.executable)


def blocks(language: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return [body for lang, body in FENCE.findall(text) if lang == language]


def stub_block(flag: str) -> str:
    (command,) = [b.strip() for b in blocks("bash") if "velerian-stub" in b and flag in b]
    return command


def as_typed_here(command: str) -> str:
    """The reader's line, for this machine: our interpreter, a free port."""
    command = command.replace("velerian-stub ", f"{PYTHON} -m velerian_stub ", 1)
    command = command.replace("--port 8787", "--port 0")
    return re.sub(r"^python3 ", f"{PYTHON} ", command, flags=re.MULTILINE)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VELERIAN_")}


def test_the_printed_lines_are_those_the_page_shows(tmp_path: Path) -> None:
    (shown,) = [b for b in blocks("text") if "VELERIAN_BASE_URL" in b]
    patterns = [
        re.escape(line).replace(re.escape("..."), r"\S+").replace("8787", r"\d+")
        for line in shown.splitlines()
    ]
    command = as_typed_here(stub_block("--env-file"))
    with subprocess.Popen(
        shlex.split(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        try:
            # Six lines on stdout, for the shell; then the notice on stderr, for the reader.
            printed = [proc.stdout.readline().rstrip("\n") for _ in range(6)]
            printed += [proc.stderr.readline().rstrip("\n") for _ in patterns[6:]]
        finally:
            proc.terminate()
            proc.wait(10)
    assert len(patterns) == 8
    for pattern, line in zip(patterns, printed, strict=True):
        assert re.fullmatch(pattern, line), (pattern, line)


@pytest.mark.parametrize("flow", ["two terminals", "background"])
def test_the_first_run_works_as_the_page_says(tmp_path: Path, flow: str) -> None:
    (program,) = blocks("python")
    (tmp_path / "first_run.py").write_text(program, encoding="utf-8")
    (load,) = [b for b in blocks("bash") if "velerian.env" in b and "velerian-stub" not in b]
    load = "\n".join(line for line in load.splitlines() if ".venv" not in line)
    run = as_typed_here("python3 first_run.py")
    if flow == "two terminals":
        # The first terminal: the stub in front. The second: the page's lines.
        server = subprocess.Popen(
            shlex.split(as_typed_here(stub_block("--env-file"))),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
            env=clean_env(),
        )
        try:
            deadline = time.monotonic() + 30
            while not (tmp_path / "velerian.env").exists():
                assert server.poll() is None, "the stub exited"
                assert time.monotonic() < deadline, "the stub did not write velerian.env"
                time.sleep(0.05)
            script = f"{load}\n{run}"
            done = subprocess.run(
                ["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                env=clean_env(), timeout=60, check=False,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)
    else:
        start = as_typed_here(stub_block("--background"))
        script = f'{start}\n{run}\nstatus=$?\nkill "$VELERIAN_STUB_PID"\nexit $status'
        done = subprocess.run(
            ["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path,
            env=clean_env(), timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["allowed True", "True"]
    assert (tmp_path / "evidence.json").is_file()


def test_an_existing_env_file_is_left_alone_as_the_page_says(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert "It never replaces a file: if `velerian.env` exists" in text
    (tmp_path / "velerian.env").write_text("export MINE=1\n", encoding="utf-8")
    with subprocess.Popen(
        shlex.split(as_typed_here(stub_block("--env-file"))),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
    ) as proc:
        try:
            first = proc.stdout.readline() if proc.stdout is not None else ""
            _, stderr = proc.communicate(timeout=30) if not first else ("", "")
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(10)
    assert first == "", "the stub started instead of saying that velerian.env exists"
    assert proc.returncode == 2
    assert "velerian.env already exists and velerian-stub did not write it" in stderr
    assert (tmp_path / "velerian.env").read_text(encoding="utf-8") == "export MINE=1\n"
