"""
``python -m benchmarks [--size small|full] [--only SUITE ...]``: run and print the tables.

Each suite prints Markdown tables of ratios to raw httpx measured in the same rounds;
``--markdown PATH`` also writes them to a file, and ``--charts DIR`` draws the headline
comparison as SVG charts there (``per-call.svg`` needs the per-call and comparison
suites, ``cold-import.svg`` the imports suite; both need ``--comparison-python``).
Nothing here asserts a speed: a run fails only if a suite cannot run at all.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .measure import RatioSummary
from .report import Table
from .server_process import loopback_server, pin_to_cpus
from .sizes import SIZES, Size, SizeName

__all__ = ["main"]


ComparisonRow = dict[str, str | float]
"""A row of the comparison worker (as :data:`benchmarks.comparison.Row`)."""


@dataclass(slots=True)
class Context:
    """What every suite may use, and the summaries later suites reuse."""

    size: Size
    origin: str
    comparison_python: str | None
    per_call: dict[str, RatioSummary] = field(default_factory=dict[str, RatioSummary])
    imports: dict[str, RatioSummary] = field(default_factory=dict[str, RatioSummary])
    comparison: list[ComparisonRow] = field(default_factory=list[ComparisonRow])


Suite = Callable[[Context], Iterator[Table]]


def _per_call(context: Context) -> Iterator[Table]:
    from .method_sweep import method_sweep_table
    from .per_call import per_call_table

    yield per_call_table(context.size, context.origin, context.per_call)
    yield method_sweep_table(context.size, context.origin)


def _page_parsing(context: Context) -> Iterator[Table]:
    from .page_parsing import page_parsing_table

    yield page_parsing_table(context.size)


def _pagination(context: Context) -> Iterator[Table]:
    from .pagination import memory_table, prefetch_table, throughput_table

    yield throughput_table(context.size, context.origin)
    yield memory_table(context.size, context.origin)
    yield prefetch_table(context.size, context.origin)


def _instructions(context: Context) -> Iterator[Table]:
    from .instructions import instructions_table

    yield instructions_table(context.size)


def _sweep_instructions(context: Context) -> Iterator[Table]:
    from .sweep_instructions import sweep_instructions_table

    yield sweep_instructions_table(context.size)


def _concurrency(context: Context) -> Iterator[Table]:
    from .concurrency import concurrency_tables

    yield from concurrency_tables(context.size, context.origin)


def _batches(context: Context) -> Iterator[Table]:
    from .batches import batch_tables
    from .sizes import SIZES

    small = context.size is SIZES["small"]
    yield from batch_tables(200 if small else 1000, (50,) if small else (50, 100, 200))


def _cold_import(context: Context) -> Iterator[Table]:
    from .cold_import import cold_import_table
    from .comparison import comparison_import_contenders

    python = context.comparison_python
    extra = comparison_import_contenders(python) if python else []
    yield cold_import_table(context.size, extra, context.imports)


def _comparison(context: Context) -> Iterator[Table]:
    from .cold_import import sdk_import_statement
    from .comparison import comparison_rows, rows_table, summary_table

    python = context.comparison_python
    rows = comparison_rows(python, context.size, context.origin) if python else []
    context.comparison = rows
    if rows:
        yield rows_table(rows)
    else:
        print("(no --comparison-python: velerian-sdk 0.1.2 and openai are left out)")
    yield summary_table(context.per_call, context.imports, rows, sdk_import_statement())


SUITES: dict[str, Suite] = {
    "per-call": _per_call,
    "parsing": _page_parsing,
    "instructions": _instructions,
    "sweep-instructions": _sweep_instructions,
    "pagination": _pagination,
    "concurrency": _concurrency,
    "batches": _batches,
    "imports": _cold_import,
    "comparison": _comparison,
}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the suites, print the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument(
        "--only", action="append", choices=sorted(SUITES), help="run only this suite (repeatable)"
    )
    parser.add_argument(
        "--comparison-python",
        help="a Python with velerian-sdk 0.1.2 and openai installed, for the comparison rows",
    )
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument(
        "--charts", type=Path, help="also draw the headline comparison as SVG files here"
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin the client and the server to CPUs"
    )
    args = parser.parse_args(argv)
    size_name: SizeName = args.size
    only: list[str] | None = args.only
    markdown: Path | None = args.markdown
    charts: Path | None = args.charts
    comparison: str | None = args.comparison_python
    no_pin: bool = args.no_pin
    names = only or list(SUITES)
    started = time.perf_counter()
    pins = None if no_pin else pin_to_cpus()
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, client/server pinned to {pins or 'no CPU'}, "
        f"size {size_name}, suites: {', '.join(names)}"
    )
    print(header, flush=True)
    texts = [header + "\n"]
    with ExitStack() as stack:
        origin = stack.enter_context(loopback_server(pins[1] if pins else None))
        context = Context(SIZES[size_name], origin, comparison)
        for name in names:
            suite_started = time.perf_counter()
            for table in SUITES[name](context):
                text = table.to_markdown()
                texts.append(text)
                print("\n" + text, flush=True)
            print(f"({name}: {time.perf_counter() - suite_started:.1f} s)", flush=True)
    print(f"\nall suites: {time.perf_counter() - started:.1f} s")
    if markdown is not None:
        markdown.write_text("\n".join(texts))
    if charts is not None:
        _draw_charts(context, charts, f"size {size_name}, Python {platform.python_version()}")
    return 0


def _draw_charts(context: Context, directory: Path, run: str) -> None:
    """Write the headline charts that this run has the figures for, and say which."""
    from .charts import headline_charts, write_charts
    from .cold_import import sdk_import_statement

    caption = f"python -m benchmarks, {run}, {time.strftime('%Y-%m-%d', time.gmtime())}"
    drawn = headline_charts(
        context.per_call, context.imports, context.comparison, sdk_import_statement(), caption
    )
    for path in write_charts(drawn, directory):
        print(f"chart: {path}")
    if len(drawn) < 2:
        print(
            "(charts need the per-call, imports and comparison suites with "
            "--comparison-python; a chart without all its figures is not drawn)"
        )


if __name__ == "__main__":
    sys.exit(main())
