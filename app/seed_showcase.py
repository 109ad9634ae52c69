"""Demo showcase for `make run`: published notes across categories, by several KOLs for three
brands, each with generated cover images (a coloured gradient and its title), avatars and logos,
and three weeks of tracked traffic (views, clicks, orders) written through the analytics
pipeline, so the feeds look like Red and the dashboards draw curves.

Every note goes the real way (bid, accept, fund on the emulator, draft, submit, approve); only
its publication date is moved back afterwards, so the traffic has weeks to spread over."""

from __future__ import annotations

import io
import math
import random
import textwrap
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.analytics import pipeline
from app.analytics.services import record_conversion
from app.analytics.tracking import new_click_id
from app.auth.models import Role, User
from app.bids import services as bids
from app.campaigns.models import Campaign
from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs
from app.notes import services as notes
from app.notes.models import Note, NoteStatus
from app.profiles import services as profiles
from app.profiles.models import BrandProfile, KolProfile
from app.uploads import save_image

MARKER = "Spring Glow Serum: real routines"
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
TRAFFIC_DAYS = 21
RNG_SEED = 20_26

# (local part, company, industry, description, two gradient colours)
BRANDS = [
    ("cafe", "Bean & Leaf Café", "food", "Tea-house cafés in Hangzhou and Shanghai.",
     ((46, 125, 50), (200, 230, 160))),
    ("peak", "Peak Fit Gear", "fitness", "Training gear for home and trail.",
     ((21, 67, 140), (120, 200, 255))),
]  # fmt: skip
BRAND_COLOURS = {"brand": ((255, 36, 66), (255, 214, 222))}  # Blossom Skincare's

# (brand, title, category, required hashtags, price range in cents, KOLs, covers:
#  (English title, Chinese tagline) per KOL in the same order)
CAMPAIGNS = [
    ("brand", MARKER, "beauty", "#ad #glowserum #skincare", (20_000, 80_000),
     ["mia", "kol", "chen", "zoe"],
     [("Glass skin in 3 steps", "玻璃肌三步"), ("Serum before sunrise", "清晨精华"),
      ("Mum's 5-minute routine", "五分钟护肤"), ("Post-gym glow", "运动后补水")]),
    ("brand", "Sensitive skin SOS", "beauty", "#ad #sensitiveskin", (15_000, 60_000),
     ["mia", "chen", "aki"],
     [("Calm skin, honest review", "敏感肌自救"), ("Gentle care for little ones", "宝宝也能用"),
      ("Travel-proof sensitive skin", "旅行不过敏")]),
    ("brand", "SPF for travellers", "travel", "#ad #sunscreen #travel", (20_000, 70_000),
     ["kol", "aki", "zoe"],
     [("Island hopping with SPF50", "海岛防晒"), ("Osaka summer, no sunburn", "大阪夏日"),
      ("Sunscreen on the trail", "户外防晒")]),
    ("cafe", "Matcha season at Bean & Leaf", "food", "#ad #matcha", (15_000, 50_000),
     ["aki", "kol", "mia", "chen"],
     [("The creamiest matcha latte", "抹茶拿铁"), ("Matcha & West Lake views", "西湖抹茶"),
      ("Pink matcha, pretty cups", "颜值抹茶"), ("Matcha cake at home", "在家做抹茶蛋糕")]),
    ("cafe", "Weekend brunch trails", "travel", "#ad #brunch #citywalk", (15_000, 60_000),
     ["kol", "aki", "zoe", "chen"],
     [("Shanghai brunch walk", "上海早午餐"), ("Brunch crawl in Hangzhou", "杭州早午餐"),
      ("Protein brunch bowls", "高蛋白早午餐"), ("Family brunch, kids approved", "亲子早午餐")]),
    ("cafe", "Bake at home with Bean & Leaf", "home", "#ad #homebaking", (10_000, 40_000),
     ["chen", "aki", "mia"],
     [("Tea scones, first try", "第一次做司康"), ("Hojicha cookies", "焙茶曲奇"),
      ("A cosy baking Sunday", "周末烘焙")]),
    ("peak", "30-day home workout", "fitness", "#ad #homeworkout", (20_000, 90_000),
     ["zoe", "chen", "mia"],
     [("Day 30: what changed", "第30天变化"), ("Workouts while baby naps", "带娃也能练"),
      ("Stretch & glow", "拉伸日常")]),
    ("peak", "Trail running essentials", "fitness", "#ad #trailrun", (25_000, 90_000),
     ["zoe", "kol", "aki"],
     [("My first 20 km trail", "第一次越野跑"), ("Running Moganshan", "莫干山越野"),
      ("Trail snacks that work", "越野补给")]),
]  # fmt: skip


