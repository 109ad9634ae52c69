"""Fixed lists of the product: categories, tiers, currencies, languages, countries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "beauty": _l("Beauty"),
    "fashion": _l("Fashion"),
    "travel": _l("Travel"),
    "food": _l("Food"),
    "fitness": _l("Fitness"),
    "tech": _l("Tech"),
    "parenting": _l("Parenting"),
    "home": _l("Home"),
    "luxury": _l("Luxury"),
    "other": _l("Other"),
}

# (tier, lower bound of total followers), highest first.
TIERS = (("mega", 1_000_000), ("macro", 100_000), ("micro", 10_000), ("nano", 0))
TIER_LABELS = {"nano": _l("Nano"), "micro": _l("Micro"), "macro": _l("Macro"), "mega": _l("Mega")}


def tier_for(total_followers: int) -> str:
    """nano < 10k ≤ micro < 100k ≤ macro < 1M ≤ mega."""
    for tier, lower in TIERS:
        if total_followers >= lower:
            return tier
    return "nano"


LANGUAGES = {
    "zh": "中文",
    "en": "English",
    "ja": "日本語",
    "ko": "한국어",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "th": "ไทย",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu",
    "ar": "العربية",
}

COUNTRIES = {
    "CN": _l("China"),
    "HK": _l("Hong Kong"),
    "TW": _l("Taiwan"),
    "SG": _l("Singapore"),
    "JP": _l("Japan"),
    "KR": _l("South Korea"),
    "US": _l("United States"),
    "GB": _l("United Kingdom"),
    "FR": _l("France"),
    "DE": _l("Germany"),
    "IT": _l("Italy"),
    "ES": _l("Spain"),
    "AU": _l("Australia"),
    "CA": _l("Canada"),
    "MY": _l("Malaysia"),
    "TH": _l("Thailand"),
    "ID": _l("Indonesia"),
    "VN": _l("Vietnam"),
    "AE": _l("UAE"),
    "NL": _l("Netherlands"),
    "CH": _l("Switzerland"),
    "SE": _l("Sweden"),
    "NZ": _l("New Zealand"),
}

SOCIAL_PLATFORMS = {
    "xiaohongshu": _l("Xiaohongshu (RED)"),
    "douyin": _l("Douyin"),
    "tiktok": _l("TikTok"),
    "instagram": _l("Instagram"),
    "youtube": _l("YouTube"),
    "weibo": _l("Weibo"),
    "bilibili": _l("Bilibili"),
    "wechat": _l("WeChat Channels"),
    "x": _l("X"),
    "other": _l("Other"),
}
