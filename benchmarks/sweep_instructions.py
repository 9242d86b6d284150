"""
The per-method sweep in executed instructions: every typed method, counted by callgrind.

The timed sweep (:mod:`benchmarks.method_sweep`) swings with whatever else the machine
runs; instruction counts do not. Each cell runs
:mod:`benchmarks.sweep_instruction_worker` under callgrind with ``N`` calls of one method
and once with none (the same set-up and warm-up either way), for raw httpx and the SDK;
over loopback only the client process is counted. Two workers run at a time: callgrind
counts the same whatever else runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import product

from .instructions import callgrind_total
from .method_sweep import METHODS, TARGETS
from .report import Table, verdict
from .server_process import REPO_ROOT
from .sizes import Size
from .sweep_instruction_worker import CONTENDERS, FLAVOURS, TRANSPORTS

__all__ = ["sweep_instructions_table"]

_WORKER = "benchmarks.sweep_instruction_worker"


@dataclass(frozen=True, slots=True)
class _Cell:
    method: int
    flavour: str
    transport: str


def _cells(size: Size) -> Iterator[_Cell]:
    cells = (
        _Cell(method, flavour, transport)
        for transport, flavour, method in product(TRANSPORTS, FLAVOURS, range(len(METHODS)))
    )
    if size.sweep_instruction_cells is None:
        yield from cells
        return
    for _, cell in zip(range(size.sweep_instruction_cells), cells, strict=False):
        yield cell


def _args(flavour: str, transport: str, contender: str, method: str, count: int) -> list[str]:
    return [_WORKER, flavour, transport, contender, method, str(count)]


def _key(flavour: str, transport: str, contender: str, method: str) -> str:
    return f"{flavour} {transport} {contender} {method}"


def _write_bytecode() -> None:
    # A first run under callgrind would count compiling the modules too.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for flavour, transport, contender in product(FLAVOURS, TRANSPORTS, CONTENDERS):
        subprocess.run(
            [sys.executable, "-m", *_args(flavour, transport, contender, "none", 0)],
            env=env,
            cwd=REPO_ROOT,
            timeout=300,
            check=True,
        )


def sweep_instructions_table(size: Size) -> Table:
    """
    Count the instructions of one call of every swept method, raw httpx and the SDK.

    Args:
        size: ``sweep_instruction_calls`` sets the counted calls,
            ``sweep_instruction_cells`` how many of the method x flavour x transport
            cells to count.

    Returns:
        The table, worst ratio over target first, or one that says valgrind is missing.
    """
    table = Table(
        "Per-method sweep in instructions (callgrind): every typed method / raw httpx, "
        "worst first",
        ["method", "flavour", "transport", "raw, instructions", "velerian-sdk, instructions",
         "ratio", "target"],
    )  # fmt: skip
    if shutil.which("valgrind") is None:
        table.notes.append("valgrind is not installed: nothing was counted.")
        return table
    cells = list(_cells(size))
    count = size.sweep_instruction_calls
    _write_bytecode()
    jobs: dict[str, list[str]] = {}
    for cell in cells:
        for contender in CONTENDERS:
            base = (cell.flavour, cell.transport, contender)
            jobs[_key(*base, "none")] = _args(*base, "none", 0)
            jobs[_key(*base, str(cell.method))] = _args(*base, str(cell.method), count)
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = dict(zip(jobs, pool.map(callgrind_total, jobs.values()), strict=True))

    def per_call(cell: _Cell, contender: str) -> float:
        base = (cell.flavour, cell.transport, contender)
        per_op = (totals[_key(*base, str(cell.method))] - totals[_key(*base, "none")]) / count
        if per_op <= 0:
            msg = f"{cell}, {contender}: {per_op:.0f} instructions per call"
            raise RuntimeError(msg)
        return per_op

    rows: list[tuple[float, list[str]]] = []
    for cell in cells:
        raw, sdk = per_call(cell, "raw"), per_call(cell, "sdk")
        target = TARGETS["in-process" if cell.transport == "in-process" else "loopback"]
        ratio = sdk / raw
        rows.append(
            (
                ratio / target,
                [
                    f"`{METHODS[cell.method].name}`",
                    cell.flavour,
                    cell.transport,
                    f"{raw / 1000:,.1f}k",
                    f"{sdk / 1000:,.1f}k",
                    f"{ratio:.3f}x",
                    f"<= {target:.2f}x: {verdict(ratio, target)}",
                ],
            )
        )
    for _, row in sorted(rows, key=lambda row: row[0], reverse=True):
        table.add(*row)
    table.notes.append(
        f"Each figure: (instructions with {count} calls of the method - with none) / "
        f"{count}, in fresh interpreters with `PYTHONHASHSEED=0`; both runs build the "
        "client and call every swept method a few times first. Loopback rows count the "
        "client process only."
    )
    return table
