"""The batch endpoint: at most 500 events, signed views/clicks, keyed conversions, bad events
rejected one by one with reasons while the good ones are kept."""

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from app import pagecache
from app.analytics.models import Conversion, HourlyRollup, TrackingEvent
from app.auth.models import Role
from app.extensions import db
from app.notes.models import NoteStatus
from tests.analytics.support import bearer, hit, published_note, signed_post
from tests.factories import make_api_key, make_user


def test_more_than_500_events_are_refused_whole(client):
    note = published_note()
    response = signed_post(client, {"events": [hit(note.tracking_code, n) for n in range(501)]})
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0


def test_unsigned_or_badly_signed_view_batches_are_refused(client):
    note = published_note()
    payload = {"events": [hit(note.tracking_code, 1)]}
    assert client.post("/api/v1/events/batch", json=payload).status_code == 401
    assert signed_post(client, payload, secret="wrong").status_code == 401


def test_bad_events_are_rejected_with_reasons_and_good_ones_kept(client):
    note = published_note()
    events = [
        hit(note.tracking_code, 1),
        hit("nosuchcode", 2),
        {"type": "view", "code": note.tracking_code, "visitor": "v3"},  # no event id
        hit(note.tracking_code, 4, kind="click"),
        {"type": "teleport"},
        hit(note.tracking_code, 6, time="not a time"),
        "not an object",
        {"type": "conversion", "order_id": "X", "value": 1, "currency": "usd"},  # no key
    ]
    response = signed_post(client, {"events": events})
    assert response.status_code == 200
    assert response.json["accepted"] == 2
    rejected = {r["index"]: r["errors"] for r in response.json["rejected"]}
    assert set(rejected) == {1, 2, 4, 5, 6, 7}
    assert "code" in rejected[1] and "event_id" in rejected[2] and "time" in rejected[5]
    assert db.session.scalar(select(func.sum(HourlyRollup.views))) == 1
    assert db.session.scalar(select(func.sum(HourlyRollup.clicks))) == 1
    again = signed_post(client, {"events": events})  # the edge server retries the batch
    assert again.json["accepted"] == 2
    assert db.session.scalar(select(func.sum(HourlyRollup.views))) == 1


def test_long_client_ids_that_differ_only_at_the_end_are_two_events(client):
    """Ids of up to 64 characters are accepted; stored beside a prefix they must not be cut so
    that two of them become one (the second dropped as a replay). A trailing newline is not
    part of a valid id."""
    note = published_note()
    stem = "e" * 62
    events = [hit(note.tracking_code, n, event_id=f"{stem}{n:02d}") for n in (1, 2)]
    events.append(hit(note.tracking_code, 3, event_id="edge-000003\n"))
    response = signed_post(client, {"events": events})
    assert response.json["accepted"] == 2
    assert [r["index"] for r in response.json["rejected"]] == [2]
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 2
    signed_post(client, {"events": events[:2]})  # retried: still two
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 2
    assert db.session.scalar(select(func.sum(HourlyRollup.views))) == 2


def test_a_brand_key_sends_conversions_in_a_batch(client):
    brand = make_user(Role.BRAND)
    key = make_api_key(brand)
    events = [
        {"type": "conversion", "order_id": f"B-{n}", "value": 100 * n, "currency": "usd"}
        for n in range(1, 4)
    ] + [{"type": "conversion", "order_id": "", "value": 1, "currency": "usd"}]
    response = client.post("/api/v1/events/batch", json={"events": events}, headers=bearer(key))
    assert response.status_code == 200
    assert response.json["accepted"] == 3
    assert [r["index"] for r in response.json["rejected"]] == [3]
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 3


def test_views_in_a_brand_batch_need_a_signature(client):
    brand = make_user(Role.BRAND)
    note = published_note(brand=brand)
    response = client.post(
        "/api/v1/events/batch",
        json={"events": [hit(note.tracking_code, 1)]},
        headers=bearer(make_api_key(brand)),
    )
    assert response.json["accepted"] == 0 and response.json["rejected"][0]["index"] == 0


