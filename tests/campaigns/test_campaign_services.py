"""Campaign rules: validation of every field, every transition and every illegal one."""

from datetime import timedelta

import pytest

from app.campaigns import services
from app.campaigns.models import Campaign, CampaignStatus
from app.db_types import utcnow
from app.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from app.extensions import db
from app.status import history
from tests.campaigns.helpers import service_values
from tests.factories import make_bid, make_campaign, make_contract, make_user

S = CampaignStatus


def _draft(brand, **overrides) -> Campaign:
    campaign = services.create_campaign(brand_id=brand.id, values=service_values(**overrides))
    db.session.commit()
    return campaign


def _errors(**overrides) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        services.create_campaign(brand_id=1, values=service_values(**overrides))
    return caught.value.errors


def test_create_stores_minor_units_targets_normalised_tags_and_history(app):
    brand = make_user("brand")
    campaign = _draft(
        brand,
        niches=["beauty", "fashion"],
        tiers=["micro"],
        regions=["CN"],
        languages=["zh"],
        required_hashtags="glow, #Glow  #skin_care #glow",
        required_mentions=["glowlab", "@GlowLab", "@shop.cn"],
    )
    assert campaign.status == S.DRAFT and campaign.budget == 300_000
    assert campaign.targets_of("niche") == ["beauty", "fashion"]
    assert [campaign.targets_of(k) for k in ("tier", "region", "language")] == [
        ["micro"],
        ["CN"],
        ["zh"],
    ]
    assert campaign.required_hashtags == "#glow #skin_care"
    assert campaign.required_mentions == "@glowlab @shop.cn"
    assert (campaign.revision_rounds, campaign.review_window_days, campaign.keep_live_days) == (
        2,
        3,
        30,
    )
    assert [(h.from_status, h.to_status) for h in history("campaign", campaign.id)] == [
        (None, "draft")
    ]


def test_defaults_apply_when_terms_are_left_blank(app):
    campaign = _draft(
        make_user("brand"), revision_rounds=None, review_window_days=None, keep_live_days=None
    )
    assert (campaign.revision_rounds, campaign.review_window_days, campaign.keep_live_days) == (
        2,
        3,
        30,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"product_url": "javascript:alert(1)"}, "product_url"),
        ({"product_url": "ftp://files.example/x"}, "product_url"),
        ({"category": "weapons"}, "category"),
        ({"content_format": "podcast"}, "content_format"),
        ({"currency": "xyz"}, "currency"),
        ({"notes_wanted": 0}, "notes_wanted"),
        ({"notes_wanted": "3"}, "notes_wanted"),
        ({"budget": 0}, "budget"),
        ({"budget": -5}, "budget"),
        ({"budget": 10.5}, "budget"),
        ({"price_min": 0}, "price_min"),
        ({"price_min": 200_000, "price_max": 100_000}, "price_min"),
        ({"price_max": 400_000}, "price_max"),
        ({"min_followers": -1}, "min_followers"),
        ({"revision_rounds": 11}, "revision_rounds"),
        ({"review_window_days": 0}, "review_window_days"),
        ({"keep_live_days": 400}, "keep_live_days"),
        ({"niches": ["astrology"]}, "niches"),
        ({"tiers": ["giga"]}, "tiers"),
        ({"regions": ["XX"]}, "regions"),
        ({"languages": ["tlh"]}, "languages"),
        ({"required_hashtags": "#ok #<script>"}, "required_hashtags"),
        ({"required_mentions": "@a b@c"}, "required_mentions"),
        ({"application_deadline": utcnow() - timedelta(hours=1)}, "application_deadline"),
        ({"delivery_deadline": utcnow() - timedelta(hours=1)}, "delivery_deadline"),
        ({"application_deadline": None}, "application_deadline"),
        ({"delivery_deadline": utcnow() + timedelta(days=5)}, "delivery_deadline"),
    ],
)
def test_each_field_is_validated_with_its_name(app, overrides, field):
    assert field in _errors(**overrides)


def test_all_errors_come_at_once_and_nothing_is_written(app):
    before = db.session.query(Campaign).count()
    errors = _errors(title="", budget=0, currency="xyz", product_url="data:x")
    assert {"title", "budget", "currency", "product_url"} <= set(errors)
    assert db.session.query(Campaign).count() == before


