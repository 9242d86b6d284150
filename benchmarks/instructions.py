"""
Executed instructions per operation, counted by callgrind: the figures noise cannot move.

Wall-clock ratios on a shared machine swing from round to round (a neighbour's burst can
double one batch), so the per-call and page-parsing comparisons are also counted in
instructions. Each workload runs in a fresh interpreter under ``valgrind
--tool=callgrind`` twice, with ``N`` counted operations and with none; the difference
over ``N`` is the cost of one operation. ``PYTHONHASHSEED`` is fixed, so two runs of
the same tree give the same counts to within a fraction of a percent.

Instructions are not time (a cache miss costs more than an add), but for code that does
the same kind of work (building requests, parsing JSON) their ratio tracks the ratio of
CPU time, without the noise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from .report import Table, verdict
from .server_process import REPO_ROOT
from .sizes import Size

__all__ = [
    "callgrind_total",
    "count_instructions",
    "instructions_table",
    "per_operation",
    "write_bytecode",
]

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


@dataclass(frozen=True, slots=True)
class _Pair:
    label: str
    basis: str
    ours: str
    target: float


_PAIRS = (
    _Pair("sync GET abp, in-process", "raw-sync-get", "sdk-sync-get", 1.08),
    _Pair("sync invoke, in-process", "raw-sync-invoke", "sdk-sync-invoke", 1.08),
    _Pair("async GET abp, in-process", "raw-async-get", "sdk-async-get", 1.08),
    _Pair("async invoke, in-process", "raw-async-invoke", "sdk-async-invoke", 1.08),
    _Pair("1,000-item audit page", "json-loads-page", "sdk-parse-page", 1.6),
    _Pair(
        "sync GET abp, loopback (client)", "raw-sync-get-loopback", "sdk-sync-get-loopback", 1.02
    ),
    _Pair(
        "sync invoke, loopback (client)",
        "raw-sync-invoke-loopback",
        "sdk-sync-invoke-loopback",
        1.02,
    ),
)


def count_instructions(workload: str, count: int) -> int:
    """
    Run ``workload`` ``count`` times under callgrind and return the instructions executed.

    Args:
        workload: A name from :data:`benchmarks.instruction_worker.WORKLOADS`.
        count: Counted repetitions (after the worker's warm-up).

    Returns:
        The whole process's executed instructions.
    """
    return callgrind_total(["benchmarks.instruction_worker", workload, str(count)])


def callgrind_total(module_and_args: list[str]) -> int:
    """
    Run ``python -m MODULE ARGS...`` under callgrind and return the instructions executed.

    The interpreter runs with no ``PYTHON*`` variables but ``PYTHONHASHSEED=0``, from the
    repository's root, so that two runs of the same tree count the same work.

    Args:
        module_and_args: The module to run, then its arguments.

    Returns:
        The whole process's executed instructions.

    Raises:
        RuntimeError: callgrind printed no total.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            *module_and_args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=1800,
        check=True,
    )
    found = _COLLECTED.search(result.stderr)
    if found is None:
        args = " ".join(module_and_args)
        msg = f"callgrind printed no instruction total for {args}: {result.stderr[-500:]}"
        raise RuntimeError(msg)
    return int(found.group(1))


def per_operation(workload: str, count: int) -> float:
    """
    Return the instructions one operation of ``workload`` executes.

    Args:
        workload: The workload's name.
        count: Operations in the counted run.

    Returns:
        (instructions with ``count`` operations - instructions with none) / ``count``.
    """
    per_op = (count_instructions(workload, count) - count_instructions(workload, 0)) / count
    if per_op <= 0:
        msg = f"{workload}: {per_op:.0f} instructions per operation; the two runs differ in setup"
        raise RuntimeError(msg)
    return per_op


def write_bytecode(workloads: list[str]) -> None:
    """
    Run each workload once, natively, so that every module's bytecode cache exists.

    Otherwise the first run under callgrind would also count compiling them, and the
    difference between two runs would not be one operation's cost.

    Args:
        workloads: The workloads about to be counted.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for workload in workloads:
        subprocess.run(
            [sys.executable, "-m", "benchmarks.instruction_worker", workload, "0"],
            env=env,
            cwd=REPO_ROOT,
            timeout=300,
            check=True,
        )


def instructions_table(size: Size) -> Table:
    """
    Count instructions per call and per page parse, for raw httpx and the SDK.

    Args:
        size: ``instruction_calls`` sets the counted operations (and, at the small size,
            only the first pair runs).

    Returns:
        The table, or one that says valgrind is missing.
    """
    table = Table(
        "Instructions per operation (callgrind), velerian-sdk / raw",
        ["operation", "raw, instructions", "velerian-sdk, instructions", "ratio", "target"],
    )
    if shutil.which("valgrind") is None:
        table.notes.append("valgrind is not installed: nothing was counted.")
        return table
    pairs = _PAIRS if size.instruction_pairs is None else _PAIRS[: size.instruction_pairs]
    write_bytecode([name for pair in pairs for name in (pair.basis, pair.ours)])
    for pair in pairs:
        count = size.instruction_calls if pair.basis != "json-loads-page" else size.parse_batch
        basis = per_operation(pair.basis, count)
        ours = per_operation(pair.ours, count)
        ratio = ours / basis
        table.add(
            pair.label,
            f"{basis / 1000:,.1f}k",
            f"{ours / 1000:,.1f}k",
            f"{ratio:.3f}x",
            f"<= {pair.target}x: {verdict(ratio, pair.target)}",
        )
    table.notes.append(
        "In-process `httpx.MockTransport` for both; the SDK's calls run the whole "
        "middleware chain and validate into models, raw httpx calls `.json()`. The page "
        "row compares the SDK's list-call parse (bytes to a typed page of models) with "
        "`json.loads` on the same bytes. Loopback rows count the client process only, "
        "against the loopback server in a child process."
    )
    table.notes.append(
        "Each figure: (instructions with N operations - with none) / N, in fresh "
        "interpreters, `PYTHONHASHSEED=0`."
    )
    return table