def test_batches_read_notes_from_the_page_cache_until_a_note_changes(app, client, monkeypatch):
    """No query for the notes per batch while they are cached; a note taken down stops
    counting at once."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", True)
    pagecache._store.clear()
    note = published_note()
    assert signed_post(client, {"events": [hit(note.tracking_code, 1)]}).json["accepted"] == 1
    reads = []

    def listener(_conn, _cursor, statement, *_args):
        if "FROM notes" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = signed_post(client, {"events": [hit(note.tracking_code, 2)]})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert again.json["accepted"] == 1 and reads == []
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    gone = signed_post(client, {"events": [hit(note.tracking_code, 3)]})
    assert gone.json["accepted"] == 0 and "code" in gone.json["rejected"][0]["errors"]
    pagecache._store.clear()


def test_the_analytics_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/conversions"] and "post" in paths["/events/batch"]
    for path in ("/campaigns/{campaign_id}/stats", "/notes/{note_id}/stats",
                 "/contracts/{contract_id}/stats"):  # fmt: skip
        assert "get" in paths[path]


def test_an_unknown_field_in_a_batch_event_is_rejected_by_name(client):
    """Each event is held to its declared schema: a conversion with a field the API does not
    know (a typo of ``value``, say) is rejected, not stored without it."""
    brand = make_user(Role.BRAND)
    events = [
        {"type": "conversion", "order_id": "T-1", "valeu": 100, "value": 1, "currency": "usd"},
        {"type": "conversion", "order_id": "T-2", "value": 100, "currency": "usd"},
    ]
    response = client.post(
        "/api/v1/events/batch", json={"events": events}, headers=bearer(make_api_key(brand))
    )
    assert response.json["accepted"] == 1
    assert response.json["rejected"] == [{"index": 0, "errors": {"valeu": ["Unknown field."]}}]
    assert db.session.scalars(select(Conversion.order_id)).all() == ["T-2"]


def test_the_batch_document_is_generated_from_the_event_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    events = schemas["BatchInput"]["properties"]["events"]["items"]
    assert events["oneOf"] == [
        {"$ref": "#/components/schemas/HitEvent"},
        {"$ref": "#/components/schemas/ConversionEvent"},
    ]
    assert schemas["HitEvent"]["properties"]["visitor"]["maxLength"] == 64
    assert schemas["ConversionEvent"]["additionalProperties"] is False


_hit_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=70),
    st.from_regex(r"[A-Za-z0-9_.:-]{6,66}", fullmatch=True),
    st.integers(0, 70).map(lambda n: "x" * n),  # every length around each bound
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["event_id", "code", "visitor", "time", "bot", "extra"]),
        _hit_values,
        max_size=2,
    ),
    st.sets(st.sampled_from(["time", "bot"])),
)
def test_a_hit_taken_without_the_schema_is_one_the_schema_gives_back_unchanged(
    app, changed, dropped
):
    """The batch's fast path (``_as_declared``) skips HitEvent's load only for an event that
    load would return as it is: never one the schema would refuse or change. Each example is
    a well-formed view with one or two fields changed to any value, or dropped."""
    from marshmallow import ValidationError

    from app.analytics.api import HitEvent, _as_declared

    event = {"type": "view", "event_id": "edge-000001", "code": "c0de", "visitor": "v1",
             "time": "2026-12-06T10:00:00Z", "bot": False}  # fmt: skip
    event = {k: v for k, v in event.items() if k not in dropped} | changed
    if not _as_declared(event):
        return
    try:
        assert HitEvent().load(event) == event
    except ValidationError as error:
        raise AssertionError(f"taken as declared, refused by the schema: {error}") from None


def test_a_batch_of_well_formed_hits_is_taken_whole(client):
    note = published_note()
    events = [hit(note.tracking_code, n, bot=n % 2 == 0, time=None) for n in range(1, 6)]
    response = signed_post(client, {"events": events})
    assert (response.json["accepted"], response.json["rejected"]) == (5, [])
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 5
