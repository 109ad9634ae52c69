import pytest

from app.money import MoneyError, fee_for, format_money, parse_amount, to_major_text


def test_parse_amounts_in_minor_units():
    assert parse_amount("1,234.50", "usd") == 123450
    assert parse_amount("1200", "jpy") == 1200
    assert parse_amount("0.1", "eur") == 10


@pytest.mark.parametrize(
    "text,currency",
    [
        ("1.005", "usd"),
        ("10.5", "jpy"),
        ("abc", "usd"),
        ("nan", "usd"),
        ("1e400", "usd"),
        ("5", "xyz"),
    ],
)
def test_bad_amounts_are_refused(text, currency):
    with pytest.raises(MoneyError):
        parse_amount(text, currency)


def test_format_and_round_trip():
    assert format_money(123450, "usd") == "$1,234.50"
    assert format_money(1500, "jpy") == "¥1,500"
    assert format_money(-5, "usd") == "-$0.05"
    assert format_money(100, "chf") == "CHF\u00a01.00"
    # The reader's locale picks the symbol: CNY and JPY are told apart in each language.
    assert (format_money(999, "cny"), format_money(999, "jpy")) == ("CN¥9.99", "¥999")
    chinese = (format_money(999, "cny", "zh_Hans"), format_money(999, "jpy", "zh_Hans"))
    assert chinese == ("¥9.99", "JP¥999")
    assert format_money(123450, "usd", "zh_Hans") == "US$1,234.50"
    assert to_major_text(123450, "usd") == "1234.50" and to_major_text(900, "krw") == "900"


def test_fees_in_basis_points_round_half_up():
    assert fee_for(10_000, 500) == 500
    assert fee_for(1_001, 500) == 50  # 50.05 → 50
    assert fee_for(1_010, 500) == 51  # 50.5 → 51
    assert fee_for(0, 500) == 0
    with pytest.raises(MoneyError):
        fee_for(-1, 500)
