from sqlalchemy import func, select

from app.auth.models import Role, User
from app.extensions import db
from app.profiles.models import BrandProfile, KolProfile
from tests.conftest import post_form


def _register(client, **overrides):
    data = {
        "role": "brand",
        "name": "Acme Tea",
        "email": "new@example.com",
        "password": "a long passphrase 42",
        "confirm": "a long passphrase 42",
    }
    data.update(overrides)
    return post_form(client, "/auth/register", data)


def _users(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_brand_registers_signs_in_and_gets_an_empty_profile(client):
    response = _register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == Role.BRAND
    assert user.password_hash.startswith("scrypt:") and "passphrase" not in user.password_hash
    assert db.session.get(BrandProfile, user.id).company_name == "Acme Tea"
    assert "Acme Tea" in client.get("/profile").get_data(as_text=True)


def test_kol_registers_unverified(client):
    _register(client, role="kol", name="Lily", email="lily@example.com")
    user = db.session.scalar(select(User).where(User.email == "lily@example.com"))
    profile = db.session.get(KolProfile, user.id)
    assert user.role == Role.KOL and profile.verification.value == "unverified"


def test_staff_roles_cannot_self_register(client):
    for role in ("admin", "finance"):
        response = _register(client, role=role, email=f"{role}@example.com")
        assert response.status_code == 422
        assert _users(f"{role}@example.com") == 0


def test_duplicate_email_is_refused_with_field_message(client):
    _register(client)
    post_form(client, "/auth/logout", page="/")
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    response = _register(client, email="NEW@example.com")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert _users("new@example.com") == 1


def test_short_and_common_passwords_are_refused(client):
    short = _register(client, password="short1", confirm="short1")
    assert short.status_code == 422 and "at least 8 characters" in short.get_data(as_text=True)
    common = _register(client, password="password123", confirm="password123")
    assert common.status_code == 422 and "too common" in common.get_data(as_text=True)
    assert _users("new@example.com") == 0


def test_long_passphrase_is_accepted(client):
    phrase = "correct horse battery staple " * 10
    assert _register(client, password=phrase, confirm=phrase).status_code == 302


def test_mismatched_confirmation_and_bad_email(client):
    response = _register(client, email="not-an-email", confirm="something else 1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The passwords differ." in page and "Invalid email address" in page
    assert _users("not-an-email") == 0


def test_name_is_stored_as_plain_text_and_rendered_inert(client):
    _register(client, name="<script>alert(1)</script>Tea")
    page = client.get("/profile").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
