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
ENGAGEMENT_LINES = (
    ("likes", _l("Likes"), "#db2777"),
    ("saves", _l("Saves"), "#d97706"),
    ("comments", _l("Comments"), "#7c3aed"),
    ("follows", _l("Follows gained"), "#0891b2"),
    ("bought", _l("Bought it"), "#16a34a"),
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


def series_chart(series: list[dict], granularity: str, lines=LINES) -> Chart:
    """Views, clicks and conversions (or the engagement ``lines``) over the buckets, on one
    scale; net engagement can dip below zero, so the scale starts at the lowest value."""
    values = [row[key] for row in series for key, _label, _c in lines]
    peak, low = max([1, *values]), min([0, *values])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(series) - 1, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - (value - low) / (peak - low) * plot_h, 1)

    built = [
        Line(
            key,
            str(label),
            colour,
            " ".join(f"{round(LEFT + i * step, 1)},{y(row[key])}" for i, row in enumerate(series)),
            sum(row[key] for row in series),
        )
        for key, label, colour in lines
    ]
    fmt = "%m-%d %H:00" if granularity == "hour" else "%m-%d"
    every = max(len(series) // 6, 1)
    x_ticks = [
        (round(LEFT + i * step, 1), row["at"].strftime(fmt))
        for i, row in enumerate(series)
        if i % every == 0
    ]
    ticks = [low + (peak - low) * k // 4 for k in range(5)]
    y_ticks = [(y(v), v) for v in ticks]
    empty = not any(values)
    return Chart(WIDTH, HEIGHT, built, y_ticks, x_ticks, y(0), empty)
