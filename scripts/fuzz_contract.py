"""
Fuzz the stub server against its contract: schemathesis, bounded in time, fixed seed.

    python scripts/fuzz_contract.py [--max-time SECONDS] [--seed N] [--faults RATE]
                                    [-- SCHEMATHESIS_ARGS...]

Starts a stub on a free port with a temporary database, runs every schemathesis check
against ``docs/api/openapi.json`` (except where ``scripts/fuzz_contract.toml`` says) with
the hooks in ``scripts/fuzz_contract_hooks.py``, and exits with schemathesis's status
(0 only when no check failed). On failure the end of the stub's log follows, for the
tracebacks of any 500. Needs schemathesis and velerian-stub installed (``nox -s fuzz``).

With ``--faults RATE`` the stub fails that fraction of requests before and after their
work (``--fail-before``/``--fail-after``), and only the checks of what must come before
any fault run: a 405 with ``Allow`` for an undeclared method, and no access without a key.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from velerian_stub import StubProcess

__all__ = ["main", "schemathesis_command"]

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "docs" / "api" / "openapi.json"
CONFIG = ROOT / "scripts" / "fuzz_contract.toml"
HOOKS = ROOT / "scripts" / "fuzz_contract_hooks.py"
DEFAULT_SEED = 20251129
DEFAULT_MAX_TIME_S = 90
# Per operation and round; fuzzing and stateful rounds repeat until --max-time is spent.
MAX_EXAMPLES = 15
# With faults on, 5xx answers are expected; what must still hold is the precedence of
# routing and authentication over them.
FAULT_CHECKS = "unsupported_method,allow_header_conformance,ignored_auth"


def schemathesis_command(
    base_url: str, *, seed: int, max_time_s: int, extra: Sequence[str] = ()
) -> list[str]:
    """
    Build the schemathesis command line of one run.

    Args:
        base_url: The stub's origin.
        seed: The random seed.
        max_time_s: The time budget of the whole run, in seconds.
        extra: More schemathesis ``run`` options, placed last so they win.

    Returns:
        The command, run with this interpreter.
    """
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        str(CONTRACT),
        "--url",
        base_url,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(max_time_s),
        # One worker: the stub is one process on a small machine, and a single stream
        # of requests keeps a seeded run's order (and so its findings) repeatable.
        "--workers",
        "1",
        "--seed",
        str(seed),
        *extra,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the fuzz run.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        schemathesis's exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python scripts/fuzz_contract.py",
        description="Fuzz a fresh velerian-stub against docs/api/openapi.json with schemathesis.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    parser.add_argument(
        "--max-time",
        type=int,
        default=DEFAULT_MAX_TIME_S,
        metavar="SECONDS",
        help="time budget of the schemathesis run (default %(default)s)",
    )
    parser.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="fail this fraction of requests before and after their work, and run only"
        " the routing and authentication checks (default: no faults)",
    )
    parser.add_argument(
        "extra", nargs="*", metavar="SCHEMATHESIS_ARG", help="more `schemathesis run` options"
    )
    args = parser.parse_args(argv)
    stub_args: list[str] = []
    extra = list(args.extra)
    if args.faults:
        rate = str(args.faults)
        stub_args = ["--fail-before", rate, "--fail-after", rate, "--seed", str(args.seed)]
        extra = ["--checks", FAULT_CHECKS, *extra]
    with StubProcess(args=stub_args) as stub:
        command = schemathesis_command(
            stub.base_url, seed=args.seed, max_time_s=args.max_time, extra=extra
        )
        env = {**os.environ, **stub.env, "SCHEMATHESIS_HOOKS": str(HOOKS)}
        started = time.monotonic()
        # The working directory is the stub's scratch directory, so nothing schemathesis
        # writes lands in the checkout.
        completed = subprocess.run(  # noqa: S603 - this interpreter and fixed arguments
            command, env=env, cwd=stub.log_path.parent, check=False
        )
        elapsed = time.monotonic() - started
        print(f"fuzz_contract: schemathesis exited {completed.returncode} after {elapsed:.0f} s")
        if completed.returncode != 0:
            log = stub.log_path.read_text(encoding="utf-8", errors="replace")
            sys.stderr.write(f"--- end of the stub's log ---\n{log[-8000:]}\n")
        return completed.returncode


if __name__ == "__main__":
    raise SystemExit(main())
