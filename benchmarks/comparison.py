"""
Other clients, side by side: velerian-sdk 0.1.2 (the baseline) and openai.

They run in a separate environment (``--comparison-python``), because 0.1.2 has this
SDK's import name; :mod:`benchmarks.comparison_worker` measures each against raw httpx
in its own process, round by round, exactly as the per-call suite measures this SDK.
"""

from __future__ import annotations

import json
import subprocess

from .cold_import import BASIS, ImportContender
from .measure import RatioSummary
from .report import Table
from .server_process import REPO_ROOT
from .sizes import Size

__all__ = [
    "LEGACY_IMPORT",
    "OPENAI_IMPORT",
    "Row",
    "comparison_import_contenders",
    "comparison_rows",
    "rows_table",
    "summary_table",
]

Row = dict[str, str | float]
LEGACY_IMPORT = "import velerian_sdk (0.1.2)"
"""The label of velerian-sdk 0.1.2's cold import."""
OPENAI_IMPORT = "from openai import OpenAI"


def comparison_rows(python: str, size: Size, origin: str) -> list[Row]:
    """
    Run the worker in the comparison environment and collect its rows.

    Args:
        python: The comparison environment's interpreter.
        size: Rounds and batch size, as for the per-call suite.
        origin: The loopback server's origin.

    Returns:
        One row per client, call and transport.
    """
    completed = subprocess.run(
        [
            python,
            "-m",
            "benchmarks.comparison_worker",
            "--origin",
            origin,
            "--rounds",
            str(size.rounds),
            "--batch",
            str(size.batch),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=3600,
    )
    rows: list[Row] = [json.loads(line) for line in completed.stdout.splitlines() if line]
    return rows


def comparison_import_contenders(python: str) -> list[ImportContender]:
    """Return the cold-import contenders of the comparison environment."""
    return [
        ImportContender(f"{BASIS} (comparison env)", BASIS, python),
        ImportContender("import httpx", "import httpx", python),
        ImportContender(LEGACY_IMPORT, "import velerian_sdk", python),
        ImportContender(OPENAI_IMPORT, OPENAI_IMPORT, python),
    ]


def rows_table(rows: list[Row]) -> Table:
    """Tabulate the worker's rows in full."""
    table = Table(
        "Other clients, per call: ratio to raw httpx in the same process and rounds",
        ["client", "call", "transport", "raw httpx, us/call", "client, us/call", "ratio"],
    )
    for row in rows:
        table.add(
            str(row["client"]),
            str(row["call"]),
            str(row["transport"]),
            f"{float(row['raw_us']):.0f}",
            f"{float(row['client_us']):.0f}",
            f"{float(row['median']):.2f}x ({float(row['low']):.2f}-{float(row['high']):.2f})",
        )
    table.notes.append(
        "openai 3.x sends through its own fork of httpx (`httpx2`); its basis is still raw "
        "httpx posting the same chat-completion body and decoding the JSON."
    )
    return table


def summary_table(
    per_call: dict[str, RatioSummary],
    imports: dict[str, RatioSummary],
    rows: list[Row],
    sdk_import_label: str,
) -> Table:
    """
    Build the issue's headline table from results already measured.

    Args:
        per_call: This SDK's per-call summaries, keyed ``"<call> | <transport>"``.
        imports: Cold-import summaries by statement.
        rows: The comparison worker's rows.
        sdk_import_label: The statement that imports this SDK.

    Returns:
        One row per client: per-call ratios (GET / invoke) and cold import.
    """
    table = Table(
        "Headline: every client against raw httpx, one run",
        ["client", "per call, in-process", "per call, loopback", "cold import"],
    )

    def pair(get: float | None, invoke: float | None) -> str:
        return " / ".join("-" if v is None else f"{v:.2f}x" for v in (get, invoke))

    def imported(label: str) -> str:
        summary = imports.get(label)
        if summary is None:
            return "-"
        return f"{summary.median:.2f}x ({summary.per_op_us / 1000:.0f} ms)"

    basis = imports.get(BASIS)
    table.add(
        "raw `httpx.Client` + `.json()`",
        "1.00x",
        "1.00x",
        f"httpx + pydantic: {basis.per_op_us / 1000:.0f} ms" if basis else "-",
    )

    def ours(call: str, transport: str) -> float | None:
        summary = per_call.get(f"{call} | {transport}")
        return None if summary is None else summary.median

    table.add(
        "velerian-sdk (this tree)",
        pair(ours("sync GET abp", "in-process"), ours("sync invoke", "in-process")),
        pair(ours("sync GET abp", "loopback"), ours("sync invoke", "loopback")),
        imported(sdk_import_label),
    )
    clients = sorted({str(row["client"]) for row in rows})
    for client in clients:

        def ratio(call: str, transport: str, client: str = client) -> float | None:
            for row in rows:
                if (row["client"], row["call"], row["transport"]) == (client, call, transport):
                    return float(row["median"])
            return None

        if client.startswith("openai"):
            in_process = pair(ratio("sync chat completion", "in-process"), None)
            loopback = pair(ratio("sync chat completion", "loopback"), None)
            label = OPENAI_IMPORT
        else:
            in_process = pair(
                ratio("sync GET abp", "in-process"), ratio("sync invoke", "in-process")
            )
            loopback = pair(ratio("sync GET abp", "loopback"), ratio("sync invoke", "loopback"))
            label = LEGACY_IMPORT
        table.add(client, in_process, loopback, imported(label))
    table.notes.append(
        "Per call: median of per-round ratios, GET / invoke (openai: a chat completion). "
        "Cold import: ratio to `import httpx; from pydantic import BaseModel` in the same "
        "rounds, with the median time."
    )
    return table
