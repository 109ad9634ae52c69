"""Passwords are hashed with scrypt at werkzeug's full cost outside tests (the suite's own
configuration uses a cheaper N); a sign-in re-hashes a password stored at another cost."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from app import create_app
from app.auth.models import Role
from app.auth.passwords import hash_password
from app.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, PRODUCTION_STRIPE, make_user


def test_development_and_production_hash_with_scrypt_at_full_cost():
    for environment, settings in (
        ("development", {}),
        ("production", {"SECRET_KEY": "k3Jx9-p2QvLr8sT0wYz4aB6cD1eF5gH7iJ", **PRODUCTION_STRIPE}),
    ):
        app = create_app(environment, SQLALCHEMY_DATABASE_URI="sqlite://", **settings)
        with app.app_context():
            stored = hash_password("a long passphrase")
        assert stored.startswith("scrypt:32768:8:1$"), environment
        assert "a long passphrase" not in stored


def test_signing_in_rehashes_a_password_stored_at_another_cost(client, app):
    user = make_user(Role.BRAND)
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()

    assert login(client, user.email, "not the password").status_code == 422
    db.session.refresh(user)
    assert user.password_hash.startswith("pbkdf2:")  # a wrong password changes nothing

    assert login(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    client.post("/auth/logout")
    assert login(client, user.email, PASSWORD).status_code == 302  # the new hash verifies
