"""Every page reachable by following links from the home page, as each demo role, on the demo
data `make run` seeds: no server errors, no broken internal links."""

from __future__ import annotations

import re
from collections import deque

import pytest

from app import create_app
from tests.conftest import FreshContextClient, login

# Its own SQLite copy of the demo data, whatever the suite's database: the SQLite pass only
# (conftest `once`).
pytestmark = pytest.mark.once

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/media/", "/emulator/", "/go/", "/dev/outbox", "/api/")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, demo_seed):
    """The app on a copy of the run's seeded demo database (tests/conftest.py ``demo_seed``)."""
    url, uploads, _output = demo_seed(tmp_path_factory.mktemp("demo"))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=uploads, REDIS_URL=None)
    app.test_client_class = FreshContextClient
    return app


def _crawl(client, limit: int = 150) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and response.mimetype == "text/html":
            for link in LINK.findall(response.get_data(as_text=True)):
                link = link.replace("&amp;", "&")
                if link not in seen:
                    queue.append(link)
    return seen


@pytest.mark.parametrize("who", [None, "brand", "kol", "mia", "finance", "admin"])
def test_demo_pages_have_no_server_errors_or_dead_links(demo_app, who):
    client = demo_app.test_client()
    with demo_app.app_context():
        if who:
            assert login(client, f"{who}@demo.kol.test", "kol-demo-2026").status_code == 302
        statuses = _crawl(client)
    broken = {url: code for url, code in statuses.items() if code >= 500 or code == 404}
    print(f"{who or 'visitor'}: {len(statuses)} pages crawled")
    assert broken == {}
    assert len(statuses) > 5
