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
    "CN": "China",
    "HK": "Hong Kong",
    "TW": "Taiwan",
    "SG": "Singapore",
    "JP": "Japan",
    "KR": "South Korea",
    "US": "United States",
    "GB": "United Kingdom",
    "FR": "France",
    "DE": "Germany",
    "IT": "Italy",
    "ES": "Spain",
    "AU": "Australia",
    "CA": "Canada",
    "MY": "Malaysia",
    "TH": "Thailand",
    "ID": "Indonesia",
    "VN": "Vietnam",
    "AE": "UAE",
    "NL": "Netherlands",
    "CH": "Switzerland",
    "SE": "Sweden",
    "NZ": "New Zealand",
}

SOCIAL_PLATFORMS = {
    "xiaohongshu": "Xiaohongshu (RED)",
    "douyin": "Douyin",
    "tiktok": "TikTok",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "weibo": "Weibo",
    "bilibili": "Bilibili",
    "wechat": "WeChat Channels",
    "x": "X",
    "other": "Other",
}
