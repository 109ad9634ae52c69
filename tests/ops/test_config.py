"""Production refuses to start with a default secret or debug on; .env.example lists every
setting the app reads; .env is read outside tests only, never over the environment."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import config
from app import create_app
from tests.factories import PRODUCTION_STRIPE

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3Jx9-p2QvLr8sT0wYz4aB6cD1eF5gH7iJ"


@pytest.mark.parametrize(
    "secret",
    [None, "", "change-me", "changeme", "secret", "test-secret-key", "short-but-random-1"],
)
def test_production_refuses_a_missing_or_default_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_refuses_the_env_example_secret():
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            "production", SECRET_KEY=example["SECRET_KEY"], SQLALCHEMY_DATABASE_URI="sqlite://"
        )


def test_production_refuses_debug():
    with pytest.raises(RuntimeError, match="debug"):
        create_app(
            "production", SECRET_KEY=GOOD_SECRET, DEBUG=True, SQLALCHEMY_DATABASE_URI="sqlite://"
        )


def test_production_starts_with_a_real_secret_and_logs_json():
    app = create_app(
        "production",
        SECRET_KEY=GOOD_SECRET,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        **PRODUCTION_STRIPE,
    )
    assert app.config["LOG_FORMAT"] == "json"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _names_read_from_the_environment() -> set[str]:
    names: set[str] = set()
    pattern = re.compile(
        r"""(?:environ\.get|getenv|_bool|_int|_flag)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    for path in [
        ROOT / "config.py",
        ROOT / "gunicorn.conf.py",
        *sorted((ROOT / "app").rglob("*.py")),
    ]:
        names |= set(pattern.findall(path.read_text()))
    return names | {setting.name for setting in config.STARTUP_SETTINGS}


def test_env_example_lists_every_setting_the_app_reads():
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    read = _names_read_from_the_environment()
    assert {"SECRET_KEY", "DATABASE_URL", "WEB_CONCURRENCY", "ANALYTICS_BUFFER"} <= read
    assert read - listed == set(), "add these to .env.example with their meaning"


def test_the_operations_guide_says_where_every_setting_lives():
    guide = (ROOT / "docs" / "operations.md").read_text()
    missing = {name for name in _names_read_from_the_environment() if f"`{name}`" not in guide}
    assert missing == set(), "add these to docs/operations.md, Configuration"


def test_dotenv_is_read_outside_tests_without_overriding(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("KOL_OPS_FROM_FILE=file\nKOL_OPS_ALREADY_SET=file\n")
    monkeypatch.setattr(config, "BASE_DIR", tmp_path)
    monkeypatch.setenv("KOL_OPS_ALREADY_SET", "environment")
    monkeypatch.delenv("KOL_OPS_FROM_FILE", raising=False)
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    config.load_dotenv_file()  # under pytest: ignored
    assert "KOL_OPS_FROM_FILE" not in config.os.environ
    monkeypatch.delitem(sys.modules, "pytest")  # as in production
    config.load_dotenv_file()
    assert config.os.environ["KOL_OPS_FROM_FILE"] == "file"
    assert config.os.environ["KOL_OPS_ALREADY_SET"] == "environment"
    monkeypatch.delenv("KOL_OPS_FROM_FILE")


def test_startup_settings_are_read_from_the_environment_once_and_overrides_win(monkeypatch):
    """The tracked hit and the like read their settings from the config: the environment is
    read when the app starts (typed like the defaults), and what the app is given wins."""
    monkeypatch.setenv("ANALYTICS_DEDUPE_MINUTES", "45")
    monkeypatch.setenv("ANALYTICS_STREAM", "from:environment")
    monkeypatch.setenv("ENGAGEMENT_TRUST_DAYS", "5")
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", ANALYTICS_STREAM="given")
    assert app.config["ANALYTICS_DEDUPE_MINUTES"] == 45
    assert app.config["ANALYTICS_STREAM"] == "given"
    assert app.config["ANALYTICS_WRITER_PAUSE"] == 1.0  # the default, as a number
    assert app.config["ENGAGEMENT_TRUST_DAYS"] == 5


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [("ANALYTICS_BUFFER", "redsi", "one of auto, redis, direct"),
     ("ENGAGEMENT_BUFFER", "", "one of auto, redis, direct"),
     ("ANALYTICS_DRAIN_BATCH", "1k", "a whole number"),
     ("ENGAGEMENT_TRUST_DAYS", "-1", "at least 0"),
     ("ANALYTICS_BOT_SHARE", "30", "between 0 and 1")],
)  # fmt: skip
def test_a_setting_the_app_cannot_use_stops_it_with_its_name(monkeypatch, name, value, says):
    """A typo in the environment is refused at start, naming the setting, not met later as a
    500 on the first tracked hit (or, for a buffer mode, silently read as "auto")."""
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match=f"{name} must be {says}"):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_a_bad_value_given_to_the_app_is_refused_too():
    with pytest.raises(config.ConfigError, match="ENGAGEMENT_BUFFER"):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", ENGAGEMENT_BUFFER="fast")


