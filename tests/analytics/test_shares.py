"""Issue 20: a share shown as a percentage never exceeds 100 %; its numerator and denominator
count the same things (the conversion rate: converted clicks ÷ clicks)."""

from app.analytics.metrics import derived


def test_flagged_share_counts_follows_and_purchases_on_both_sides():
    # Three follows and a purchase from new accounts, one like from an old one: 4 of 5.
    row = derived(
        {"views": 50, "likes": 1, "follows": 3, "bought": 1, "flagged_engagements": 4}, None
    )
    assert row["flagged_share"] == 0.8  # was 4 ÷ 1 like = 400 %


def test_a_share_of_net_counters_is_capped_at_one():
    # Two flagged likes in the period and an older unflagged like taken back: net one like.
    row = derived({"views": 10, "likes": 1, "flagged_engagements": 2}, None)
    assert row["flagged_share"] == 1.0
    assert derived({"views": 10}, None)["flagged_share"] is None


def test_conversion_rate_counts_converted_clicks_not_orders():
    # Three orders from one of two clicks, plus a promo-code order (no click): 1 of 2 clicks.
    row = derived({"views": 10, "clicks": 2, "conversions": 4, "converted_clicks": 1}, None)
    assert row["conversion_rate"] == 0.5
    assert derived({"views": 10, "clicks": 4, "conversions": 1}, None)["conversion_rate"] == 0.0
    assert derived({"views": 10, "conversions": 2}, None)["conversion_rate"] is None
