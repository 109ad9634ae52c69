from tests.payments.conftest import _loud_errors, books_balance, stripe_emulator  # noqa: F401
