"""Charts as inline SVG, drawn on the server: the same markup serves a screen and a WeasyPrint
PDF, with no JavaScript and no CDN (the product runs offline; docs/security.md, CSP).

Pure functions returning ``Markup``. Values are ``Decimal``, ``int`` or None (no figure: no bar,
a gap in a line). ``unit`` says how values read: ``"%"`` — rates as fractions (0.8125), shown
as "81.3%" on a 0–100 % scale; ``"¥"`` — amounts with thousands separators; ``""`` — counts or
scores. Every label is escaped. Text uses the CJK fonts the PDF stylesheet names, so Chinese
labels render in screens and PDFs alike.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.domain.money import format_money
from app.domain.rates import format_percent

FONT = "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif"
COLORS = ("#2f6fb0", "#e08a2c", "#3a9a5b", "#c0392b", "#7d5ba6", "#8c8c8c")
INK, GRID, MUTED = "#222", "#d9d9d9", "#666"
FONT_SIZE = 11

Number = Decimal | int | None


def _value_text(unit: str) -> Callable[[Number], str]:
    if unit == "%":
        return format_percent
    if unit == "¥":
        return format_money
    return lambda v: "" if v is None else f"{Decimal(v).normalize():f}"


def _tick_text(unit: str, value: float) -> str:
    if unit == "%":
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:g}"


def _scale(values: Sequence[Number], unit: str, top: Number) -> tuple[float, float]:
    """The axis top and tick step: a 0–100 % scale for rates (wider only if a rate exceeds
    1), otherwise the smallest round step (1, 2, 2.5, 5 × 10ⁿ) giving at most 4 ticks."""
    peak = max((float(v) for v in values if v is not None), default=0.0)
    if top is not None:
        peak = float(top)
    elif unit == "%":
        peak = max(peak, 1.0)
    if peak <= 0:  # nothing but zeros: a plain axis
        return (1.0, 0.25) if unit == "%" else (4.0, 1.0)
    power = 10 ** math.floor(math.log10(peak / 4))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power * 4 >= peak)
    if unit != "%":
        step = max(step, 1.0) if all(v is None or v == int(v) for v in values) else step
    return math.ceil(peak / step - 1e-9) * step, step


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rough width in px: CJK characters are square, Latin ones about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else 0.6 * size for ch in text)


def _text(x: float, y: float, content, anchor: str = "middle", **style) -> str:
    """A ``<text>`` at (x, y), its content escaped; ``style`` as attributes (``font_size=9``)."""
    attrs = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in style.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{attrs}>{escape(content)}</text>'


def _bar(x: float, y: float, width: float, height: float, color: str) -> str:
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{color}"/>'
    )


def _svg(width: int, height: int, title, body: list[str]) -> Markup:
    name = escape(title or "")
    heading = _text(width / 2, 16, title, font_size=13, font_weight="bold") if title else ""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}" fill="{INK}" style="max-width:100%">'
        f"<title>{name}</title>{heading}{''.join(body)}</svg>"
    )


def _empty(width: int, height: int, title) -> Markup:
    return _svg(
        width,
        height,
        title,
        [_text(width / 2, height / 2, _l("No data"), fill=MUTED)],
    )


def _no_figures(labels: Sequence, *value_lists: Sequence[Number]) -> bool:
    return not labels or all(v is None for values in value_lists for v in values)


def _checked(labels: Sequence, values: Sequence[Number], name="values") -> None:
    if len(values) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(values)} {name}")
    if any(v is not None and v < 0 for v in values):
        raise ValueError("charts draw values from zero: negative values are not supported")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title=None,
    unit: str = "%",
    horizontal: bool = False,
    top: Number = None,
    width: int = 640,
    height: int = 260,
    color: str = COLORS[0],
    value_text: Callable[[Number], str] | None = None,
) -> Markup:
    """One bar per label with its value written on it; ``horizontal`` lays the bars out in
    rows with the labels on the left (long Chinese labels), and the height follows the rows.

    :param top: the axis maximum (a 1–5 score: 5); by default a round number above the peak.
    :param value_text: how to write a value (by default from ``unit``).
    """
    _checked(labels, values)
    if horizontal:
        height = (28 if title else 8) + 26 * len(labels) + 24
    if _no_figures(labels, values):
        return _empty(width, max(height, 60), title)
    text = value_text or _value_text(unit)
    axis_top, step = _scale(values, unit, top)
    draw = _horizontal_bars if horizontal else _vertical_bars
    return _svg(
        width,
        height,
        title,
        draw(labels, values, text, unit, axis_top, step, width, height, title, color),
    )


def _vertical_bars(labels, values, text, unit, axis_top, step, width, height, title, color):
    top, left, right, bottom = (30 if title else 12), 48, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _grid_lines(unit, axis_top, step, left, top, plot_w, plot_h)
    slot = plot_w / len(labels)
    bar_w = min(slot * 0.6, 56)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        middle = left + slot * (i + 0.5)
        body.append(_text(middle, height - bottom + 16, label))
        if value is None:
            continue
        bar_h = float(value) / axis_top * plot_h
        y = top + plot_h - bar_h
        body += [
            _bar(middle - bar_w / 2, y, bar_w, bar_h, color),
            _text(middle, y - 4, text(value)),
        ]
    return body


def _horizontal_bars(labels, values, text, unit, axis_top, step, width, height, title, color):
    top, row = (28 if title else 8), 26
    left = min(max(_text_width(str(label)) for label in labels) + 12, width * 0.4)
    plot_w = width - left - 72  # room for the value written after the longest bar
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row * i
        body.append(_text(left - 6, y + row / 2 + 4, label, "end"))
        if value is None:
            continue
        bar_w = float(value) / axis_top * plot_w
        body += [
            _bar(left, y + 4, bar_w, row - 8, color),
            _text(left + bar_w + 4, y + row / 2 + 4, text(value), "start"),
        ]
    axis_y = top + row * len(labels)
    body.append(
        f'<line x1="{left:.1f}" y1="{top}" x2="{left:.1f}" y2="{axis_y}" stroke="{MUTED}"/>'
    )
    for n in range(round(axis_top / step) + 1):
        x = left + plot_w * n * step / axis_top
        body.append(_text(x, axis_y + 14, _tick_text(unit, n * step), font_size=9, fill=MUTED))
    return body


def _grid_lines(unit, axis_top, step, left, top, plot_w, plot_h) -> list[str]:
    lines = []
    for n in range(round(axis_top / step) + 1):
        y = top + plot_h - plot_h * n * step / axis_top
        lines.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{MUTED if n == 0 else GRID}"/>'
            + _text(left - 4, y + 3, _tick_text(unit, n * step), "end", font_size=9, fill=MUTED)
        )
    return lines


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    *,
    title=None,
    unit: str = "%",
    top: Number = None,
    width: int = 640,
    height: int = 260,
    value_text: Callable[[Number], str] | None = None,
) -> Markup:
    """One line per series over the labels (months, say), with a legend when there are
    several. A None value leaves a gap. A single series has every point's value written on
    it; several have only their last value written, to stay legible."""
    for name, values in series.items():
        _checked(labels, values, f"values in {name!r}")
    if _no_figures(labels, *series.values()):
        return _empty(width, height, title)
    text = value_text or _value_text(unit)
    axis_top, step = _scale([v for vs in series.values() for v in vs], unit, top)
    top_y = (30 if title else 12) + (16 if len(series) > 1 else 0)
    left, right, bottom = 48, 52, 34
    plot_w, plot_h = width - left - right, height - top_y - bottom
    body = _grid_lines(unit, axis_top, step, left, top_y, plot_w, plot_h)
    slot = plot_w / len(labels)
    every = math.ceil(len(labels) / 12)  # at most 12 labels under the axis
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(_text(left + slot * (i + 0.5), height - bottom + 16, label))
    for n, (name, values) in enumerate(series.items()):
        color = COLORS[n % len(COLORS)]
        points = [
            None
            if v is None
            else (left + slot * (i + 0.5), top_y + plot_h * (1 - float(v) / axis_top))
            for i, v in enumerate(values)
        ]
        body += _polylines(points, color)
        shown = [i for i, v in enumerate(values) if v is not None]
        for i in shown if len(series) == 1 else shown[-1:]:
            x, y = points[i]
            body.append(_text(x, y - 7, text(values[i]), font_size=10, fill=color))
        if len(series) > 1:
            body.append(_legend_entry(name, color, left + 130 * n, top_y - 14))
    return _svg(width, height, title, body)


def _polylines(points: list, color: str) -> list[str]:
    """A polyline per run of consecutive points, and a dot at every point."""
    body, run = [], []
    for point in [*points, None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) > 1:
            coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            body.append(
                f'<polyline class="line" points="{coordinates}" fill="none" stroke="{color}" '
                f'stroke-width="2"/>'
            )
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in run]
        run = []
    return body


def _legend_entry(name: str, color: str, x: float, y: float) -> str:
    return f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="10" height="10" fill="{color}"/>' + _text(
        x + 14, y + 1, name, "start", font_size=10
    )