@pytest.mark.parametrize(
    ("name", "value"),
    [("ANALYTICS_DEDUPE_MINUTES", "0"), ("ANALYTICS_DEDUPE_MINUTES", "1441"),
     ("ANALYTICS_RETENTION_DAYS", "0")],
)  # fmt: skip
def test_a_dedupe_window_or_retention_the_writer_cannot_keep_stops_the_app(
    monkeypatch, name, value
):
    """The writer reads a view's last counted view from the visitor-days of its day and the
    days either side: a window longer than a day, or keeping no day, would miss repeats."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_prune_keeps_at_least_a_day(app):
    result = app.test_cli_runner().invoke(args=["analytics", "prune", "--days", "0"])
    assert result.exit_code == 2
    assert "--days" in result.output


@pytest.mark.parametrize(
    ("url", "says"),
    [("", "CLICKHOUSE_URL must be set when ANALYTICS_STORE=clickhouse"),
     ("clickhouse.internal:8123", "CLICKHOUSE_URL must start with http://, https:// or chdb://"),
     ("tcp://clickhouse.internal:9000", "CLICKHOUSE_URL must start with"),
     ("http://", "CLICKHOUSE_URL must name a host after http://"),
     ("chdb://", "CLICKHOUSE_URL must name a directory after chdb://")],
)  # fmt: skip
def test_a_clickhouse_store_without_a_usable_address_stops_the_app_at_start(monkeypatch, url, says):
    """ANALYTICS_STORE=clickhouse with CLICKHOUSE_URL missing or malformed is refused when the
    app starts, naming the setting, not at the first tracked hit or dashboard read."""
    monkeypatch.setenv("ANALYTICS_STORE", "clickhouse")
    monkeypatch.setenv("CLICKHOUSE_URL", url)
    with pytest.raises(config.ConfigError, match=says):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_a_clickhouse_store_names_the_missing_client(monkeypatch):
    monkeypatch.setenv("ANALYTICS_STORE", "clickhouse")
    monkeypatch.setenv("CLICKHOUSE_URL", "https://analytics:pw@clickhouse.internal:8443")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(
        config.ConfigError, match=r"CLICKHOUSE_URL https:// needs clickhouse_connect"
    ):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_a_clickhouse_store_with_an_address_starts_and_the_sql_store_ignores_it(monkeypatch):
    """A well-formed address starts the app without calling the server (it may come up later);
    with the default store a leftover CLICKHOUSE_URL is not read at all."""
    monkeypatch.setenv("CLICKHOUSE_URL", "http://clickhouse.internal:8123")
    monkeypatch.setenv("ANALYTICS_STORE", "clickhouse")
    assert create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://").config["ANALYTICS_STORE"] == (
        "clickhouse"
    )
    monkeypatch.setenv("ANALYTICS_STORE", "sql")
    monkeypatch.setenv("CLICKHOUSE_URL", "nonsense")
    create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
