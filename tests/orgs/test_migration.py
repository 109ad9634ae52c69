"""Migration 0034: every brand account becomes the owner of a one-member brand organisation."""

from __future__ import annotations

from sqlalchemy import text

from app import create_app
from app.extensions import db

BEFORE = "23401c2d3e29"


def test_existing_brands_become_owners_of_one_member_organisations(tmp_path):
    url = f"sqlite:///{tmp_path / 'orgs.sqlite3'}"
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path))
    with fresh.app_context():
        runner = fresh.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade", BEFORE]).exit_code == 0
        with db.engine.begin() as connection:
            for email, role in (("glow@example.com", "brand"), ("tea@example.com", "brand"),
                                ("kol@example.com", "kol")):  # fmt: skip
                connection.execute(
                    text(
                        "INSERT INTO users (email, password_hash, role, is_disabled, "
                        "session_version, created_at) VALUES (:e, 'x', :r, 0, 1, "
                        "'2026-01-01 00:00:00')"
                    ),
                    {"e": email, "r": role},
                )
            connection.execute(
                text(
                    "INSERT INTO brand_profiles (user_id, company_name, currency, updated_at) "
                    "SELECT id, 'Glow Labs', 'usd', '2026-01-01 00:00:00' "
                    "FROM users WHERE email = 'glow@example.com'"
                )
            )
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT u.email, o.kind, o.name, m.role FROM organisations o "
                    "JOIN users u ON u.id = o.brand_user_id "
                    "JOIN memberships m ON m.organisation_id = o.id AND m.user_id = u.id "
                    "ORDER BY u.email"
                )
            ).all()
        db.session.remove()
    assert [tuple(r) for r in rows] == [
        ("glow@example.com", "brand", "Glow Labs", "owner"),
        ("tea@example.com", "brand", "tea@example.com", "owner"),
    ]
