"""The application factory: configuration, extensions, blueprints, CLI, error handlers."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import db_teardown, jobs, upload_progress
from app.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman
from app.money import CURRENCIES
from config import (
    BASE_DIR,
    INSTANCE_DIR,
    config_for,
    currency_list,
    is_default_secret,
    load_startup_settings,
)

# Each feature's models, imported here so the metadata Alembic sees is complete.
from app import auth, mail, profiles, ratelimits, status  # noqa: F401  isort: skip
from app import bids, campaigns, contracts, ledger, notes, notifications, payments  # noqa: F401  isort: skip
from app import finance  # noqa: F401  isort: skip
from app import analytics  # noqa: F401  isort: skip
from app import engagement  # noqa: F401  isort: skip
from app import recommend  # noqa: F401  isort: skip
from app import orgs, shortlists, webhooks  # noqa: F401  isort: skip
from app import paperwork  # noqa: F401  isort: skip
from app import outcomes  # noqa: F401  isort: skip


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    app.config["STRIPE_SETTLEMENT_CURRENCIES"] = currency_list(
        app.config.get("STRIPE_SETTLEMENT_CURRENCIES"), CURRENCIES
    )
    load_startup_settings(app.config)  # after the overrides: those win
    _check_secrets(app)
    from app.sessions import RefreshingSessionInterface

    app.session_interface = RefreshingSessionInterface()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from app import observability

    observability.init_app(app)  # logs (JSON in production), request ids, /metrics

    _init_extensions(app)
    _register_blueprints(app)
    from app.errors import register_error_handlers
    from app.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)
    ratelimits.drop_idle_middleware(app, limiter)
    from app.cli import register_cli

    register_cli(app)
    if app.config["PROXY_FIX_X_FOR"]:  # client IP and scheme from the proxies in front
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _check_secrets(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production":
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in the environment in production")
        if is_default_secret(app.config["SECRET_KEY"]):
            raise RuntimeError("SECRET_KEY is a placeholder or too short (32+ random characters)")
        if app.config.get("DEBUG"):
            raise RuntimeError("debug mode is refused in production")
        _check_stripe_secrets(app.config)
        from app.paperwork.crypto import key_problem

        if problem := key_problem(app.config.get("TAX_ID_ENCRYPTION_KEY")):
            raise RuntimeError(problem)
        if not str(app.config.get("PUBLIC_BASE_URL") or "").startswith(("https://", "http://")):
            # Links in e-mails written outside a request (jobs, the scheduler) need it.
            raise RuntimeError("PUBLIC_BASE_URL must be set in production (https://...)")
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret_key(Path(app.instance_path))


# Production talks to Stripe, never to the emulator: its key and both webhook endpoints'
# signing secrets (docs/payments.md "Webhook endpoints") must be set, and look like Stripe's.
STRIPE_SECRETS = {
    "STRIPE_SECRET_KEY": ("sk_", "rk_"),
    "STRIPE_WEBHOOK_SECRET": ("whsec_",),
    "STRIPE_CONNECT_WEBHOOK_SECRET": ("whsec_",),
}


def _check_stripe_secrets(config: dict) -> None:
    for name, prefixes in STRIPE_SECRETS.items():
        value = (config.get(name) or "").strip()
        if not value:
            raise RuntimeError(f"{name} must be set in the environment in production")
        if is_default_secret(value) or not value.startswith(prefixes) or "emulator" in value:
            raise RuntimeError(f"{name} is a placeholder, not a secret Stripe gave you")
    if config["STRIPE_WEBHOOK_SECRET"].strip() == config["STRIPE_CONNECT_WEBHOOK_SECRET"].strip():
        raise RuntimeError(
            "STRIPE_CONNECT_WEBHOOK_SECRET is STRIPE_WEBHOOK_SECRET: each endpoint has its own"
        )
    if not config.get("STRIPE_SETTLEMENT_CURRENCIES"):
        # Deals are offered only in currencies the account settles in (docs/going-live.md).
        raise RuntimeError(
            "STRIPE_SETTLEMENT_CURRENCIES must be set in production (your Stripe account's "
            "settlement currencies, e.g. usd)"
        )


def _development_secret_key(instance: Path) -> str:
    """Outside production, a random key kept under instance/ so sessions survive restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from app.authz import enforce_declared_access
    from app.finance.services import is_closed_at
    from app.i18n import selected_locale
    from app.ledger.services import install_period_lock
    from app.orgs.acting import load_signed_in
    from app.payments import gateway

    db.init_app(app)
    db_teardown.init_app(app)  # a connection lost after the view never costs its answer
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=selected_locale)
    # Counters every process shares (app/ratelimits.py): Redis backed by the database, or the
    # database alone; memory only if the database fails too.
    app.config.setdefault("RATELIMIT_STORAGE_URI", ratelimits.storage_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to access this page.")  # in their language
    login_manager.localize_callback = str
    login_manager.session_protection = "strong"
    _protect_signed_in_sessions_only(login_manager)
    login_manager.user_loader(load_signed_in)  # the person, acting for their brand (app/orgs)
    _init_security_headers(app)
    upload_progress.init_app(app)  # forms with files answer a progress bar's request
    jobs.init_app(app)
    gateway.init_app(app)
    # The ledger refuses entries dated inside a period finance has closed.
    install_period_lock(is_closed_at)
    app.before_request(enforce_declared_access)


def _protect_signed_in_sessions_only(manager) -> None:
    """Flask-Login's strong protection treats any session without its "_id" as stolen: an
    anonymous visitor's session (a CSRF token, a language) was rewritten on every request and
    a remember-me cookie deleted. Check only sessions that carry a signed-in user."""
    from flask import session

    check = manager._session_protection_failed
    manager._session_protection_failed = lambda: "_user_id" in session and check()


def _init_security_headers(app: Flask) -> None:
    from app import media_store

    media_store.init_app(app)  # MEDIA_STORE checked; pages may load from the bucket's origin
    store = f" {media_store.media_origin(app.config)}".rstrip()
    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: blob:{store}",  # blob: a chosen photo's preview before upload
        "media-src": f"'self' blob:{store}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=csp,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    from app import cache_control

    cache_control.init_app(app)  # Cache-Control: no-store for whatever a signed-in user sees


def _register_blueprints(app: Flask) -> None:
    # Views on a blueprint defined in another module of their feature, imported before the
    # blueprint is registered: notes' review and public pages, the wishlist, comment reports,
    # finance's payout queue and reconciliation.
    from app.admin import moderation_routes  # noqa: F401
    from app.admin.routes import bp as admin_bp
    from app.analytics.routes import bp as analytics_bp
    from app.api.openapi import init_api
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.auth.settings_routes import bp as settings_bp
    from app.bids.routes import bp as bids_bp
    from app.campaigns.routes import bp as campaigns_bp
    from app.contracts.routes import bp as contracts_bp
    from app.engagement import wishlist  # noqa: F401
    from app.engagement.routes import bp as engagement_bp
    from app.engagement.social_routes import bp as social_bp
    from app.finance import payout_routes, reconcile_routes  # noqa: F401
    from app.finance.routes import bp as finance_bp
    from app.licences.routes import bp as licences_bp
    from app.mail.routes import bp as mail_bp
    from app.main import bp as main_bp
    from app.notes import public_routes, review_routes, search_routes  # noqa: F401
    from app.notes.routes import bp as notes_bp
    from app.notifications.routes import bp as notifications_bp
    from app.orgs.routes import bp as orgs_bp
    from app.outcomes.routes import bp as outcomes_bp
    from app.paperwork import finance_routes, kol_routes  # noqa: F401
    from app.paperwork.routes import bp as paperwork_bp
    from app.payments.routes import bp as payments_bp
    from app.profiles.routes import bp as profiles_bp
    from app.shortlists.routes import bp as shortlists_bp
    from app.webhooks.routes import bp as webhooks_bp

    for blueprint in (
        main_bp,
        auth_bp,
        settings_bp,
        profiles_bp,
        admin_bp,
        mail_bp,
        campaigns_bp,
        bids_bp,
        contracts_bp,
        notes_bp,
        notifications_bp,
        payments_bp,
        finance_bp,
        analytics_bp,
        engagement_bp,
        social_bp,
        shortlists_bp,
        orgs_bp,
        webhooks_bp,
        outcomes_bp,
        paperwork_bp,
        licences_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # bearer keys, never cookies: CSRF cannot reach it
    init_api(app, api_bp)  # flask-smorest: the OpenAPI document from the declared schemas
    if app.config.get("BENCH"):  # `make bench` only: the hello-world yardstick
        from app.bench_routes import bp as bench_bp

        app.register_blueprint(bench_bp)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL's recommended pairing: a commit is not fsynced on its own (~8 ms each here); an
        # OS crash may lose the last commits but never corrupts the file (embedded default only).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock at BEGIN (waiting up to busy_timeout). A deferred
        # transaction that read before another connection committed fails its first write at
        # once with "database is locked" (a stale WAL snapshot cannot be upgraded), which is
        # what a job recording a transfer met while the emulator's webhook wrote beside it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
