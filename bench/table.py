"""bench/results.json as the README's Markdown table: `python bench/table.py`."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> None:
    data = json.loads(RESULTS.read_text())
    print(f"{data['when_utc']} UTC, {data['seconds']} s; {data['setup']}\n")
    print("| figure | value | p50 / p99 (ms) | target | |")
    print("|---|---|---|---|---|")
    for row in data["figures"]:
        value = row["value"]
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        latency = ""
        if row.get("p50_ms") is not None and row.get("p99_ms") is not None:
            latency = f"{row['p50_ms']:.1f} / {row['p99_ms']:.1f}"
        verdict = {True: "PASS", False: "**FAIL**", None: ""}[row["pass"]]
        print(f"| {row['name']} | {shown}{row['unit']} | {latency} | {row['target'] or ''} "
              f"| {verdict} |")  # fmt: skip


if __name__ == "__main__":
    main()
