"""Load with wrk (bounded in time), results as numbers: one run, and alternating rounds."""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
WRK = os.environ.get("BENCH_WRK", "/usr/bin/wrk")


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    duration_s: float
    statuses: dict[str, int] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0

    @property
    def server_errors(self) -> int:
        return sum(v for k, v in self.statuses.items() if k.startswith("5"))

    @property
    def refused(self) -> int:
        """4xx answers: a page that answers 429 or 404 quickly is not a page measured."""
        return sum(v for k, v in self.statuses.items() if k.startswith("4"))


def _script(name: str | None) -> str:
    parts = [(LUA / "common.lua").read_text()]
    if name:
        parts.append((LUA / name).read_text())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, prefix="bench-") as f:
        f.write("\n".join(parts))
    return f.name


def wrk(
    base: str,
    path: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 10,
    stop_when: Callable[[], bool] | None = None,
) -> Run:
    """One wrk run against base+path for ``seconds`` (wrk stops itself; we wait a bit more).
    wrk always runs its full -d, even when every thread stopped early: with ``stop_when`` it is
    interrupted (SIGINT: it still reports) as soon as that returns True (polled every 50 ms)."""
    lua = _script(script)
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           f"--timeout={int(timeout)}s", "-s", lua]  # fmt: skip
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    cmd.append(base + path)
    try:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, our own wrk
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "BENCH_THREADS": str(threads), **(env or {})},
        )
        while stop_when is not None and proc.poll() is None:
            if stop_when():
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
        try:
            stdout, stderr = proc.communicate(timeout=seconds + timeout + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    finally:
        os.unlink(lua)
    line = next((x for x in stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed on {path}: {stdout[-500:]} {stderr[-500:]}")
    data = json.loads(line[len("BENCHJSON ") :])
    duration = data["duration_us"] / 1e6
    errors = data["errors"]
    return Run(
        rps=data["requests"] / duration if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        duration_s=duration,
        statuses=data["statuses"],
        marks=data["marks"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    )


@dataclass
class Comparison:
    ratio: float  # median over rounds of target rps / the hello rps either side of it
    p99_ratio: float  # median over rounds of target p99 / the hello p99 either side of it
    target: Run  # the round with the median throughput ratio
    hello: Run  # the hello round before it
    hello_after: Run  # … and after it
    rounds: list[tuple[float, float]]
    bad_statuses: int


def alternate(base, hello: dict, target: dict, *, rounds: int, seconds: float, connections: int):
    """hello, target, hello, target, …, hello: each target round is compared with the mean of
    the hello rounds either side of it, so a drift in the machine's speed over the pair (this
    host's hello-world moved between 1,500 and 2,700 req/s from one minute to the next)
    cancels out instead of landing on one side; medians of the per-round ratios."""
    hellos = [wrk(base, seconds=seconds, connections=connections, **hello)]
    targets = []
    for _ in range(rounds):
        targets.append(wrk(base, seconds=seconds, connections=connections, **target))
        hellos.append(wrk(base, seconds=seconds, connections=connections, **hello))
    around = list(itertools.pairwise(hellos))
    ratios = [t.rps / ((a.rps + b.rps) / 2) if a.rps + b.rps else 0.0
              for t, (a, b) in zip(targets, around, strict=True)]  # fmt: skip
    p99s = [t.p99_ms / ((a.p99_ms + b.p99_ms) / 2) if a.p99_ms + b.p99_ms else float("inf")
            for t, (a, b) in zip(targets, around, strict=True)]  # fmt: skip
    mid = sorted(range(rounds), key=lambda i: ratios[i])[rounds // 2]
    bad = sum(t.server_errors + t.refused + t.socket_errors for t in targets)
    return Comparison(
        ratio=statistics.median(ratios),
        p99_ratio=statistics.median(p99s),
        target=targets[mid],
        hello=hellos[mid],
        hello_after=hellos[mid + 1],
        rounds=list(zip(ratios, p99s, strict=True)),
        bad_statuses=bad,
    )
