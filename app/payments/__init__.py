"""Payments: Stripe gateway, ledger and the built-in Stripe emulator."""
