"""
Cold import: fresh interpreters, interleaved round by round.

Every round starts one fresh interpreter per contender, in a rotating order, and each
child times its own import statement with ``time.perf_counter`` (so interpreter start-up,
the same for all, is left out). Ratios are to ``import httpx; from pydantic import
BaseModel`` in the same round: the floor for any SDK built on httpx and pydantic.
Bytecode caches are written by a first, discarded round, as they are after an install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import velerian_sdk

from .measure import RatioSummary, RoundResults
from .report import Table, verdict
from .sizes import Size

__all__ = ["BASIS", "FLOOR_LABEL", "TARGET", "ImportContender", "cold_import_table", "time_import"]

TARGET = 1.15
BASIS = "import httpx; from pydantic import BaseModel"
CONSTRUCT = 'VelerianClient(api_key="vk_live_x", base_url="http://127.0.0.1:9")'
FLOOR = (
    "import httpx; from pydantic import BaseModel, Field\n"
    "class Model(BaseModel):\n"
    "    value: int = Field(0)"
)
"""The least any SDK whose responses are pydantic models can load: one model class."""
FLOOR_LABEL = "httpx + pydantic + one model class (the floor)"
CLIENTS_ONLY = "from velerian_sdk import VelerianClient, AsyncVelerianClient"

_CHILD = (
    "import time\n"
    "started = time.perf_counter()\n"
    "exec(compile({statement!r}, '<import>', 'exec'))\n"
    "print(time.perf_counter() - started)\n"
)


@dataclass(frozen=True, slots=True)
class ImportContender:
    """An import statement, and the interpreter that runs it."""

    label: str
    statement: str
    python: str = sys.executable


def time_import(contender: ImportContender) -> float:
    """
    Run ``contender.statement`` in a fresh interpreter and return the seconds it took.

    Args:
        contender: What to import, with which Python.

    Returns:
        The seconds the child measured around the statement.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    output = subprocess.run(
        [contender.python, "-I", "-c", _CHILD.format(statement=contender.statement)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    ).stdout
    return float(output.strip().splitlines()[-1])


def sdk_import_statement() -> str:
    """Return the issue's import line, limited to the names this version exports."""
    wanted = ("VelerianClient", "AsyncVelerianClient", "InvokeResult")
    present = [name for name in wanted if hasattr(velerian_sdk, name)]
    return f"from velerian_sdk import {', '.join(present)}"


def own_contenders() -> list[ImportContender]:
    """Return the basis and the SDK's contenders, all in this environment."""
    statement = sdk_import_statement()
    return [
        ImportContender(BASIS, BASIS),
        ImportContender(statement, statement),
        ImportContender(FLOOR_LABEL, FLOOR),
        ImportContender(CLIENTS_ONLY, CLIENTS_ONLY),
        ImportContender(f"{statement}; {CONSTRUCT}", f"{statement}; {CONSTRUCT}"),
        ImportContender(
            "import httpx; from pydantic import BaseModel; httpx.Client()",
            "import httpx; from pydantic import BaseModel; httpx.Client()",
        ),
    ]


def measure_imports(contenders: list[ImportContender], rounds: int) -> RoundResults:
    """
    Time every contender once per round, in rotating order, after one discarded round.

    Args:
        contenders: The statements; the first is the basis.
        rounds: Rounds to keep.

    Returns:
        Seconds per contender and round.
    """
    results = RoundResults(operations=1, seconds={c.label: [] for c in contenders})
    count = len(contenders)
    for index in range(rounds + 1):
        for step in range(count):
            contender = contenders[(index + step) % count]
            seconds = time_import(contender)
            if index:
                results.seconds[contender.label].append(seconds)
    return results


def cold_import_table(
    size: Size, extra: list[ImportContender], sink: dict[str, RatioSummary]
) -> Table:
    """
    Measure the SDK's cold import (and any ``extra`` contenders) against the basis.

    Args:
        size: How many rounds.
        extra: More contenders, e.g. velerian-sdk 0.1.2 and openai from the comparison
            environment.
        sink: Receives every summary, keyed by statement label.

    Returns:
        The table.
    """
    contenders = own_contenders() + extra
    results = measure_imports(contenders, size.import_rounds)
    table = Table(
        "Cold import, fresh interpreter each time",
        [
            "statement",
            "environment",
            "median time",
            "ratio to httpx + pydantic",
            "ratio to the floor",
            "target",
        ],
    )
    sdk_label = contenders[1].label
    floor_label = contenders[2].label
    for contender in contenders:
        summary = results.summary(contender.label, BASIS)
        sink[contender.label] = summary
        table.add(
            contender.label if contender.label == floor_label else f"`{contender.label}`",
            "bench" if contender.python == sys.executable else "comparison",
            f"{summary.per_op_us / 1000:.0f} ms",
            summary.ratio_text(),
            results.summary(contender.label, floor_label).ratio_text(),
            f"<= {TARGET}x: {verdict(summary.median, TARGET)}"
            if contender.label == sdk_label
            else "",
        )
    table.notes.append(
        "The floor defines one pydantic model with one `Field`: the first model class "
        "imports `pydantic.fields` and what it needs (`pydantic.types`, `annotated_types`, "
        "`uuid`...), which `from pydantic import BaseModel` alone does not. Importing "
        "`InvokeResult`, or any model, cannot cost less than the floor."
    )
    table.notes.append(
        f"{size.import_rounds} rounds; in each, every statement runs once in a fresh "
        "`python -I`, in rotating order; the child times only the statement."
    )
    return table
