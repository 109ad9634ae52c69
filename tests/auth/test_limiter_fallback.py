import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import re
    from app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite:///{db}", UPLOAD_DIR="{tmp}",
                     REDIS_URL="redis://127.0.0.1:1/0")
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {{"email": "a@example.com", "password": "x" * 9, "csrf_token": token}}
    print(",".join(str(client.post("/auth/login", data=form).status_code) for _ in range(6)))
    """
)


def test_login_limiter_falls_back_when_redis_is_down(tmp_path):
    """An outage of the limiter's Redis must not turn sign-in into 500s, and limits still hold
    (in the database: tests/auth/test_rate_limits.py shows they hold across processes).

    Run in its own process: the limiter is process-wide and this app points it at a dead Redis."""
    script = SCRIPT.format(db=tmp_path / "limiter.sqlite3", tmp=tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    statuses = result.stdout.strip().splitlines()[-1].split(",")
    assert "500" not in statuses
    assert statuses == ["422"] * 5 + ["429"]
