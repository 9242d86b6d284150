"""
The performance page's headline comparison as SVG bar charts (``--charts DIR``).

Hand-written SVG, so that the charts need no plotting library: one horizontal bar per
client and call, as long as its median ratio to the basis measured in the same rounds,
a whisker over the min-max of the rounds (cut off, with an arrowhead, past the axis,
which fits the medians), and a line at 1.0x where the basis stands.
The figures are the ones the headline table is built from, so a run of the harness
redraws both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .cold_import import BASIS, FLOOR_LABEL
from .comparison import LEGACY_IMPORT, OPENAI_IMPORT
from .measure import RatioSummary

__all__ = ["Bar", "Chart", "headline_charts", "render_svg", "write_charts"]

Row = Mapping[str, str | float]
"""One row of the comparison worker (as :data:`benchmarks.comparison.Row`, read-only)."""

WIDTH = 800
LABEL_WIDTH = 270
PLOT_WIDTH = 360
ROW_HEIGHT = 24
BAR_HEIGHT = 14
GROUP_HEIGHT = 26
OURS = "#3f51b5"  # the site's indigo: this SDK's bars stand out
OTHERS = "#9e9e9e"
INK = "#212121"
FAINT = "#757575"
GRID = "#e0e0e0"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


@dataclass(frozen=True, slots=True)
class Bar:
    """
    One measured contender.

    Attributes:
        label: What was measured, e.g. ``velerian-sdk 0.1.2, GET``.
        summary: Its ratios to the basis, and its time per operation.
        unit: How to print ``summary.per_op_us``: ``"us"`` or ``"ms"``.
        ours: Drawn in the highlight colour.
    """

    label: str
    summary: RatioSummary
    unit: str = "us"
    ours: bool = False

    def value_text(self) -> str:
        """Return ``0.85x (212 us)``."""
        time = self.summary.per_op_us / 1000 if self.unit == "ms" else self.summary.per_op_us
        return f"{self.summary.median:.2f}x ({time:,.0f} {self.unit})"


@dataclass(frozen=True, slots=True)
class Chart:
    """
    A bar chart of ratios, in groups.

    Attributes:
        name: The file's stem (``per-call`` is written as ``per-call.svg``).
        title: The heading drawn at the top.
        basis: What 1.0x is, named beside its line.
        groups: Headings (``""``: none) and their bars, top to bottom.
        caption: The run the figures come from, drawn at the bottom.
    """

    name: str
    title: str
    basis: str
    groups: Sequence[tuple[str, Sequence[Bar]]]
    caption: str


def render_svg(chart: Chart) -> str:
    """
    Draw ``chart`` as a standalone SVG document.

    Args:
        chart: The chart.

    Returns:
        The SVG text, ending with a newline.
    """
    bars = [bar for _, group in chart.groups for bar in group]
    # The axis fits the medians; a noisy round's whisker may run off its end, and is
    # drawn clipped there with an arrowhead, its figure in the bar's tooltip.
    scale_max, step = _scale(max([1.0, *(bar.summary.median for bar in bars)]) * 1.3)
    plot_x = LABEL_WIDTH + 10

    def x_of(ratio: float) -> float:
        return plot_x + PLOT_WIDTH * min(ratio, scale_max) / scale_max

    top = 92
    headings = sum(1 for heading, _ in chart.groups if heading)
    height = top + GROUP_HEIGHT * headings + ROW_HEIGHT * len(bars) + 58
    body: list[str] = [
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(16, 24, chart.title, size=16, weight="bold"),
        _text(
            16,
            44,
            f"Ratio to {chart.basis}, measured in the same rounds; left of the dashed line "
            "is faster.",
            size=12,
            fill=FAINT,
        ),
        _text(
            16,
            60,
            "Bar: the median round. Whisker: the fastest to the slowest round (an arrowhead: "
            "off the scale).",
            size=12,
            fill=FAINT,
        ),
    ]
    bottom = height - 50
    ticks = [step * i for i in range(round(scale_max / step) + 1)]
    for tick in ticks:
        x = x_of(tick)
        body.append(_line(x, top - 4, x, bottom, GRID))
        body.append(_text(x, bottom + 16, f"{tick:g}x", size=11, fill=FAINT, anchor="middle"))
    y = top
    for heading, group in chart.groups:
        if heading:
            body.append(_text(16, y + 17, heading, size=13, weight="bold"))
            y += GROUP_HEIGHT
        for bar in group:
            body.extend(_bar(bar, y, plot_x, x_of))
            y += ROW_HEIGHT
    one = x_of(1.0)
    body.append(
        f'<line class="basis" x1="{one:.1f}" y1="{top - 8}" x2="{one:.1f}" y2="{bottom}" '
        f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    body.append(_text(one + 4, top - 12, f"1.0x = {chart.basis}", size=11, fill=INK))
    body.append(_text(16, height - 14, chart.caption, size=11, fill=FAINT))
    label = escape(chart.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label={quoteattr(chart.title)} '
        f'font-family="{FONT}">\n<title>{label}</title>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _bar(bar: Bar, y: float, plot_x: float, x_of: Callable[[float], float]) -> list[str]:
    """The label, bar, whisker and value of one row whose top is ``y``."""
    colour = OURS if bar.ours else OTHERS
    middle = y + ROW_HEIGHT / 2
    summary = bar.summary
    low, high = x_of(summary.low), x_of(summary.high)
    weight = "bold" if bar.ours else "normal"
    tooltip = f"{bar.label}: {bar.value_text()}, rounds {summary.low:.2f}-{summary.high:.2f}x"
    drawn = [
        _text(LABEL_WIDTH, middle + 4, bar.label, size=12, anchor="end", weight=weight),
        f'<rect class="bar" x="{plot_x}" y="{middle - BAR_HEIGHT / 2:.1f}" '
        f'width="{x_of(summary.median) - plot_x:.1f}" height="{BAR_HEIGHT}" '
        f'fill="{colour}"><title>{escape(tooltip)}</title></rect>',
        _line(low, middle, high, middle, INK),
        _line(low, middle - 4, low, middle + 4, INK),
        _text(plot_x + PLOT_WIDTH + 12, middle + 4, bar.value_text(), size=12, weight=weight),
    ]
    if high < plot_x + PLOT_WIDTH:
        drawn.append(_line(high, middle - 4, high, middle + 4, INK))
    else:  # clipped at the axis's end
        drawn.append(
            f'<path class="clipped" d="M{high - 6:.1f},{middle - 4:.1f} L{high:.1f},{middle:.1f} '
            f'L{high - 6:.1f},{middle + 4:.1f}" fill="none" stroke="{INK}"/>'
        )
    return drawn


def _scale(largest: float) -> tuple[float, float]:
    """The axis's end and tick step: a round number a little past ``largest``."""
    step = 0.25 if largest <= 1.6 else 0.5 if largest <= 4 else 1.0
    return math.ceil(largest * 1.02 / step) * step, step


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int,
    fill: str = INK,
    anchor: str = "start",
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'


