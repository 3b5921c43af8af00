"""The seller finance page: what it shows, and its forms calling the same services."""

from decimal import Decimal

import pytest
from django.test import Client

from finance.models import LedgerEntry, Payout, WithdrawalMethod
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/seller/finance/"


@pytest.fixture
def browser(seller):
    client = Client()
    client.force_login(seller)
    return client


def test_the_page_shows_balances_methods_and_a_nav_link(browser, seller, credit, bank_method):
    credit(seller, "1234.56")

    response = browser.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/seller/finance/" aria-current="page">Finance</a>' in html
    assert '<td data-label="Available" class="num"><strong>NGN\xa01,234.56</strong></td>' in html
    assert "044 ****0031" in html
    assert "0690000031" not in html


def test_a_seller_adds_a_method_and_withdraws_from_the_page(
    browser, seller, credit, flw, django_capture_on_commit_callbacks
):
    credit(seller, "500.00")
    response = browser.post(
        f"{PAGE}methods/",
        {
            "kind": "mobile_money",
            "bank_code": "MPS",
            "account_number": "+254712345678",
            "account_name": "Sam Seller",
            "country": "KE",
            "currency": "NGN",
        },
    )
    assert (response.status_code, response["Location"]) == (302, PAGE)
    method = WithdrawalMethod.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"{PAGE}withdraw/", {"amount": "120.00", "currency": "NGN", "method": method.pk}
        )

    assert (response.status_code, response["Location"]) == (302, PAGE)
    payout = Payout.objects.get()
    assert (payout.amount, payout.status) == (Decimal("120.00"), "processing")
    [transfer] = flw.transfers()
    assert (transfer.json()["account_bank"], transfer.json()["account_number"]) == (
        "MPS",
        "254712345678",
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"amount": "900.00"},
            '<ul class="errorlist nonfield"><li>You can withdraw up to NGN\xa0500.00.</li></ul>',
        ),
        (
            {"amount": "-1"},
            '<ul class="errorlist" id="id_amount_error">'
            "<li>Ensure this value is greater than or equal to 0.01.</li></ul>",
        ),
        (
            {"amount": "1.005"},
            '<ul class="errorlist" id="id_amount_error">'
            "<li>Ensure that there are no more than 2 decimal places.</li></ul>",
        ),
    ],
)
def test_a_refused_withdrawal_shows_why_once_as_an_error_and_changes_nothing(
    browser, seller, credit, bank_method, body, errors
):
    credit(seller, "500.00")

    response = browser.post(
        f"{PAGE}withdraw/", {"currency": "NGN", "method": bank_method.pk, **body}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(errors) == 1
    assert html.count('class="errorlist') == 1
    assert f'name="amount" value="{body["amount"]}"' in html
    assert Payout.objects.count() == 0
    assert LedgerEntry.objects.count() == 1


def test_an_invalid_method_is_refused_on_the_page(browser):
    response = browser.post(
        f"{PAGE}methods/",
        {
            "kind": "bank",
            "bank_code": "044",
            "account_number": "12",
            "account_name": "Sam",
            "country": "NG",
            "currency": "NGN",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("A bank account number is 6 to 20 digits.") == 1
    assert "<details open>" in html
    assert WithdrawalMethod.objects.count() == 0


def test_removing_another_sellers_method_changes_nothing(browser, other_seller):
    from finance import services

    theirs = services.withdrawal_method_add(
        seller=other_seller,
        kind="bank",
        bank_code="058",
        account_number="0123456789",
        account_name="Olu Other",
        country="NG",
        currency="NGN",
    )

    response = browser.post(f"{PAGE}methods/{theirs.pk}/remove/")

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.removed_at is None


def test_customers_cannot_open_the_page():
    client = Client()
    client.force_login(UserFactory())

    assert client.get(PAGE).status_code == 403
