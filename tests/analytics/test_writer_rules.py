"""The writer's dedupe rules, decided in SQL on PostgreSQL (app/analytics/pg_ingest.py) and in
Python on SQLite (rollups.flag_views), give the same flags as a plain replay of the rules, drain
after drain: repeats inside and outside the window (either side of the stored mark), across
midnight, bots, clicks, a visitor on two notes of one campaign or of one KOL, ids repeated in one
drain and replayed in a later one. The rollups equal the counts from the raw events."""

import random

import pytest

from app.auth.models import User
from app.extensions import db
from tests.analytics.rules import (
    assert_rollups_match_raw_events,
    at,
    expected_flags,
    ingest_drains,
)
from tests.analytics.support import campaign_for, event, published_note, random_drains
from tests.factories import make_kol


def test_a_tricky_sequence_gives_the_flags_of_the_rules():
    campaign = campaign_for()
    note, sibling, other = published_note(campaign), published_note(campaign), published_note()
    same_kol = published_note(kol=db.session.get(User, note.kol_id))  # another campaign
    a, b = "a" * 32, "b" * 32

    def view(n, minutes, visitor=a, event_id=None, **extra):
        return event(n, at=at(minutes), visitor=visitor, event_id=event_id, **extra)

    first = [
        view(note, -20, event_id="first-a"),  # 23:40 the day before: counted, new that day
        view(note, -5),  # 15 minutes later: a repeat
        view(note, 5),  # after midnight, 25 minutes after the counted view: still a repeat
        view(note, 10, event_id="after-midnight"),  # 30 minutes on the dot: counted, new day
        view(note, 10, event_id="after-midnight"),  # the same id twice in one drain
        view(sibling, 12),  # the campaign's other note: a note unique, not a campaign one
        view(other, 12),  # another campaign: unique in both
        view(same_kol, 13, event_id="same-kol"),  # the KOL's note in another campaign
        view(note, 20, bot=True),  # bots are never counted and move no mark
        event(note, "click", visitor=a, at=at(21)),
        view(note, 40, visitor=b),
        view(note, 39, visitor=b),  # out of order: the earlier one counts
    ]
    second = [
        first[0],  # replayed: stored already, changes nothing
        view(note, 35),  # 25 minutes after the stored mark (00:10): a repeat
        view(note, 40, event_id="next-drain"),  # 30 minutes on the dot after it: counted
        view(note, 60),  # a repeat
        view(note, 75),  # 35 minutes after 00:40: counted
    ]
    third = [
        view(note, -60, event_id="late"),  # 23:00 the day before, long before the mark: counted
        view(sibling, 30),  # 18 minutes after the sibling's mark: a repeat
    ]
    fourth = [
        view(note, 46),  # 29 minutes before the mark (01:15): a repeat
        view(note, 45, event_id="window-before"),  # 30 minutes on the dot before it: counted
    ]
    drains = [first, second, third, fourth]
    got = ingest_drains(drains)
    assert got == expected_flags(drains)
    assert got["first-a"] == (True, True, True, True)
    assert got["after-midnight"] == (True, True, True, True)
    assert got["same-kol"] == (True, True, True, False)  # the KOL had this visitor today
    assert got["next-drain"] == (True, False, False, False)
    assert got["late"] == (True, False, False, False)
    assert got["window-before"] == (True, False, False, False)
    assert len(got) == len({e["id"] for d in drains for e in d})
    assert_rollups_match_raw_events()


def test_the_window_reaches_into_the_stored_day_before_and_after_midnight():
    note = published_note()
    a, b = "a" * 32, "b" * 32

    def view(minutes, event_id, visitor):
        return event(note, at=at(minutes), visitor=visitor, event_id=event_id)

    drains = [
        [view(-10, "a-23:50", a), view(10, "b-00:10", b)],
        # The day after the stored 23:50, 25 minutes later: a repeat. The day before the
        # stored 00:10, arriving late, 25 minutes earlier: a repeat.
        [view(15, "a-00:15", a), view(-15, "b-23:45", b)],
        # A window away from them either side: counted, each a new visitor of its day.
        [view(20, "a-00:20", a), view(-20, "b-23:40", b)],
    ]
    got = ingest_drains(drains)
    assert got == expected_flags(drains)
    assert got["a-00:15"] == got["b-23:45"] == (False, False, False, False)
    assert got["a-00:20"] == got["b-23:40"] == (True, True, True, True)
    assert_rollups_match_raw_events()


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences_give_the_flags_of_the_rules(seed):
    rng = random.Random(seed)
    campaign, kol = campaign_for(), make_kol(verified=True)
    # Two notes of one campaign (KOLs apart), two notes of one KOL (campaigns apart), another.
    notes = [published_note(campaign, kol), published_note(campaign), published_note(kol=kol),
             published_note()]  # fmt: skip
    visitors = [f"{v:032x}" for v in range(3)]  # whole minutes below: often a window apart
    drains = random_drains(
        rng, notes, visitors, sizes=(5, 40), when=lambda r: at(r.randrange(-180, 180))
    )
    assert ingest_drains(drains) == expected_flags(drains)
    assert_rollups_match_raw_events()
