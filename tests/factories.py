"""Plain factory functions that build data through the services, as users would."""

from __future__ import annotations

import itertools

from app.auth.models import Role, User
from app.auth.services import create_api_key, create_user
from app.extensions import db
from app.profiles import services as profiles

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    role: str | Role = Role.BRAND,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> User:
    role = Role(role)
    n = next(_counter)
    user = create_user(email=email or f"{role.value}{n}@example.com", password=password, role=role)
    if role in Role.self_registered():
        profiles.create_profile_for(user=user, name=name or f"{role.value.title()} {n}")
    db.session.commit()
    return user


def make_kol(*, verified: bool = False, followers: int = 5_000, **kwargs) -> User:
    user = make_user(Role.KOL, **kwargs)
    profiles.add_social_account(
        user_id=user.id,
        platform="xiaohongshu",
        handle=f"kol{user.id}",
        followers=followers,
        url=None,
    )
    if verified:
        admin = make_user(Role.ADMIN)
        request = profiles.submit_verification(user_id=user.id, handles="xhs", screenshot=None)
        profiles.decide_verification(
            request_id=request.id, admin_id=admin.id, approve=True, reason=None
        )
    db.session.commit()
    return user


def make_api_key(user: User, name: str = "test key") -> str:
    _key, secret = create_api_key(user_id=user.id, name=name)
    db.session.commit()
    return secret
