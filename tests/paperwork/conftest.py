"""The payments suite's Stripe emulator and books check, for the paperwork tests."""

from tests.payments.conftest import books_balance, stripe_emulator  # noqa: F401
