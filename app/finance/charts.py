"""Server-side SVG line charts (no JavaScript, no inline styles: CSP-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass
class Line:
    name: str
    points: str  # "x,y x,y …" for <polyline points>
    total: int


@dataclass
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]  # (y position, amount in minor units)
    x_ticks: list[tuple[float, str]]  # (x position, label)
    baseline: float


def line_chart(days: list[date], series: dict[str, list[int]], names: tuple[str, ...]) -> Chart:
    """One polyline per series over the days, scaled to the largest value."""
    peak = max([1, *(v for name in names for v in series.get(name, []))])
    low = min([0, *(v for name in names for v in series.get(name, []))])
    span = peak - low or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - (value - low) / span * plot_h, 1)

    lines = []
    for name in names:
        values = series.get(name, [0] * len(days))
        points = " ".join(f"{round(LEFT + i * step, 1)},{y(v)}" for i, v in enumerate(values))
        lines.append(Line(name, points, sum(values)))
    y_ticks = [(y(low + span * k // 4), low + span * k // 4) for k in range(5)]
    every = max(len(days) // 6, 1)
    x_ticks = [
        (round(LEFT + i * step, 1), d.strftime("%m-%d"))
        for i, d in enumerate(days)
        if i % every == 0
    ]
    return Chart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, y(0))
