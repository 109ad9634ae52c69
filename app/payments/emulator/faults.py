"""Switches that make the emulator misbehave on purpose, for tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    """Counters consumed by the next API calls and payment attempts."""

    failures_left: int = 0
    failure_status: int = 500
    failure_stored: bool = True
    lost_responses_left: int = 0
    declines_left: int = 0
    delay_seconds: float = 0.0
    duplicate: bool = False
    shuffle: bool = False
    hold: bool = False
    refund_outcomes: list[str] = field(default_factory=list)

    def fail_next(self, n: int = 1, status: int = 500, stored: bool | None = None) -> None:
        """The next `n` API calls answer `status` without doing any work.

        A 5xx models Stripe failing after the call began executing: like Stripe, the emulator
        keeps it under the call's idempotency key and replays it to a retry with that key
        (for 24 hours), so only a new key runs the call again. `stored=False` models a
        failure before execution began (a retry with the same key runs). A 4xx is not kept
        (a refusal before execution, as a validation error is)."""
        self.failures_left, self.failure_status = n, status
        self.failure_stored = status >= 500 if stored is None else stored

    def lose_next_response(self, n: int = 1) -> None:
        """The next `n` API calls do the work, but the client sees a connection error."""
        self.lost_responses_left = n

    def decline_next_card(self, n: int = 1) -> None:
        """The next `n` payment attempts are declined whatever the card."""
        self.declines_left = n

    def delay_next(self, seconds: float) -> None:
        """The next API call sleeps first (outside the lock), e.g. to race two requests."""
        self.delay_seconds = seconds

    def next_refunds(self, *outcomes: str) -> None:
        """The next refunds stay ``pending`` ("pending": until `Emulator.settle_refunds()`) or
        are accepted and then fail there ("fail"), one outcome per refund."""
        if not set(outcomes) <= {"pending", "fail"}:
            raise ValueError(f"unknown refund outcome in {outcomes}")
        self.refund_outcomes = list(outcomes)

    def duplicate_webhooks(self, on: bool = True) -> None:
        self.duplicate = on

    def shuffle_webhooks(self, on: bool = True) -> None:
        self.shuffle = on

    def hold_webhooks(self, on: bool = True) -> None:
        """Keep events queued until `Emulator.flush_webhooks()`."""
        self.hold = on

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def take_failure(self) -> int | None:
        if self.failures_left <= 0:
            return None
        self.failures_left -= 1
        return self.failure_status

    def take_lost_response(self) -> bool:
        if self.lost_responses_left <= 0:
            return False
        self.lost_responses_left -= 1
        return True

    def take_decline(self) -> bool:
        if self.declines_left <= 0:
            return False
        self.declines_left -= 1
        return True

    def take_refund_outcome(self) -> str | None:
        return self.refund_outcomes.pop(0) if self.refund_outcomes else None

    def take_delay(self) -> float:
        seconds, self.delay_seconds = self.delay_seconds, 0.0
        return seconds
