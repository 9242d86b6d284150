"""The benchmark harness draws the performance page's charts from its own figures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from benchmarks.__main__ import main
from benchmarks.charts import Bar, Chart, headline_charts, render_svg, write_charts
from benchmarks.cold_import import BASIS, FLOOR_LABEL
from benchmarks.comparison import LEGACY_IMPORT, OPENAI_IMPORT, Row
from benchmarks.measure import RatioSummary

SVG = "{http://www.w3.org/2000/svg}"
SDK_IMPORT = "from velerian_sdk import VelerianClient, AsyncVelerianClient, InvokeResult"


def ratio(median: float, per_op_us: float = 200.0) -> RatioSummary:
    return RatioSummary(low=median * 0.9, median=median, high=median * 1.1, per_op_us=per_op_us)


def per_call() -> dict[str, RatioSummary]:
    return {
        "sync GET abp | in-process": ratio(0.85),
        "sync invoke | in-process": ratio(0.94),
        "sync GET abp | loopback": ratio(0.93),
        "sync invoke | loopback": ratio(0.97),
    }


def imports() -> dict[str, RatioSummary]:
    return {
        BASIS: ratio(1.0, 161_000),
        SDK_IMPORT: ratio(1.22, 183_000),
        FLOOR_LABEL: ratio(1.24, 202_000),
        LEGACY_IMPORT: ratio(0.57, 103_000),
        OPENAI_IMPORT: ratio(3.90, 591_000),
    }


def rows() -> list[Row]:
    found: list[Row] = []
    for transport, openai in (("in-process", 4.20), ("loopback", 2.49)):
        for call, median in (("sync GET abp", 0.94), ("sync invoke", 0.96)):
            found.append(row("velerian-sdk 0.1.2", call, transport, median))
        found.append(row("openai 3.57.0", "sync chat completion", transport, openai))
    return found


def row(client: str, call: str, transport: str, median: float) -> Row:
    return {
        "client": client,
        "call": call,
        "transport": transport,
        "raw_us": 200.0,
        "client_us": 200.0 * median,
        "low": median - 0.05,
        "median": median,
        "high": median + 0.05,
    }


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [text.text or "" for text in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_the_headline_figures_become_a_per_call_and_a_cold_import_chart() -> None:
    charts = headline_charts(per_call(), imports(), rows(), SDK_IMPORT, "size full")
    assert [chart.name for chart in charts] == ["per-call", "cold-import"]
    per_call_svg = parse(render_svg(charts[0]))
    labels = texts(per_call_svg)
    for label in (
        "In-process transport",
        "Loopback socket",
        "velerian-sdk (this tree), GET",
        "velerian-sdk (this tree), invoke",
        "velerian-sdk 0.1.2, GET",
        "velerian-sdk 0.1.2, invoke",
        "openai 3.57.0, chat completion",
        "0.85x (200 us)",
        "4.20x (840 us)",
        "1.0x = raw httpx",
        "size full",
    ):
        assert label in labels
    assert len(bars(per_call_svg)) == 10
    import_svg = parse(render_svg(charts[1]))
    assert "1.0x = httpx + pydantic (161 ms)" in texts(import_svg)
    assert "1.22x (183 ms)" in texts(import_svg)
    assert "3.90x (591 ms)" in texts(import_svg)
    assert len(bars(import_svg)) == 4


def test_bar_lengths_are_to_scale_and_a_ratio_of_one_reaches_the_basis_line() -> None:
    chart = Chart(
        "known",
        "Known figures",
        "raw httpx",
        [("group", [Bar("half", ratio(0.5)), Bar("same", ratio(1.0)), Bar("double", ratio(2.0))])],
        "a test",
    )
    root = parse(render_svg(chart))
    widths = [float(rect.get("width", "nan")) for rect in bars(root)]
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.2)
    assert widths[2] == pytest.approx(4 * widths[0], abs=0.2)
    basis = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "basis")
    same = bars(root)[1]
    end = float(same.get("x", "nan")) + float(same.get("width", "nan"))
    assert float(basis.get("x1", "nan")) == pytest.approx(end, abs=0.2)
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Known figures"


def test_a_whisker_past_the_axis_is_cut_off_with_an_arrowhead() -> None:
    noisy = RatioSummary(low=0.9, median=1.0, high=9.0, per_op_us=1.0)
    chart = Chart(
        "x", "Noisy", "raw httpx", [("", [Bar("noisy", noisy), Bar("calm", ratio(1.2))])], ""
    )
    root = parse(render_svg(chart))
    clipped = [path for path in root.iter(f"{SVG}path") if path.get("class") == "clipped"]
    assert len(clipped) == 1
    ends = [float(line.get("x2", "nan")) for line in root.iter(f"{SVG}line")]
    assert max(ends) < 280 + 360 + 1  # nothing is drawn past the plot
    assert "rounds 0.90-9.00x" in (bars(root)[0].findtext(f"{SVG}title") or "")


def test_text_is_escaped() -> None:
    chart = Chart("x", "a < b & c", "raw <httpx>", [("", [Bar('"quoted" & <b>', ratio(1.0))])], "")
    root = parse(render_svg(chart))
    assert '"quoted" & <b>' in texts(root)
    assert root.get("aria-label") == "a < b & c"


@pytest.mark.parametrize("missing", ["rows", "per_call", "imports", "comparison imports"])
def test_a_chart_without_all_its_figures_is_not_drawn(missing: str) -> None:
    calls, imported, compared = per_call(), imports(), rows()
    if missing == "rows":
        compared = []
    elif missing == "per_call":
        del calls["sync invoke | loopback"]
    elif missing == "imports":
        imported = {}
    else:
        del imported[OPENAI_IMPORT]
    names = [chart.name for chart in headline_charts(calls, imported, compared, SDK_IMPORT, "")]
    expected = {"rows": ["cold-import"], "per_call": ["cold-import"]}.get(missing, ["per-call"])
    assert names == expected


def test_write_charts_writes_one_svg_file_per_chart(tmp_path: Path) -> None:
    charts = headline_charts(per_call(), imports(), rows(), SDK_IMPORT, "")
    written = write_charts(charts, tmp_path / "charts")
    assert [path.name for path in written] == ["per-call.svg", "cold-import.svg"]
    for path in written:
        parse(path.read_text(encoding="utf-8"))


def test_the_harness_offers_the_charts_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "--charts CHARTS" in capsys.readouterr().out