@cache
def _font(size: int):
    """Noto Sans CJK when installed (Chinese taglines drawn), else Pillow's own font."""
    path = FONT_DIR / "NotoSansCJK-Bold.ttc"
    if path.exists():
        return ImageFont.truetype(str(path), size, index=2)  # the Simplified Chinese face
    return ImageFont.load_default(size=size)


def has_cjk_font() -> bool:
    return (FONT_DIR / "NotoSansCJK-Bold.ttc").exists()


def _gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    """A vertical gradient, drawn as a 1 × 256 strip and stretched (fast)."""
    strip = Image.new("RGB", (1, 256))
    for y in range(256):
        strip.putpixel(
            (0, y), tuple(round(a + (b - a) * y / 255) for a, b in zip(top, bottom, strict=True))
        )
    return strip.resize(size, Image.Resampling.BILINEAR)


def _jpeg(image: Image.Image, name: str) -> FileStorage:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    buffer.seek(0)
    return FileStorage(buffer, filename=name, content_type="image/jpeg")


def cover(title: str, tagline: str, colours: tuple, shape: tuple[int, int]) -> FileStorage:
    """A note cover: a gradient, the title in big type, a Chinese tagline (with the font)."""
    image = _gradient(shape, *colours)
    draw = ImageDraw.Draw(image)
    width, height = shape
    margin = width // 12
    draw.rounded_rectangle(
        (margin // 2, margin // 2, width - margin // 2, height - margin // 2),
        radius=margin, outline=(255, 255, 255), width=4,
    )  # fmt: skip
    font = _font(width // 11)
    middle = [round(a * 0.6 + b * 0.4) for a, b in zip(*colours, strict=True)]
    light = 0.299 * middle[0] + 0.587 * middle[1] + 0.114 * middle[2] > 150
    ink, halo = ((31, 35, 41), (255, 255, 255)) if light else ((255, 255, 255), (40, 40, 40))
    y = height // 3
    for line in textwrap.wrap(title, 14)[:4]:
        draw.text((margin, y), line, fill=ink, font=font, stroke_width=2, stroke_fill=halo)
        y += width // 9
    if has_cjk_font():
        draw.text((margin, y + width // 30), tagline, fill=ink, font=_font(width // 14))
    return _jpeg(image, "cover.jpg")


def _face(name: str, colours: tuple) -> FileStorage:
    """An avatar or logo: a gradient disc area with the initials."""
    image = _gradient((240, 240), *colours)
    initials = "".join(part[0] for part in name.split()[-2:]).upper()
    ImageDraw.Draw(image).text((120, 120), initials, fill=(255, 255, 255), font=_font(96),
                               anchor="mm")  # fmt: skip
    return _jpeg(image, "face.jpg")


def _user(local: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == f"{local}@demo.kol.test"))


def _brands() -> None:
    from app.seed import _user as demo_user

    for local, company, industry, description, colours in BRANDS:
        user, new = demo_user(local, Role.BRAND)
        if not new:
            continue
        profiles.create_profile_for(user=user, name=company)
        profiles.update_brand_profile(
            user_id=user.id, company_name=company, website=None, industry=industry,
            description=description, billing_country="CN", currency="usd",
            logo=_face(company, colours),
        )  # fmt: skip
    blossom = db.session.get(BrandProfile, _user("brand").id)
    if blossom.logo is None:
        blossom.logo = save_image(_face("Blossom Skincare", BRAND_COLOURS["brand"]), field="logo")


def _avatars() -> None:
    palette = [((255, 150, 170), (255, 230, 200)), ((120, 180, 255), (220, 240, 255)),
               ((255, 190, 90), (255, 240, 200)), ((140, 210, 170), (230, 250, 235))]  # fmt: skip
    kols = db.session.scalars(select(KolProfile).order_by(KolProfile.user_id)).all()
    for i, profile in enumerate(kols):
        if profile.avatar is None:
            face = _face(profile.display_name, palette[i % len(palette)])
            profile.avatar = save_image(face, field="avatar")


def _campaign(brand: User, title: str, category: str, hashtags: str, price, wanted: int):
    from app.campaigns import services as campaigns

    now = utcnow()
    values = {
        "title": title, "category": category, "content_format": "image", "currency": "usd",
        "brief": f"## What we want\n\n{title}: show it in your day, honestly.\n\n"
                 "- One personal note\n- Natural light photos\n- Say what you liked and what not",
        "product_name": title.split(":")[0], "product_url": "https://shop.example/demo",
        "notes_wanted": wanted, "budget": price[1] * wanted, "price_min": price[0],
        "price_max": price[1], "application_deadline": now + timedelta(days=20),
        "delivery_deadline": now + timedelta(days=41), "required_hashtags": hashtags,
        "required_mentions": "", "usage_rights": "Organic reposts on the brand's channels.",
        "niches": [],
    }  # fmt: skip
    banner = cover(title.split(":")[0], "", GRADIENTS[len(title) % len(GRADIENTS)], (1200, 675))
    campaign = campaigns.create_campaign(brand_id=brand.id, values=values, cover=banner)
    db.session.flush()
    campaigns.publish_campaign(brand_id=brand.id, campaign_id=campaign.id)
    db.session.commit()
    return campaign


SHAPES = [(600, 800), (600, 750), (600, 600), (600, 800), (640, 480), (600, 900)]
GRADIENTS = [
    ((255, 94, 98), (255, 195, 113)), ((67, 198, 172), (248, 255, 174)),
    ((95, 114, 190), (153, 33, 232)), ((255, 126, 179), (255, 219, 236)),
    ((41, 128, 185), (109, 213, 250)), ((238, 156, 167), (255, 221, 225)),
    ((17, 153, 142), (56, 239, 125)), ((252, 74, 26), (247, 183, 51)),
    ((131, 96, 195), (46, 191, 145)), ((255, 175, 189), (255, 195, 160)),
]  # fmt: skip


def _publish(campaign: Campaign, kol: User, price: int, title: str, tagline: str, n: int,
             colours: tuple) -> None:  # fmt: skip
    from app.seed_market import _fund

    bid = bids.create_bid(
        campaign_id=campaign.id, kol_id=kol.id, price=price, pitch="Would love to!",
        proposed_delivery=(campaign.delivery_deadline - timedelta(days=3)).date(),
    )  # fmt: skip
    db.session.flush()
    contract = bids.accept_bid(bid_id=bid.id, user_id=campaign.brand_id)
    db.session.commit()
    _fund(contract.id, campaign.brand_id)
    images = [cover(title, tagline, colours, SHAPES[n % len(SHAPES)])]
    if n % 3 == 0:  # some notes have a second picture for the carousel
        images.append(cover(tagline if has_cjk_font() else title, "", colours[::-1], (600, 800)))
    note = notes.save_draft(
        contract_id=contract.id, kol_id=kol.id, title=title,
        body=f"{title}. What I tried, what I liked, and what I would change. #ad",
        hashtags=campaign.required_hashtags, new_images=images,
    )  # fmt: skip
    db.session.commit()
    notes.submit_note(note_id=note.id, kol_id=kol.id)
    db.session.commit()
    notes.approve_note(note_id=note.id, brand_id=campaign.brand_id)
    db.session.commit()


def seed_showcase() -> bool:
    """Create the showcase once; returns False when it is already there."""
    from app.seed import _user as demo_user

    if db.session.scalar(select(Campaign.id).where(Campaign.title == MARKER)):
        return False
    _brands()
    _avatars()
    db.session.commit()
    n = 0
    for local, title, category, hashtags, price, kols, covers in CAMPAIGNS:
        brand = demo_user(local, Role.BRAND)[0]
        campaign = _campaign(brand, title, category, hashtags, price, len(kols))
        for kol_local, (note_title, tagline) in zip(kols, covers, strict=True):
            kol = _user(kol_local)
            if kol is None:
                continue
            middle = (price[0] + price[1]) // 2 // 100 * 100
            colours = GRADIENTS[n % len(GRADIENTS)]
            _publish(campaign, kol, middle, note_title, tagline, n, colours)
            n += 1
    run_inline_jobs()
    _spread_publication()
    db.session.commit()
    seed_traffic()
    return True


def _spread_publication() -> None:
    """Published over the last three weeks, newest last in the list: the feed reads as one
    that has been live for a while (status history keeps the real moment)."""
    published = db.session.scalars(
        select(Note).where(Note.status == NoteStatus.PUBLISHED).order_by(Note.id)
    ).all()
    now = utcnow()
    for i, note in enumerate(reversed(published)):
        note.published_at = now - timedelta(
            hours=5 + i * (TRAFFIC_DAYS * 24 - 24) / max(len(published), 1)
        )


def seed_traffic() -> int:
    """Views, clicks and orders for every published note since it was published: a launch
    peak that settles, a weekly rhythm, some bots; written by the analytics pipeline (the
    database without Redis, else Redis then drained) and orders attributed to their clicks."""
    rng = random.Random(RNG_SEED)
    now = utcnow()
    events: list[dict] = []
    orders: list[tuple] = []
    published = db.session.scalars(select(Note).where(Note.status == NoteStatus.PUBLISHED)).all()
    for note in published:
        start = note.published_at or now
        hours = int((now - start).total_seconds() // 3600)
        peak = rng.uniform(0.8, 2.5)  # views an hour at launch
        for hour in range(hours):
            day = hour / 24
            weekly = 1.2 if (start + timedelta(hours=hour)).weekday() >= 5 else 1.0
            rate = peak * math.exp(-day / 6) * weekly + 0.15
            for _ in range(_poisson(rng, rate)):
                at = start + timedelta(hours=hour, minutes=rng.random() * 59)
                events.append(_event(note, "view", at, rng, bot=rng.random() < 0.03))
                if rng.random() < 0.09:
                    clicked = at + timedelta(minutes=2)
                    click = _event(note, "click", clicked, rng)
                    events.append(click)
                    if rng.random() < 0.2 and clicked + timedelta(minutes=30) < now:
                        orders.append((note, click["id"], clicked + timedelta(minutes=20)))
    for start in range(0, len(events), 5_000):
        if pipeline.accept_events(events[start : start + 5_000]) == "redis":
            pipeline.drain_all(min_idle_ms=0)
    for i, (note, click_id, at) in enumerate(orders):
        record_conversion(
            brand_id=note.brand_id, order_id=f"DEMO-{note.id}-{i}", value=rng.randint(19, 89) * 100,
            currency="usd", occurred_at=at, click_id=click_id,
        )  # fmt: skip
    db.session.commit()
    return len(events)


def _poisson(rng: random.Random, rate: float) -> int:
    threshold, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _event(note: Note, kind: str, at: datetime, rng: random.Random, bot: bool = False) -> dict:
    moment = at.replace(tzinfo=at.tzinfo or UTC).timestamp()
    return {
        "id": new_click_id(note.id, moment) if kind == "click" else f"{rng.getrandbits(96):024x}",
        "k": kind,
        "t": moment,
        "n": note.id,
        "c": note.contract_id,
        "p": note.campaign_id,
        "u": note.kol_id,
        "v": f"{rng.getrandbits(128):032x}",
        "b": 1 if bot else 0,
    }
