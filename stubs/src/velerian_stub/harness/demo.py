"""
``python -m velerian_stub.demo SCRIPT [ARGS...]``: run a script against a fresh stub.

Starts a :class:`~velerian_stub.harness.process.StubProcess`, runs SCRIPT with this
interpreter and the ``VELERIAN_*`` variables in its environment (its output streams
straight through), stops the stub, and exits with the script's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

from velerian_stub.harness.process import StubProcess

__all__ = ["main", "run_script"]


def run_script(script: str, script_args: Sequence[str] = (), stub_args: Sequence[str] = ()) -> int:
    """
    Run a Python script against a stub started for it alone.

    Args:
        script: The script's path.
        script_args: Its arguments.
        stub_args: Extra flags for the stub server, for example ``["--latency-ms", "50"]``.

    Returns:
        The script's exit status.
    """
    with StubProcess(args=stub_args) as stub:
        sys.stderr.write(f"velerian-stub serving at {stub.base_url}\n")
        sys.stderr.flush()
        # Unbuffered, so that in a log (a pipe) the script's lines and its stderr
        # (progress, warnings) arrive in the order they were written.
        env = {**os.environ, **stub.env, "PYTHONUNBUFFERED": "1"}
        completed = subprocess.run(  # noqa: S603 - the caller names the script to run
            [sys.executable, script, *script_args], env=env, check=False
        )
        return completed.returncode


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the demo command.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        The script's exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m velerian_stub.demo",
        description="Run a Python script against a freshly started velerian-stub server.",
    )
    parser.add_argument(
        "--stub-arg",
        action="append",
        default=[],
        metavar="FLAG",
        help="extra flag for the stub server (repeatable), e.g. --stub-arg=--latency-ms=50",
    )
    parser.add_argument("script", help="the Python script to run")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    args = parser.parse_args(argv)
    return run_script(
        str(args.script), [str(a) for a in args.script_args], [str(a) for a in args.stub_arg]
    )


if __name__ == "__main__":
    raise SystemExit(main())
