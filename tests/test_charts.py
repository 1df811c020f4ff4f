"""Server-side SVG charts: valid SVG, bars and points where the values put them, labels escaped,
gaps for missing figures, and Chinese text that survives into a WeasyPrint PDF."""

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from markupsafe import Markup
from weasyprint import HTML

from app.domain.rates import format_percent, rate
from reports.charts import bar_chart, line_chart
from tests.reports.pdf import fonts, text

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    return ET.fromstring(str(chart))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_rates_round_half_up_to_four_places_and_show_one_decimal():
    assert rate(D("1"), D("3")) == D("0.3333")
    assert rate(D("1"), D("8")) == D("0.1250")
    assert rate(D("0.00005"), D("1")) == D("0.0001")  # half-up, not half-even
    assert rate(D("5"), D("0")) is None and rate(D("0"), D("-1")) is None
    assert format_percent(D("0.8125")) == "81.3%"
    assert format_percent(D("0.0005")) == "0.1%"
    assert format_percent(None) == "—"


def test_vertical_bars_scale_to_the_axis():
    root = parse(bar_chart(["一月", "二月", "三月"], [D("0.5"), D("1"), D("0.25")], title="收缴率"))
    heights = [float(b.get("height")) for b in bars(root)]
    # rates are drawn on a 0–100 % scale: heights in proportion 0.5 : 1 : 0.25
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[1] == pytest.approx(4 * heights[2], abs=0.2)
    tops = [float(b.get("y")) + float(b.get("height")) for b in bars(root)]
    assert len(set(tops)) == 1  # all bars stand on the same base line
    assert {"收缴率", "一月", "50.0%", "100.0%", "25.0%", "0%", "100%"} <= set(texts(root))


def test_amounts_get_a_round_axis_and_thousands_separators():
    root = parse(bar_chart(["1-30", "31-90"], [D("1203.75"), D("400")], unit="¥"))
    assert "1,203.75" in texts(root) and "400.00" in texts(root)
    assert "1,500" in texts(root)  # 1,203.75 -> steps of 500, top 1,500
    high, low = (float(b.get("height")) for b in bars(root))
    assert high / low == pytest.approx(1203.75 / 400, rel=1e-3)


def test_counts_tick_in_whole_numbers():
    root = parse(bar_chart(["保洁", "安保"], [3, 1], unit=""))
    assert {"0", "1", "2", "3"} <= set(texts(root))
    assert not any("." in t for t in texts(root) if t and t[0].isdigit())


def test_a_missing_value_draws_no_bar():
    root = parse(bar_chart(["一月", "二月"], [None, D("0.5")]))
    assert len(bars(root)) == 1 and "一月" in texts(root)


def test_horizontal_bars_grow_downwards_with_the_labels():
    labels = ["物业服务收费透明度", "保洁", "绿化"]
    root = parse(bar_chart(labels, [D("0.9"), D("0.45"), None], horizontal=True))
    widths = [float(b.get("width")) for b in bars(root)]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2)  # 0.1 px rounding
    assert int(root.get("height")) > int(
        parse(bar_chart(labels[:1], [1], horizontal=True)).get("height")
    )


def test_labels_titles_and_series_names_are_escaped():
    evil = '<script>alert("x")</script>'
    for chart in (
        bar_chart([evil], [1], title=evil, unit=""),
        bar_chart([evil], [1], horizontal=True),
        line_chart([evil, "b"], {evil: [D("0.1"), D("0.2")], "ok": [None, D("0.3")]}),
    ):
        root = parse(chart)
        assert not list(root.iter(f"{SVG}script")) and "<script>" not in str(chart)
        assert evil in texts(root)


def test_no_figures_says_so():
    for chart in (bar_chart([], []), line_chart(["一月"], {"收缴率": [None]})):
        assert "No data" in texts(parse(chart))


def test_wrong_lengths_and_negative_values_are_refused():
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        bar_chart(["a", "b"], [1])
    with pytest.raises(ValueError, match="negative"):
        bar_chart(["a"], [-1])
    with pytest.raises(ValueError, match="in 'x'"):
        line_chart(["a"], {"x": [1, 2]})


def test_a_line_breaks_at_a_gap_and_points_sit_at_their_values():
    root = parse(
        line_chart(
            ["1", "2", "3", "4", "5"], {"当月": [D("0.2"), D("0.4"), None, D("0.8"), D("1")]}
        )
    )
    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(p.get("points").split()) for p in lines] == [2, 2]  # 0.2-0.4, then 0.8-1
    grid = [float(g.get("y1")) for g in root.iter(f"{SVG}line")]
    zero, hundred = grid[0], grid[-1]  # the 0 % and 100 % grid lines
    heights = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    expected = [zero - v * (zero - hundred) for v in (0.2, 0.4, 0.8, 1.0)]
    assert heights == pytest.approx(expected, abs=0.1)
    assert {"20.0%", "40.0%", "80.0%", "100.0%"} <= set(texts(root))  # one series: every value


def test_several_series_get_a_legend_and_their_last_value():
    root = parse(
        line_chart(["一月", "二月"], {"月末": [D("0.6"), D("0.7")], "至今": [D("0.9"), None]})
    )
    assert {"月末", "至今", "70.0%", "90.0%"} <= set(texts(root))
    assert "60.0%" not in texts(root)
    colors = {p.get("stroke") for p in root.iter(f"{SVG}polyline")}
    assert len(colors) == 1  # "至今" has a single point: a dot, no line
    assert len({c.get("fill") for c in root.iter(f"{SVG}circle")}) == 2


def test_chinese_labels_render_into_a_pdf():
    chart = bar_chart(["保洁", "安保"], [D("0.5"), D("0.75")], title="满意度")
    pdf = HTML(string=f'<html lang="zh-CN"><body>{chart}</body></html>').write_pdf()
    content = text(pdf)
    assert "满意度" in content and "保洁" in content and "75.0%" in content
    assert fonts(pdf) and all(f["embedded"] for f in fonts(pdf))
