"""A sparkline: a day series drawn as an inline SVG polyline (no script, CSP-safe), for the
small charts beside a workbench's figures. The full analytics chart is analytics/charts.py."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 120, 32, 2


@dataclass(frozen=True)
class Sparkline:
    points: str  # "x,y x,y …" in a WIDTH × HEIGHT box
    total: int
    peak: int
    empty: bool
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(values: list[int]) -> Sparkline:
    """The values left to right, scaled so the highest touches the top (a flat line at the
    bottom when all are zero)."""
    values = values or [0]
    peak = max(max(values), 1)
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    plot = HEIGHT - 2 * PAD
    points = " ".join(
        f"{round(PAD + i * step, 1)},{round(PAD + plot - v / peak * plot, 1)}"
        for i, v in enumerate(values)
    )
    return Sparkline(points, sum(values), max(values), not any(values))