def headline_charts(
    per_call: Mapping[str, RatioSummary],
    imports: Mapping[str, RatioSummary],
    rows: Sequence[Row],
    sdk_import_label: str,
    caption: str,
) -> list[Chart]:
    """
    Build the headline charts from the figures the harness has measured.

    A chart is left out when a figure it needs is missing (a suite not run, or no
    ``--comparison-python``), so that a partial run never overwrites a chart with less.

    Args:
        per_call: This SDK's per-call summaries, keyed ``"<call> | <transport>"``.
        imports: Cold-import summaries by statement.
        rows: The comparison worker's rows (velerian-sdk 0.1.2, openai).
        sdk_import_label: The statement that imports this SDK.
        caption: Which run the figures come from.

    Returns:
        The per-call chart and the cold-import chart, each when its figures exist.
    """
    charts: list[Chart] = []
    groups: list[tuple[str, Sequence[Bar]]] = []
    transports = (("in-process", "In-process transport"), ("loopback", "Loopback socket"))
    for transport, heading in transports:
        ours = [
            Bar(f"velerian-sdk (this tree), {short}", per_call[key], ours=True)
            for short, call in (("GET", "sync GET abp"), ("invoke", "sync invoke"))
            if (key := f"{call} | {transport}") in per_call
        ]
        theirs = [
            Bar(f"{row['client']}, {_short_call(str(row['call']))}", _row_summary(row))
            for row in rows
            if row["transport"] == transport
        ]
        if len(ours) == 2 and theirs:
            groups.append((heading, ours + theirs))
    if len(groups) == 2:
        charts.append(
            Chart("per-call", "Per call, sync, against raw httpx", "raw httpx", groups, caption)
        )
    import_bars = [
        (sdk_import_label, "velerian-sdk (this tree)", True),
        (FLOOR_LABEL, "one pydantic model class (the floor)", False),
        (LEGACY_IMPORT, "velerian-sdk 0.1.2", False),
        (OPENAI_IMPORT, "openai", False),
    ]
    basis = imports.get(BASIS)
    if basis is not None and all(statement in imports for statement, _, _ in import_bars):
        bars = [
            Bar(label, imports[statement], unit="ms", ours=ours)
            for statement, label, ours in import_bars
        ]
        charts.append(
            Chart(
                "cold-import",
                "Cold import, fresh interpreter each time",
                f"httpx + pydantic ({basis.per_op_us / 1000:.0f} ms)",
                [("", bars)],
                caption,
            )
        )
    return charts


def _short_call(call: str) -> str:
    return {"sync GET abp": "GET", "sync invoke": "invoke"}.get(call, call.removeprefix("sync "))


def _row_summary(row: Row) -> RatioSummary:
    return RatioSummary(
        low=float(row["low"]),
        median=float(row["median"]),
        high=float(row["high"]),
        per_op_us=float(row["client_us"]),
    )


def write_charts(charts: Sequence[Chart], directory: Path) -> list[Path]:
    """
    Write each chart to ``directory/<name>.svg``.

    Args:
        charts: The charts.
        directory: Created if missing.

    Returns:
        The files written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for chart in charts:
        path = directory / f"{chart.name}.svg"
        path.write_text(render_svg(chart), encoding="utf-8")
        written.append(path)
    return written
