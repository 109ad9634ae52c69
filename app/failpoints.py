"""Crash points for fault-injection tests: inert unless named in the FAILPOINTS variable.

``failpoint("after_transfer_call")`` kills the current process with SIGKILL when the
environment says ``FAILPOINTS=after_transfer_call`` — the way a worker dies between Stripe's
answer and our commit; ``after_transfer_call+parent`` also kills the parent (the RQ worker);
``webhook_before_commit:sleep=3`` sleeps 3 s there instead (a request caught mid-flight while
the database restarts). Production never sets FAILPOINTS."""

from __future__ import annotations

import os
import signal
import time


def failpoint(name: str) -> None:
    names = os.environ.get("FAILPOINTS", "").split(",")
    for entry in names:
        if entry.startswith(f"{name}:sleep="):
            time.sleep(float(entry.split("=", 1)[1]))
    if f"{name}+parent" in names:  # an RQ work-horse takes its worker down with it
        os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
    if name in names:
        os.kill(os.getpid(), signal.SIGKILL)