def test_full_lifecycle_records_every_move(app):
    brand = make_user("brand")
    campaign = _draft(brand)
    kwargs = {"brand_id": brand.id, "campaign_id": campaign.id}
    assert services.publish_campaign(**kwargs).status == S.OPEN
    assert campaign.published_at is not None
    assert services.close_campaign(**kwargs).status == S.CLOSED
    assert services.reopen_campaign(**kwargs).status == S.OPEN
    assert services.cancel_campaign(**kwargs, reason="Budget cut").status == S.CANCELLED
    moves = [(h.from_status, h.to_status, h.reason) for h in history("campaign", campaign.id)]
    assert moves == [
        (None, "draft", None),
        ("draft", "open", None),
        ("open", "closed", None),
        ("closed", "open", None),
        ("open", "cancelled", "Budget cut"),
    ]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.OPEN, services.publish_campaign),
        (S.CLOSED, services.publish_campaign),
        (S.CANCELLED, services.publish_campaign),
        (S.COMPLETED, services.publish_campaign),
        (S.DRAFT, services.close_campaign),
        (S.CLOSED, services.close_campaign),
        (S.CANCELLED, services.close_campaign),
        (S.DRAFT, services.reopen_campaign),
        (S.OPEN, services.reopen_campaign),
        (S.CANCELLED, services.reopen_campaign),
        (S.COMPLETED, services.reopen_campaign),
        (S.CANCELLED, services.cancel_campaign),
        (S.COMPLETED, services.cancel_campaign),
    ],
)
def test_illegal_moves_are_409_and_write_nothing(app, status, action):
    brand = make_user("brand")
    campaign = make_campaign(brand, status=status)
    with pytest.raises(IllegalTransition) as caught:
        action(brand_id=brand.id, campaign_id=campaign.id)
    assert caught.value.status == 409
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).status == status
    assert len(history("campaign", campaign.id)) == 1


def test_publishing_needs_a_complete_campaign(app):
    brand = make_user("brand")
    campaign = _draft(brand, brief="", product_url="", product_name="")
    with pytest.raises(ValidationFailed) as caught:
        services.publish_campaign(brand_id=brand.id, campaign_id=campaign.id)
    assert {"brief", "product_url", "product_name"} <= set(caught.value.errors)
    assert campaign.status == S.DRAFT


def test_publishing_refuses_a_draft_whose_deadline_passed(app):
    brand = make_user("brand")
    campaign = make_campaign(
        brand, status=S.DRAFT, application_deadline=utcnow() - timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as caught:
        services.publish_campaign(brand_id=brand.id, campaign_id=campaign.id)
    assert "application_deadline" in caught.value.errors


def test_reopen_refused_after_the_application_deadline(app):
    brand = make_user("brand")
    campaign = make_campaign(
        brand, status=S.CLOSED, application_deadline=utcnow() - timedelta(hours=1)
    )
    with pytest.raises(Conflict):
        services.reopen_campaign(brand_id=brand.id, campaign_id=campaign.id)


def test_cancel_refused_once_deals_are_accepted(app):
    brand = make_user("brand")
    campaign = make_campaign(brand)
    make_contract(make_bid(campaign))
    with pytest.raises(Conflict):
        services.cancel_campaign(brand_id=brand.id, campaign_id=campaign.id)


def test_only_drafts_can_be_edited(app):
    brand = make_user("brand")
    campaign = make_campaign(brand)
    with pytest.raises(Conflict):
        services.update_campaign(
            brand_id=brand.id, campaign_id=campaign.id, values=service_values(title="Changed")
        )


def test_update_changes_fields_and_targets(app):
    brand = make_user("brand")
    campaign = _draft(brand, niches=["beauty", "food"], regions=["CN"])
    services.update_campaign(
        brand_id=brand.id,
        campaign_id=campaign.id,
        values=service_values(title="Autumn glow", niches=["beauty", "travel"], regions=[]),
    )
    db.session.commit()
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.title == "Autumn glow"
    assert campaign.targets_of("niche") == ["beauty", "travel"]
    assert campaign.targets_of("region") == []


def test_another_brand_gets_not_found(app):
    owner, other = make_user("brand"), make_user("brand")
    campaign = _draft(owner)
    for action in (
        services.publish_campaign,
        services.close_campaign,
        services.cancel_campaign,
        services.duplicate_campaign,
    ):
        with pytest.raises(NotFound):
            action(brand_id=other.id, campaign_id=campaign.id)
    with pytest.raises(NotFound):
        services.visible_campaign(campaign_id=campaign.id, user_id=other.id)
    assert services.visible_campaign(campaign_id=campaign.id, user_id=owner.id) is campaign


def test_duplicate_makes_a_new_draft_with_the_same_terms(app):
    brand = make_user("brand")
    source = make_campaign(brand, status=S.CLOSED)
    source.targets = []
    copy = services.duplicate_campaign(brand_id=brand.id, campaign_id=source.id)
    db.session.commit()
    assert copy.id != source.id and copy.status == S.DRAFT
    assert copy.title == "Copy of Spring skincare launch"
    assert (copy.budget, copy.price_max, copy.required_hashtags) == (
        source.budget,
        source.price_max,
        source.required_hashtags,
    )
    assert copy.committed_amount == 0 and copy.published_at is None
