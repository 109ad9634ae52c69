"""Numbers in query strings: digits that int() cannot read ("²", "①") are a 422 naming the
parameter, never a 500 (found by the API fuzz on /api/v1/finance/entries)."""

from tests.factories import make_api_key, make_user


def test_odd_digits_in_finance_filters_are_refused_not_crashed(client):
    headers = {"Authorization": f"Bearer {make_api_key(make_user('finance'))}"}
    for url, name in (
        ("/api/v1/finance/entries?per_page={}", "per_page"),
        ("/api/v1/finance/entries?contract_id={}", "contract_id"),
        ("/api/v1/finance/payouts?page={}", "page"),
    ):
        for value in ("²", "1²", "①"):
            response = client.get(url.format(value), headers=headers)
            assert response.status_code == 422, (url, value)
            assert name in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/finance/entries?per_page=5", headers=headers).status_code == 200
