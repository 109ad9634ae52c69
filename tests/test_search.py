"""Search that reads Chinese (app/search.py): notes, campaigns and KOLs are found by a Chinese
word inside a longer phrase, by mixed Chinese/English, best match first. Each test runs on
both databases; on PostgreSQL (CI's first pass) it goes through the GIN-indexed tsvector."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app import search
from app.campaigns import discovery
from app.campaigns import services as campaigns
from app.db_types import utcnow
from app.extensions import db
from app.notes import queries
from app.notes.models import Note
from app.profiles import services as profiles
from tests.campaigns.helpers import service_values
from tests.factories import make_campaign, make_kol, make_user
from tests.notes.support import draft_note, funded_contract, published_note


def _publish(brand, *, title, body="#ad", hours_ago=0, **fields):
    note = published_note(funded_contract(brand=brand), title=title, body=body, **fields)
    note.published_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()
    return note


def _found(q: str) -> list[str]:
    return [n.title for n in queries.explore_page(q=q).items]


def test_text_becomes_cjk_bigrams_and_lower_cased_words():
    assert search.tokens("夏天的防晒霜 Dior口红！ＳＰＦ50") == (
        "夏天 天的 的防 防晒 晒霜 霜 dior 口红 红 spf50"
    )
    assert search.tsquery("防晒霜 dior") == "('防晒' <-> '晒霜') & 'dior'"
    assert search.tsquery("？！") is None


def test_a_chinese_word_inside_a_longer_phrase_is_found(client):
    brand = make_user("brand")
    _publish(brand, title="夏天的防晒霜推荐")
    _publish(brand, title="冬天的面霜", body="保湿 #ad")
    assert _found("防晒霜") == ["夏天的防晒霜推荐"]
    assert _found("霜") == ["冬天的面霜", "夏天的防晒霜推荐"]  # one character: any word with it
    assert _found("？！") == []  # nothing searchable left
    html = client.get("/explore?q=防晒霜").get_data(as_text=True)
    assert "夏天的防晒霜推荐" in html and "冬天的面霜" not in html


def test_mixed_chinese_and_english_in_any_order():
    brand = make_user("brand")
    _publish(brand, title="DIOR 999 口红试色")
    _publish(brand, title="香奈儿口红", body="不是 dior 的颜色 #ad")
    _publish(brand, title="Dior 香水")
    assert _found("Dior 口红") == ["DIOR 999 口红试色", "香奈儿口红"]
    assert _found("口红 dior") == ["DIOR 999 口红试色", "香奈儿口红"]


def test_characters_that_are_not_next_to_each_other_do_not_match():
    brand = make_user("brand")
    _publish(brand, title="口红和红色的包")
    _publish(brand, title="这支口红色号很好")
    assert _found("口红色") == ["这支口红色号很好"]


def test_a_title_match_ranks_above_a_body_only_match():
    brand = make_user("brand")
    _publish(brand, title="我的护肤日记", body="最后说说防晒霜 #ad", hours_ago=0)
    _publish(brand, title="防晒霜测评", body="三款对比 #ad", hours_ago=5)
    assert _found("防晒霜") == ["防晒霜测评", "我的护肤日记"]
    assert queries.explore_page(q="防晒霜", tab="trending").total == 2


def test_an_edited_draft_is_searched_by_its_new_words():
    contract = funded_contract(brand=make_user("brand"))
    note = draft_note(contract, title="草稿标题")
    draft_note(contract, title="新的防晒霜笔记")  # the same draft, edited
    stored = select(Note.id).where(search.matches(Note, "防晒霜", _dialect()))
    assert list(db.session.scalars(stored)) == [note.id]
    assert not list(
        db.session.scalars(select(Note.id).where(search.matches(Note, "草稿", _dialect())))
    )


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def test_campaigns_are_found_by_chinese_words_after_an_edit(client):
    brand = make_user("brand")
    make_campaign(brand, title="夏季新品", brief="推荐一款清爽的防晒霜")
    make_campaign(brand, title="秋冬口红", brief="Dior 口红 新色")
    draft = campaigns.create_campaign(brand_id=brand.id, values=service_values(title="旧标题"))
    campaigns.update_campaign(
        brand_id=brand.id, campaign_id=draft.id, values=service_values(title="防晒霜大促")
    )
    campaigns.publish_campaign(brand_id=brand.id, campaign_id=draft.id)
    db.session.commit()
    html = client.get("/campaigns?q=防晒霜").get_data(as_text=True)
    assert "夏季新品" in html and "防晒霜大促" in html and "秋冬口红" not in html
    assert html.index("防晒霜大促") < html.index("夏季新品")  # title above brief
    html = client.get("/campaigns?q=dior 口红").get_data(as_text=True)
    assert "秋冬口红" in html and "夏季新品" not in html


def _kol_named(name: str, bio: str):
    kol = make_kol(verified=True)
    profiles.update_kol_profile(
        user_id=kol.id, display_name=name, bio=bio, niches=["beauty"], region="CN", city=None,
        languages=["zh"], rate_currency="cny", rate_image="500", rate_video=None,
    )  # fmt: skip
    db.session.commit()
    return kol


def test_kols_are_found_by_words_of_their_bio_and_part_of_their_name():
    _kol_named("小红薯 Lily", "专注敏感肌护肤十年")
    _kol_named("旅行的阿杰", "Travel vlogs 和美食")

    def names(q):
        page = discovery.search_kols(filters=discovery.KolFilters(q=q), page=1, per_page=10)
        return [row.profile.display_name for row in page.items]

    assert names("护肤") == ["小红薯 Lily"]
    assert names("lil") == ["小红薯 Lily"]  # a name as it is being typed
    assert names("美食 travel") == ["旅行的阿杰"]
    assert names("阿杰") == ["旅行的阿杰"]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index():
    _publish(make_user("brand"), title="夏天的防晒霜推荐")
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    query = select(Note.id).where(search.matches(Note, "防晒霜", "postgresql"))
    plan = "\n".join(db.session.execute(text("EXPLAIN " + str(query.compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})))).scalars())  # fmt: skip
    assert "ix_notes_fts" in plan


def test_traditional_and_simplified_characters_find_each_other(client):
    brand = make_user("brand")
    _publish(brand, title="夏天的防曬霜推薦")  # traditional
    _publish(brand, title="冬天的保湿面霜")  # simplified
    assert _found("防晒霜") == ["夏天的防曬霜推薦"]
    assert _found("防曬霜") == ["夏天的防曬霜推薦"]
    assert _found("保濕") == ["冬天的保湿面霜"]
    html = client.get("/explore?q=推荐").get_data(as_text=True)
    assert "夏天的防曬霜推薦" in html and "冬天的保湿面霜" not in html


def test_characters_outside_the_variant_table_are_searched_as_typed():
    from app import hanzi

    assert hanzi.variants("霜") == ["霜"]  # the same in both scripts
    assert hanzi.variants("髮") == ["髮", "发", "發"]  # 发 has two forms: the first listed
    assert search.tsquery("防晒霜") == "('防晒' <-> '晒霜')"  # the tokens themselves unchanged
