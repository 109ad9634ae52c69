"""A server-side SVG line chart for the analytics time series (no script, CSP-safe)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
LINES = (
    ("views", _l("Views"), "#2563eb"),
    ("clicks", _l("Clicks"), "#16a34a"),
    ("conversions", _l("Conversions"), "#dc2626"),
)


@dataclass
class Line:
    key: str
    label: str
    colour: str
    points: str
    total: int


@dataclass
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    baseline: float
    empty: bool


def series_chart(series: list[dict], granularity: str) -> Chart:
    """Views, clicks and conversions over the buckets, on one scale."""
    peak = max([1, *(row[key] for row in series for key, _label, _c in LINES)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(series) - 1, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - value / peak * plot_h, 1)

    lines = [
        Line(
            key,
            str(label),
            colour,
            " ".join(f"{round(LEFT + i * step, 1)},{y(row[key])}" for i, row in enumerate(series)),
            sum(row[key] for row in series),
        )
        for key, label, colour in LINES
    ]
    fmt = "%m-%d %H:00" if granularity == "hour" else "%m-%d"
    every = max(len(series) // 6, 1)
    x_ticks = [
        (round(LEFT + i * step, 1), row["at"].strftime(fmt))
        for i, row in enumerate(series)
        if i % every == 0
    ]
    y_ticks = [(y(peak * k // 4), peak * k // 4) for k in range(5)]
    empty = all(line.total == 0 for line in lines)
    return Chart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, y(0), empty)
