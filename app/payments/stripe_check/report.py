"""The side-by-side text `make stripe-check` prints: per scenario, what Stripe answered beside
what the emulator answered, rows that differ marked with ≠, and a verdict that never passes
silently for a side that did not run."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from app.payments.stripe_check.harness import Outcome
from app.payments.stripe_check.scenarios import SCENARIOS
from app.payments.stripe_check.targets import EMULATOR, STRIPE

SIDES = (STRIPE, EMULATOR)
TITLES = {STRIPE: "Stripe", EMULATOR: "the emulator"}
WIDTH = 36  # a value column; longer values wrap


@dataclass
class Side:
    """One column: what ran there, or why nothing did."""

    name: str
    description: str = ""
    not_run: str | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        return self.not_run is None

    @property
    def failed(self) -> list[str]:
        return [name for name, out in self.outcomes.items() if not out.passed]


def render(sides: dict[str, Side], *, currency: str, run_id: str) -> str:
    lines = ["stripe-check: the money scenarios on Stripe's test mode and on the built-in emulator"]
    lines += [f"  {name:9} {_side_line(sides[name])}" for name in SIDES]
    lines.append(f"  currency  {currency}; objects carry metadata stripe_check={run_id}")
    labels = [
        label for side in sides.values() for out in side.outcomes.values() for label in out.facts
    ]
    width = max([len("events"), *map(len, labels)])
    for index, scenario in enumerate(SCENARIOS, 1):
        lines += ["", f"[{index}/{len(SCENARIOS)}] {scenario.name}: {scenario.title}"]
        outcomes = [sides[name].outcomes.get(scenario.name) for name in SIDES]
        lines += _table(outcomes, sides, width)
    return "\n".join([*lines, "", *summary(sides)])


def _side_line(side: Side) -> str:
    if side.ran:
        return side.description
    return f"NOT RUN: {side.not_run}"


def _table(outcomes: list[Outcome | None], sides: dict[str, Side], width: int) -> list[str]:
    # Differences are marked only where both sides got as far as answering.
    both = all(out is not None and not (out.error or out.skipped) for out in outcomes)
    labels = list(dict.fromkeys(label for out in outcomes if out for label in out.facts))
    rows = [(label, [_fact(out, label) for out in outcomes]) for label in labels]
    rows.append(("events", [out.events if out else None for out in outcomes]))
    rows.append(("result", [_verdict(out) if out else None for out in outcomes]))
    header = f"    {'':{width}} " + " ".join(f"{name:{WIDTH}}" for name in SIDES)
    lines = [header.rstrip()]
    for label, cells in rows:
        differs = both and label != "result" and cells[0] != cells[1]
        lines += _row(label, cells, "≠" if differs else " ", sides, width)
    return lines


def _fact(out: Outcome | None, label: str) -> Any:
    if out is None:
        return None
    return out.facts.get(label, "—")


def _row(label: str, cells: list[Any], mark: str, sides: dict[str, Side], width: int) -> list[str]:
    columns = [
        _lines(cell) if sides[name].ran else ["(not run)"]
        for name, cell in zip(SIDES, cells, strict=True)
    ]
    lines = []
    for index, parts in enumerate(zip_longest(*columns, fillvalue="")):
        head = f"  {mark} {label:{width}}" if index == 0 else f"    {'':{width}}"
        lines.append((head + " " + " ".join(f"{part:{WIDTH}}" for part in parts)).rstrip())
    return lines


def _lines(value: Any) -> list[str]:
    """A cell as lines no wider than its column: one per list item, long text wrapped."""
    items = value if isinstance(value, list) else [value]
    lines = [part for item in items for part in textwrap.wrap(_cell(item), WIDTH) or [""]]
    return lines or ["(none)"]


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _verdict(out: Outcome) -> list[str]:
    if out.skipped:
        return [f"skipped: {out.skipped}"]
    if out.error:
        return [f"ERROR: {out.error}"]
    if out.problems:
        return [f"FAILED: {problem}" for problem in out.problems]
    return ["ok"]


def summary(sides: dict[str, Side]) -> list[str]:
    lines = ["summary"]
    for name in SIDES:
        side = sides[name]
        if not side.ran:
            lines.append(f"  {name:9} NOT RUN: nothing was checked against {TITLES[name]}.")
            continue
        passed = len(side.outcomes) - len(side.failed)
        verdict = f"{passed} of {len(side.outcomes)} scenarios ok"
        if side.failed:
            verdict += "; not ok: " + ", ".join(side.failed)
        lines.append(f"  {name:9} {verdict}")
    return lines


def exit_code(sides: dict[str, Side]) -> int:
    """1 when a scenario failed on a side that ran, else 0 (a side not run is reported, not
    counted as passed: the text says so)."""
    return 1 if any(side.ran and side.failed for side in sides.values()) else 0
