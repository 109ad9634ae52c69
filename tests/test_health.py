from app import create_app
from tests.conftest import REDIS_URL


def test_health_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if REDIS_URL else "disabled")


def test_health_names_redis_down_but_stays_up(app, client):
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json()["redis"] == "down"
        assert response.get_json()["status"] == "degraded"
    finally:
        app.config["REDIS_URL"] = saved


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
        UPLOAD_DIR=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_pages_answer_503_not_500_when_the_database_is_down(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
        UPLOAD_DIR=str(tmp_path),
    )
    response = app.test_client().get("/kols/1")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
