"""The demo's generated covers: a JPEG of the asked size, with or without the CJK font."""

from __future__ import annotations

from PIL import Image

from app import seed_showcase


def test_a_cover_is_drawn_with_the_cjk_font_or_without_it(tmp_path, monkeypatch):
    colours = ((255, 94, 98), (255, 195, 113))
    with_font = seed_showcase.cover("Matcha latte", "抹茶拿铁", colours, (600, 800))
    assert Image.open(with_font.stream).size == (600, 800)
    monkeypatch.setattr(seed_showcase, "FONT_DIR", tmp_path)  # no fonts installed
    seed_showcase._font.cache_clear()
    try:
        without = seed_showcase.cover("Matcha latte", "抹茶拿铁", colours, (640, 480))
        assert not seed_showcase.has_cjk_font()
        image = Image.open(without.stream)
        assert (image.format, image.size) == ("JPEG", (640, 480))
    finally:
        seed_showcase._font.cache_clear()
