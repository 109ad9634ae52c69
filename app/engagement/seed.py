"""Demo shopper for `make run`: interests, a follow, likes, saves on boards (one bought),
comments with a reply, and a reported comment waiting in the admins' queue."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_user
from app.engagement import comments, services
from app.engagement.shoppers import update_shopper_profile
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.profiles.services import create_profile_for

EMAIL = "shopper@demo.kol.test"


def _user(local: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == f"{local}@demo.kol.test"))


def seed_social() -> bool:
    """Create the demo shopper once; returns False when it is already there."""
    from app.seed import DEMO_PASSWORD

    if _user("shopper") is not None:
        return False
    shopper = create_user(email=EMAIL, password=DEMO_PASSWORD, role=Role.SHOPPER, locale="en")
    create_profile_for(user=shopper, name="Yuki Shops")
    update_shopper_profile(
        user_id=shopper.id, display_name="Yuki Shops", interests=["beauty", "food"]
    )
    db.session.commit()
    notes = list(
        db.session.scalars(
            select(Note).where(Note.status == NoteStatus.PUBLISHED).order_by(Note.id)
        )
    )
    lily, aki = _user("kol"), _user("aki")
    if lily is not None:
        services.follow(shopper, lily.id, notes[0].id if notes else None)
    skincare = services.create_board(shopper, "Skincare to try", is_private=False)
    services.create_board(shopper, "Gift ideas", is_private=True)
    db.session.commit()
    for note in notes:
        services.like(shopper, note.id)
        services.save(shopper, note.id, skincare.id)
    if notes:
        services.mark_bought(shopper, notes[0].id)
        first = notes[0]
        question = comments.add_comment(
            note_id=first.id,
            user_id=shopper.id,
            body="Does it sting on sensitive skin? Thinking of buying it for winter.",
        )
        comments.add_comment(
            note_id=first.id,
            user_id=first.kol_id,
            parent_id=question.id,
            body="Not at all for me — patch test first, but it's very gentle!",
        )
        if aki is not None:
            spam = comments.add_comment(
                note_id=first.id,
                user_id=aki.id,
                body="DM me for 50% off codes!!! Link in my bio",
            )
            comments.report_comment(
                comment_id=spam.id, user_id=shopper.id, reason="Looks like spam"
            )
    db.session.commit()
    return True
