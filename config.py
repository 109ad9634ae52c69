"""Configuration from the environment, with defaults that run on one laptop."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def load_dotenv_file() -> None:
    """Read ``.env`` beside this file (see .env.example) into the environment, never over a
    variable already set, and never under pytest or with FLASK_SKIP_DOTENV=1."""
    if "pytest" in sys.modules or os.environ.get("FLASK_SKIP_DOTENV", "") in {"1", "true"}:
        return
    path = BASE_DIR / ".env"
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


load_dotenv_file()
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))
# Values that are not secrets: copied from .env.example, docs, or tests. Refused in production.
PLACEHOLDER_SECRETS = frozenset(
    {"", "change-me", "changeme", "secret", "dev", "development", "test-secret-key"}
)


def is_default_secret(value: str | None) -> bool:
    value = (value or "").strip()
    return value.lower() in PLACEHOLDER_SECRETS or value.startswith("change-me") or len(value) < 32


def currency_list(
    value: str | tuple[str, ...] | list[str] | None, known: tuple[str, ...]
) -> tuple[str, ...]:
    """'usd, EUR' (the environment's form) or a sequence -> ('usd', 'eur'), in the order
    given; a code not in ``known`` stops the app (ConfigError naming it)."""
    items = value.split(",") if isinstance(value, str) else (value or ())
    codes = tuple(code.strip().lower() for code in items if code.strip())
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ConfigError(f"STRIPE_SETTLEMENT_CURRENCIES: {', '.join(unknown)} not offered")
    return codes


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = os.environ.get("APP_ENV", "development")  # development | production | test
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DEBUG = _bool("FLASK_DEBUG", False)

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kol.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # A read replica for dashboards and exports (app/replica.py); writes never go there.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or None
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Jobs run inline after commit unless Redis is configured (then RQ workers run them).
    JOBS_INLINE = _bool("JOBS_INLINE", not os.environ.get("REDIS_URL"))
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "default")

    # Cookies and sessions.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https" if SESSION_COOKIE_SECURE else "http"
    FORCE_HTTPS = _bool("FORCE_HTTPS", False)
    # `make bench` only: serves the hello-world yardstick /bench/hello (app/bench_routes.py).
    BENCH = _bool("BENCH", False)

    # Passwords: werkzeug's scrypt at its default cost (N=2^15, r=8, p=1, about 0.1 s a hash).
    # A sign-in with a hash of another method or cost re-hashes it at this one.
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"  # noqa: S105 - a method name, not a password

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(16 * 1024 * 1024)))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", str(8 * 1024 * 1024)))
    # Note videos: only the note editor raises its request's limit to this (plus the form
    # fields); every other route keeps MAX_CONTENT_LENGTH.
    MAX_VIDEO_BYTES = int(os.environ.get("MAX_VIDEO_BYTES", str(100 * 1024 * 1024)))
    # The front proxy's internal location for UPLOAD_DIR (nginx ``internal`` + ``alias``, e.g.
    # "/_uploads"): /media answers with X-Accel-Redirect and nginx sends the file (ranges
    # included). Empty: Python sends it (make run). docs/operations.md "Media".
    MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
    # Where public uploads and their sizes live (app/media_store.py): "local" (UPLOAD_DIR,
    # served by /media; make run) or "s3" (an S3-compatible bucket, MinIO included; pages link
    # to MEDIA_PUBLIC_URL + the object's key). docs/operations.md "Media".
    MEDIA_STORE = os.environ.get("MEDIA_STORE", "local")
    MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "kol-media")
    MEDIA_S3_ENDPOINT = os.environ.get("MEDIA_S3_ENDPOINT", "")  # "" = AWS; MinIO's URL
    MEDIA_S3_REGION = os.environ.get("MEDIA_S3_REGION", "us-east-1")
    MEDIA_S3_ACCESS_KEY = os.environ.get("MEDIA_S3_ACCESS_KEY", "")  # "" = boto3's own chain
    MEDIA_S3_SECRET_KEY = os.environ.get("MEDIA_S3_SECRET_KEY", "")
    # The public base of the bucket's objects (a CDN in front of it); "" = the bucket's address.
    MEDIA_PUBLIC_URL = os.environ.get("MEDIA_PUBLIC_URL", "")

    # Login throttling: per IP and per account.
    LOGIN_LIMIT_IP = os.environ.get("LOGIN_LIMIT_IP", "20 per minute")
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "5 per minute")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Comments per account (web form and API together).
    COMMENT_LIMIT = os.environ.get("COMMENT_LIMIT", "10 per minute")
    # New accounts per IP; reset links asked for per e-mail address (the reset form itself
    # shares LOGIN_LIMIT_IP); API keys created per account.
    REGISTER_LIMIT_IP = os.environ.get("REGISTER_LIMIT_IP", "10 per hour")
    PASSWORD_RESET_LIMIT = os.environ.get("PASSWORD_RESET_LIMIT", "5 per hour")
    API_KEY_LIMIT = os.environ.get("API_KEY_LIMIT", "10 per hour")
    # Search suggestions as people type, per IP (GET /search/suggest).
    SUGGEST_LIMIT = os.environ.get("SUGGEST_LIMIT", "120 per minute")
    # /api/v1 calls per API key (all operations together), and per IP for calls without a key.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    API_RATE_LIMIT_ANONYMOUS = os.environ.get("API_RATE_LIMIT_ANONYMOUS", "300 per minute")

    # Mail: "outbox" stores mail in the database (shown at /dev/outbox) and logs it;
    # "smtp" sends through MAIL_SERVER.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "KOL Market <no-reply@kol.local>")
    # The site's public address, for links in e-mails (often written outside any request:
    # jobs, the scheduler, the seed). Required in production; `make run` sets its own port.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    # Days a team invitation's link stays valid (app/orgs).
    ORG_INVITATION_DAYS = int(os.environ.get("ORG_INVITATION_DAYS", "7"))

    LANGUAGES = ("en", "zh_Hans")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Fees in basis points (1 bp = 0.01 %), shown to both sides before they commit.
    BRAND_FEE_BPS = int(os.environ.get("BRAND_FEE_BPS", "500"))
    KOL_FEE_BPS = int(os.environ.get("KOL_FEE_BPS", "1000"))

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    # The currencies the platform's Stripe account settles in (its bank accounts' currencies),
    # comma-separated, the default first. Contracts are offered only in these: a transfer with
    # source_transaction must be in the settlement currency (docs/going-live.md). Unset: every
    # currency the app offers (the emulator then holds a balance in each); production
    # refuses to start without it.
    STRIPE_SETTLEMENT_CURRENCIES = os.environ.get("STRIPE_SETTLEMENT_CURRENCIES", "")
    # Seconds one call to Stripe may take (each of up to 3 attempts). Calls made inside a web
    # request (checkout, onboarding links) then give up before gunicorn's worker timeout (30).
    STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "8"))
    # Stripe's API address: unset for Stripe itself; set for stripe-mock or an egress proxy.
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    # Extra webhook signing secrets accepted during a rotation (comma-separated).
    STRIPE_WEBHOOK_SECRETS = os.environ.get("STRIPE_WEBHOOK_SECRETS", "")
    # The Connect endpoint's signing secret (events of connected accounts, e.g. account.updated,
    # POSTed to /webhooks/stripe/connect), and its extra secrets during a rotation.
    STRIPE_CONNECT_WEBHOOK_SECRET = os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET")
    STRIPE_CONNECT_WEBHOOK_SECRETS = os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRETS", "")
    # Where the built-in emulator's hosted Checkout and onboarding pages live (no keys set).
    STRIPE_EMULATOR_BASE_URL = os.environ.get("STRIPE_EMULATOR_BASE_URL", "/emulator")
    # The emulator's state, a SQLite file shared by every process (default
    # instance/stripe_emulator.sqlite3; memory only in tests). docs/payments.md.
    STRIPE_EMULATOR_STATE = os.environ.get("STRIPE_EMULATOR_STATE") or None
    # Staged release: this share of the price is released on approval, the rest when the
    # keep-live period ends with the note still live.
    RELEASE_ON_APPROVAL_BPS = int(os.environ.get("RELEASE_ON_APPROVAL_BPS", "7000"))
    # Days before a usage licence ends that its brand is told (app/licences/services.py).
    LICENCE_REMINDER_DAYS = int(os.environ.get("LICENCE_REMINDER_DAYS", "7"))

    # Hours a brand has to fund an accepted bid's contract before it can be cancelled.
    FUNDING_DEADLINE_HOURS = int(os.environ.get("FUNDING_DEADLINE_HOURS", "72"))

    # Paperwork (docs/finance.md): the platform as the seller on invoices and credit notes.
    # INVOICE_ISSUER prefixes their numbers (KOL-INV-2026-000001); each issuer, series and
    # year is numbered without gaps. Amounts paid include tax at INVOICE_TAX_RATE_BPS (0: none).
    INVOICE_ISSUER = os.environ.get("INVOICE_ISSUER", "KOL")
    INVOICE_SELLER_NAME = os.environ.get("INVOICE_SELLER_NAME", "KOL Market Ltd.")
    INVOICE_SELLER_ADDRESS = os.environ.get(
        "INVOICE_SELLER_ADDRESS", "1 Market Street, London EC1A 1AA, United Kingdom"
    )
    INVOICE_SELLER_TAX_ID = os.environ.get("INVOICE_SELLER_TAX_ID", "")
    INVOICE_TAX_RATE_BPS = int(os.environ.get("INVOICE_TAX_RATE_BPS", "0"))
    # Fernet key(s) for KOLs' tax ids, comma-separated (the first encrypts). Unset outside
    # production: derived from SECRET_KEY. Production refuses to start without one.
    TAX_ID_ENCRYPTION_KEY = os.environ.get("TAX_ID_ENCRYPTION_KEY", "")
    # A TrueType/OpenType font (.ttf/.otf/.ttc) with Chinese glyphs for PDFs; unset: the Noto
    # CJK or WenQuanYi fonts where Debian puts them, else PDFs are written in English only.
    PDF_FONT_PATH = os.environ.get("PDF_FONT_PATH", "")

    # Operations (docs/operations.md): logs, metrics, health, proxies.
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("json" if ENV_NAME == "production" else "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")  # bearer token for /metrics
    METRICS_ALLOW_IPS = os.environ.get("METRICS_ALLOW_IPS", "")  # addresses/CIDRs, comma-separated
    HEALTH_OUTBOX_MAX_AGE = int(os.environ.get("HEALTH_OUTBOX_MAX_AGE", "300"))
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0 = none).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    # Brands' webhook endpoints may be private/loopback addresses (development and tests only:
    # in production they are refused, so a brand cannot make us call our own network).
    WEBHOOKS_ALLOW_PRIVATE = _bool("WEBHOOKS_ALLOW_PRIVATE", True)
    # After a brand rotates an endpoint's signing secret, the old one still signs (a second
    # signature) for this many hours, so its receiver can switch over without missing events.
    WEBHOOKS_SECRET_GRACE_HOURS = int(os.environ.get("WEBHOOKS_SECRET_GRACE_HOURS", "24"))


class ProductionConfig(Config):
    ENV_NAME = "production"
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")  # required (app/__init__.py)
    WEBHOOKS_ALLOW_PRIVATE = _bool("WEBHOOKS_ALLOW_PRIVATE", False)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    MAIL_BACKEND = "outbox"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///:memory:")
    JOBS_INLINE = True
    # The suite makes thousands of accounts and sign-ins: the same scrypt at N=2^7 (under
    # a millisecond). Production's cost is asserted in tests/auth/test_password_hashing.py.
    PASSWORD_HASH_METHOD = "scrypt:128:8:1"  # noqa: S105 - a method name, not a password
    MEDIA_STORE = "local"  # the S3 tests switch it on for themselves (moto)
    # The fuzzing and stateful API tests make thousands of calls with one key; the limit's
    # own tests (tests/api/test_api_rate_limits.py) set a small one.
    API_RATE_LIMIT = "100000 per minute"
    API_RATE_LIMIT_ANONYMOUS = "100000 per minute"


class ConfigError(ValueError):
    """A setting the app cannot run with; the message names it and says what it takes."""


@dataclass(frozen=True)
class Setting:
    """A setting read from the environment when the app starts, typed like its default."""

    name: str
    default: str | int | float
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    def parse(self, raw: object) -> str | int | float:
        kind = type(self.default)
        try:
            value = raw if isinstance(raw, kind) else kind(str(raw).strip())
        except ValueError:
            what = {int: "a whole number", float: "a number"}.get(kind, kind.__name__)
            raise ConfigError(f"{self.name} must be {what} (got {raw!r})") from None
        if self.choices and value not in self.choices:
            raise ConfigError(f"{self.name} must be one of {', '.join(self.choices)} (got {raw!r})")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            limit = f"between {self.low} and {self.high}" if self.high else f"at least {self.low}"
            raise ConfigError(f"{self.name} must be {limit} (got {value})")
        return value


BUFFER_MODES = ("auto", "redis", "direct")  # auto: Redis when REDIS_URL is set
# The tracking and engagement hot paths read these from app.config (each os.environ lookup
# encodes and decodes); docs/operations.md "Configuration" says what each does.
STARTUP_SETTINGS = (
    Setting("ANALYTICS_BUFFER", "auto", choices=BUFFER_MODES),
    # 1: single hits leave the request path (app/analytics/hitbuffer.py); needs Redis.
    Setting("ANALYTICS_ASYNC", 0, low=0, high=1),
    Setting("ANALYTICS_STREAM", "analytics:events"),
    Setting("ANALYTICS_GROUP", "writers"),
    Setting("ANALYTICS_BATCH_SECRET", ""),  # HMAC secret for signed batches ("" = refused)
    # The writer finds a view's last counted view in the visitor-days of its own day and the
    # days either side (app/analytics/pg_ingest.py): a window of at most one day.
    Setting("ANALYTICS_DEDUPE_MINUTES", 30, low=1, high=1440),
    Setting("ANALYTICS_ATTRIBUTION_DAYS", 7, low=1),
    # Orders from the public order-page snippet (unconfirmed until the brand's key confirms
    # them): the largest value taken, in minor units, and how often one click may report.
    Setting("ANALYTICS_SNIPPET_MAX_VALUE", 10_000_000, low=1),
    Setting("ANALYTICS_SNIPPET_LIMIT", "10 per hour"),
    Setting("ANALYTICS_DASHBOARD_SECONDS", 5, low=0),
    Setting("ANALYTICS_RETENTION_DAYS", 90, low=1),  # keeps at least those visitor-days
    # Client event ids are deduplicated for this long after they arrive (analytics_event_ids).
    Setting("ANALYTICS_EVENT_ID_DAYS", 7, low=1),
    # PostgreSQL: monthly partitions of analytics_events the scheduler keeps ahead of today.
    Setting("ANALYTICS_PARTITIONS_AHEAD", 2, low=1, high=24),
    Setting("ANALYTICS_DRAIN_BATCH", 1000, low=1),  # stream entries per drain
    # Seconds single hits gather after a small drain (below ANALYTICS_WRITER_SPLIT_ROWS), cut
    # short once ANALYTICS_WRITER_WAKE_ENTRIES stream entries wait (a burst of batches).
    Setting("ANALYTICS_WRITER_PAUSE", 1.0, low=0),
    Setting("ANALYTICS_WRITER_WAKE_ENTRIES", 50, low=1),
    # PostgreSQL: N > 1 stores each chunk of at least SPLIT_ROWS events in N sessions at once
    # (one per visitor partition): every writer process must use the same N.
    Setting("ANALYTICS_WRITER_SESSIONS", 2, low=1, high=8),
    Setting("ANALYTICS_WRITER_SPLIT_ROWS", 2000, low=1),
    Setting("ANALYTICS_BOT_SHARE", 0.3, low=0, high=1),  # flag a note above this bot share
    Setting("ANALYTICS_SPIKE_FACTOR", 5.0, low=1),  # flag a day above this x the baseline
    Setting("ANALYTICS_QUIET_VIEWS", 200, low=1),  # flag this many views and no click
    # Where tracking data lives (app/analytics/store/): sql (the app's database) or clickhouse
    # (CLICKHOUSE_URL: a server's http(s):// address, or chdb://<directory> in process).
    Setting("ANALYTICS_STORE", "sql", choices=("sql", "clickhouse")),
    Setting("CLICKHOUSE_URL", ""),
    Setting("ENGAGEMENT_BUFFER", "auto", choices=BUFFER_MODES),
    Setting("ENGAGEMENT_STREAM", "engagement:actions"),
    Setting("ENGAGEMENT_GROUP", "writers"),
    Setting("ENGAGEMENT_DRAIN_BATCH", 1000, low=1),
    Setting("ENGAGEMENT_TRUST_DAYS", 3, low=0),  # accounts younger than this are flagged
)


def load_startup_settings(config: dict, environ: Mapping[str, str] = os.environ) -> None:
    """Fill in every STARTUP_SETTINGS name the app was not given from the environment, and
    check every one (given or read): a bad value stops the app with a ConfigError naming it."""
    for setting in STARTUP_SETTINGS:
        raw = config.get(setting.name) if setting.name in config else environ.get(setting.name)
        config[setting.name] = setting.default if raw is None else setting.parse(raw)
    if config["ANALYTICS_STORE"] == "clickhouse":
        check_clickhouse_url(config["CLICKHOUSE_URL"])


# What each form of CLICKHOUSE_URL imports (chdb's transport binds parameters with
# clickhouse-connect's own function, app/analytics/store/transports.py).
CLICKHOUSE_SCHEMES = {
    "http": ("clickhouse_connect",),
    "https": ("clickhouse_connect",),
    "chdb": ("chdb", "clickhouse_connect"),
}


def check_clickhouse_url(url: str) -> None:
    """ANALYTICS_STORE=clickhouse needs CLICKHOUSE_URL: a server's http(s)://host[:port] address
    (clickhouse-connect installed: ``pip install .[clickhouse]``) or chdb://<directory> (chdb
    installed). Checked when the app starts, not at the first tracked hit; the server itself is
    not called (it may come up after the app)."""
    from importlib.util import find_spec
    from urllib.parse import urlsplit

    if not url.strip():
        raise ConfigError("CLICKHOUSE_URL must be set when ANALYTICS_STORE=clickhouse")
    parts = urlsplit(url.strip())
    modules = CLICKHOUSE_SCHEMES.get(parts.scheme)
    if modules is None:
        raise ConfigError(
            f"CLICKHOUSE_URL must start with http://, https:// or chdb:// (got {parts.scheme!r})"
        )
    if parts.scheme == "chdb" and not (parts.netloc or parts.path.strip("/")):
        raise ConfigError("CLICKHOUSE_URL must name a directory after chdb://")
    if parts.scheme != "chdb" and not parts.hostname:
        raise ConfigError(f"CLICKHOUSE_URL must name a host after {parts.scheme}://")
    missing = [module for module in modules if find_spec(module) is None]
    if missing:
        install = "pip install .[clickhouse]" if parts.scheme != "chdb" else "requirements-dev.txt"
        raise ConfigError(
            f"CLICKHOUSE_URL {parts.scheme}:// needs {', '.join(missing)} installed ({install})"
        )


def config_for(name: str | None) -> type[Config]:
    name = name or os.environ.get("APP_ENV", "development")
    return {"production": ProductionConfig, "test": TestConfig}.get(name, Config)
