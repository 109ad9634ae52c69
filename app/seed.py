"""Demo data for `make run`: one account per role and a living set of profiles."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_user
from app.extensions import db
from app.profiles import services as profiles

DEMO_PASSWORD = "kol-demo-2026"  # noqa: S105 - demo accounts, printed by `flask seed`
DOMAIN = "demo.kol.test"
# The order the logins are listed in (README.md's table follows it).
ROLE_ORDER = (Role.BRAND, Role.KOL, Role.SHOPPER, Role.FINANCE, Role.ADMIN)

KOLS = [
    # (local part, name, niches, region, city, languages, accounts, rate image, rate video, verified)
    (
        "kol",
        "Lily Travels",
        ["travel", "food"],
        "CN",
        "Shanghai",
        ["zh", "en"],
        [("xiaohongshu", "lilytravels", 86_000), ("instagram", "lily.travels", 41_000)],
        "800",
        "1500",
        True,
    ),
    (
        "mia",
        "Mia Glow",
        ["beauty", "fashion"],
        "SG",
        "Singapore",
        ["en", "zh"],
        [("xiaohongshu", "miaglow", 7_800)],
        "150",
        "300",
        True,
    ),
    (
        "leo",
        "Leo Lifts",
        ["fitness"],
        "US",
        "Austin",
        ["en"],
        [("tiktok", "leolifts", 1_200_000), ("youtube", "leolifts", 250_000)],
        "5000",
        "12000",
        False,
    ),
    (
        "aki",
        "Aki Eats",
        ["food", "travel"],
        "JP",
        "Osaka",
        ["ja", "en"],
        [("instagram", "akieats", 48_000)],
        "400",
        "900",
        True,
    ),
    (
        "zoe",
        "Zoe Fits",
        ["fitness", "food"],
        "AU",
        "Sydney",
        ["en"],
        [("instagram", "zoefits", 156_000)],
        "1200",
        "2500",
        True,
    ),
    (
        "chen",
        "陈小家 Chen Home",
        ["home", "parenting"],
        "CN",
        "Chengdu",
        ["zh", "en"],
        [("xiaohongshu", "chenhome", 32_000)],
        "300",
        "700",
        True,
    ),
]


def _user(local: str, role: Role) -> tuple[User, bool]:
    email = f"{local}@{DOMAIN}"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    return create_user(email=email, password=DEMO_PASSWORD, role=role, locale="en"), True


def seed_all() -> bool:
    """Everything `flask seed` creates, then every job it staged run (inline) or pushed, so no
    mail is left waiting in the outbox (/healthz would call it late five minutes later).
    Returns True when anything was created."""
    from app.engagement.seed import seed_social
    from app.jobs import run_inline_jobs
    from app.seed_market import seed_marketplace
    from app.seed_outcomes import seed_outcome_deal
    from app.seed_showcase import seed_showcase
    from app.seed_team import seed_team
    from app.shortlists.seed import seed_shortlists

    created = seed_demo()
    db.session.commit()
    run_inline_jobs()
    created = seed_marketplace() or created
    created = seed_showcase() or created
    created = seed_outcome_deal() or created
    created = seed_social() or created
    created = seed_shortlists() or created
    created = seed_team() or created
    db.session.commit()
    run_inline_jobs()  # the jobs committed since the last run (the last bids, the shopper)
    return created


def demo_logins() -> list[tuple[str, str]]:
    """(role, e-mail) of every demo account there is, brands first, then as created."""
    users = db.session.scalars(select(User).where(User.email.like(f"%@{DOMAIN}"))).all()
    users = sorted(users, key=lambda user: (ROLE_ORDER.index(user.role), user.id))
    return [(user.role.value, user.email) for user in users]


def logins_block() -> str:
    """The demo logins as `make run` prints them last: role, e-mail, the one password."""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {role:8} {email}" for role, email in demo_logins()]
    return "\n".join(lines)


def seed_demo() -> bool:
    """Create what is missing; returns True when anything was created."""
    created = False
    for local, role in (("finance", Role.FINANCE), ("admin", Role.ADMIN)):
        created |= _user(local, role)[1]
    brand, new = _user("brand", Role.BRAND)
    if new:
        created = True
        profiles.create_profile_for(user=brand, name="Blossom Skincare")
        profiles.update_brand_profile(
            user_id=brand.id,
            company_name="Blossom Skincare",
            website="https://blossom.example",
            industry="beauty",
            description="Gentle skincare made in Hangzhou.",
            billing_country="CN",
            currency="cny",
        )
    admin = db.session.scalar(select(User).where(User.email == f"admin@{DOMAIN}"))
    for local, name, niches, region, city, langs, accounts, img, vid, verified in KOLS:
        kol, new = _user(local, Role.KOL)
        if not new:
            continue
        created = True
        profiles.create_profile_for(user=kol, name=name)
        profiles.update_kol_profile(
            user_id=kol.id,
            display_name=name,
            bio=f"{name} — notes about {', '.join(niches)}.",
            niches=niches,
            region=region,
            city=city,
            languages=langs,
            rate_currency="usd",
            rate_image=img,
            rate_video=vid,
        )
        for platform, handle, followers in accounts:
            profiles.add_social_account(
                user_id=kol.id, platform=platform, handle=handle, followers=followers, url=None
            )
        request = profiles.submit_verification(
            user_id=kol.id,
            handles=", ".join(f"{p}: @{h}" for p, h, _f in accounts),
            screenshot=None,
        )
        if verified:
            profiles.decide_verification(
                request_id=request.id, admin_id=admin.id, approve=True, reason=None
            )
    db.session.flush()
    return created
