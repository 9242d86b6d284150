"""How much work each suite does at ``--size small`` (CI) and ``--size full``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SIZES", "Size", "SizeName"]

SizeName = Literal["small", "full"]


@dataclass(frozen=True, slots=True)
class Size:
    """
    The knobs of one run.

    Attributes:
        rounds: Kept rounds per comparison.
        batch: Sequential calls per contender per round.
        sweep_batch: Calls per contender per round in the per-method sweep (it times
            every typed method, so the smoke run keeps it short).
        page_items: Items in the page of the parsing suite.
        parse_batch: Page parses per contender per round.
        walk_items: Items walked by the pagination throughput suite.
        walk_rounds: Whole walks per walker.
        memory_items: The counts walked to show that peak memory stays flat.
        in_flight: Concurrent calls in the concurrency suite.
        concurrency_rounds: Bursts per contender in the concurrency suite.
        prefetch_pages: Pages walked by the prefetch suite.
        import_rounds: Fresh interpreters per import contender.
        instruction_calls: Counted calls per workload under callgrind.
        instruction_pairs: How many of the instruction comparisons to run (``None``:
            all).
        sweep_instruction_cells: How many method x flavour x transport cells the
            instruction-count sweep counts (``None``: all).
        sweep_instruction_calls: Counted calls per cell of that sweep.
    """

    rounds: int
    batch: int
    sweep_batch: int
    page_items: int
    parse_batch: int
    walk_items: int
    walk_rounds: int
    memory_items: tuple[int, ...]
    in_flight: int
    concurrency_rounds: int
    prefetch_pages: int
    import_rounds: int
    instruction_calls: int
    instruction_pairs: int | None
    sweep_instruction_cells: int | None
    sweep_instruction_calls: int


SIZES: dict[SizeName, Size] = {
    "small": Size(
        rounds=3,
        batch=20,
        sweep_batch=5,
        page_items=1_000,
        parse_batch=2,
        walk_items=2_000,
        walk_rounds=1,
        memory_items=(1_000, 2_000),
        in_flight=100,
        concurrency_rounds=1,
        prefetch_pages=3,
        import_rounds=2,
        instruction_calls=100,
        instruction_pairs=1,
        sweep_instruction_cells=1,
        sweep_instruction_calls=20,
    ),
    "full": Size(
        rounds=25,
        batch=200,
        sweep_batch=200,
        page_items=1_000,
        parse_batch=20,
        walk_items=100_000,
        walk_rounds=5,
        memory_items=(10_000, 100_000, 1_000_000),
        in_flight=1_000,
        concurrency_rounds=3,
        prefetch_pages=20,
        import_rounds=25,
        instruction_calls=500,
        instruction_pairs=None,
        sweep_instruction_cells=None,
        sweep_instruction_calls=100,
    ),
}
