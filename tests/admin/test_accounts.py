from app.auth.models import User
from app.extensions import db
from tests.conftest import login, post_form, sign_in, signed_in
from tests.factories import PASSWORD, make_user


def test_admin_disables_and_enables_an_account(app, client):
    admin, brand = make_user("admin"), make_user("brand")
    brand_client = signed_in(app, brand)
    sign_in(client, admin)
    assert brand.email in client.get(f"/admin/users?q={brand.email}").get_data(as_text=True)

    response = post_form(
        client, f"/admin/users/{brand.id}/disable", {"reason": "fake reviews"}, page="/admin/users"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, brand.id).disabled_reason == "fake reviews"
    assert brand_client.get("/profile").status_code == 302  # session ended on the next request

    post_form(client, f"/admin/users/{brand.id}/enable", page="/admin/users")
    db.session.expire_all()
    assert not db.session.get(User, brand.id).is_disabled
    assert login(brand_client, brand.email, PASSWORD).status_code == 302


def test_admin_cannot_disable_themselves(client):
    admin = make_user("admin")
    sign_in(client, admin)
    post_form(client, f"/admin/users/{admin.id}/disable", {"reason": "oops"}, page="/admin/users")
    db.session.expire_all()
    assert not db.session.get(User, admin.id).is_disabled


def test_user_list_filters_by_role_and_paginates(client):
    admin = make_user("admin")
    for _ in range(27):
        make_user("kol")
    sign_in(client, admin)
    first = client.get("/admin/users?role=kol").get_data(as_text=True)
    assert "Page 1 of 2" in first and admin.email not in first
    assert "Page 2 of 2" in client.get("/admin/users?role=kol&page=2").get_data(as_text=True)


def test_cli_creates_staff_accounts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--role", "finance", "money@example.com"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output
    from app.auth.services import find_user_by_email

    assert find_user_by_email("money@example.com").role.value == "finance"
    duplicate = runner.invoke(args=["users", "create", "--role", "admin", "money@example.com"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
