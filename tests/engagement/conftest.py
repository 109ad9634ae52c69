import pytest


@pytest.fixture(autouse=True)
def _direct_unless_redis(request, app, monkeypatch):
    """Engagement writes go straight to the database, except in the tests marked redis (which
    use a stream of their own): each test knows which path it exercises."""
    if request.node.get_closest_marker("redis") is None:
        monkeypatch.setitem(app.config, "ENGAGEMENT_BUFFER", "direct")
