"""Values a brand would send: service values (minor units) and web form data (major units)."""

from __future__ import annotations

from datetime import timedelta

from app.db_types import utcnow


def service_values(**overrides) -> dict:
    now = utcnow()
    values = {
        "title": "Summer glow",
        "brief": "Show the **serum** in daylight.",
        "product_name": "Glow Serum",
        "product_url": "https://shop.example/glow",
        "category": "beauty",
        "content_format": "image",
        "notes_wanted": 3,
        "currency": "usd",
        "budget": 300_000,
        "price_min": 20_000,
        "price_max": 100_000,
        "min_followers": 0,
        "niches": ["beauty"],
        "tiers": [],
        "regions": [],
        "languages": [],
        "application_deadline": now + timedelta(days=10),
        "delivery_deadline": now + timedelta(days=30),
        "required_hashtags": "#glow",
        "required_mentions": "",
        "revision_rounds": 2,
        "review_window_days": 3,
        "keep_live_days": 30,
        "usage_rights": "Organic reposts for 6 months",
    }
    values.update(overrides)
    return values


def form_data(**overrides) -> dict:
    now = utcnow()
    data = {
        "title": "Summer glow",
        "brief": "Show the **serum** in daylight.",
        "product_name": "Glow Serum",
        "product_url": "https://shop.example/glow",
        "category": "beauty",
        "content_format": "image",
        "notes_wanted": "3",
        "currency": "usd",
        "budget": "3,000",
        "price_min": "200",
        "price_max": "1000.50",
        "min_followers": "0",
        "niches": ["beauty", "fashion"],
        "application_deadline": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "delivery_deadline": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "required_hashtags": "glow, #Glow #skincare",
        "required_mentions": "glowlab @GlowLab",
        "revision_rounds": "2",
        "review_window_days": "3",
        "keep_live_days": "30",
        "usage_rights": "Organic reposts for 6 months",
    }
    data.update(overrides)
    return data


def api_json(**overrides) -> dict:
    now = utcnow()
    body = service_values(
        application_deadline=(now + timedelta(days=10)).isoformat(),
        delivery_deadline=(now + timedelta(days=30)).isoformat(),
        required_hashtags=["glow"],
        required_mentions=[],
    )
    body.update(overrides)
    return body
