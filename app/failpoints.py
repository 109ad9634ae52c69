"""Crash points for fault-injection tests: inert unless named in the FAILPOINTS variable.

``failpoint("after_transfer_call")`` kills the current process with SIGKILL when the
environment says ``FAILPOINTS=after_transfer_call`` — the way a worker dies between Stripe's
answer and our commit. Production never sets FAILPOINTS."""

from __future__ import annotations

import os
import signal


def failpoint(name: str) -> None:
    if name in os.environ.get("FAILPOINTS", "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)
