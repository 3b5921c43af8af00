"""Money reads one way per currency: grouping and the decimals of its minor unit."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.money_format import format_money, minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("5000.00"), "NGN", "NGN\xa05,000.00"),
        (Decimal("15000"), "NGN", "NGN\xa015,000.00"),
        (Decimal("1234567.5"), "KES", "KES\xa01,234,567.50"),
        (Decimal("50000.00"), "UGX", "UGX\xa050,000"),
        (Decimal("2500.50"), "RWF", "RWF\xa02,501"),
        (Decimal("2500.49"), "UGX", "UGX\xa02,500"),
        (Decimal("0.005"), "USD", "USD\xa00.01"),
        (Decimal("1.2345"), "KWD", "KWD\xa01.235"),
        (Decimal("-250"), "NGN", "-NGN\xa0250.00"),
        (Decimal("0"), "GHS", "GHS\xa00.00"),
        ("80.00", "GHS", "GHS\xa080.00"),
        (12, "ZAR", "ZAR\xa012.00"),
    ],
)
def test_an_amount_reads_with_grouping_and_its_currencys_decimals(amount, currency, text):
    assert format_money(amount, currency) == text


def test_minor_units_follow_iso_4217_and_default_to_two():
    assert [minor_units(code) for code in ("NGN", "UGX", "rwf", "KWD", "XYZ")] == [2, 0, 0, 3, 2]


def test_the_money_filter_formats_and_leaves_a_missing_amount_blank():
    template = Template("{% load money %}[{{ a|money:'NGN' }}][{{ b|money:'UGX' }}]")

    assert template.render(Context({"a": Decimal("5000"), "b": None})) == "[NGN\xa05,000.00][]"
