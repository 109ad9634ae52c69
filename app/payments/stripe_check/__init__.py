"""`make stripe-check`: the money scenarios, run with the same code on Stripe's test mode and
on the built-in emulator (scenarios.py), printed side by side (report.py)."""
