"""Admin: the ledger and payouts are read-only; account numbers are never shown in full."""

import pytest
from django.test import Client

from finance import services
from finance.models import LedgerEntry, Payout, WithdrawalMethod

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(super_admin):
    client = Client()
    client.force_login(super_admin)
    return client


def test_admin_lists_and_shows_finance_records_without_full_account_numbers(
    admin_client, seller, credit, bank_method
):
    credit(seller, "100.00")
    payout = services.payout_request(
        seller=seller, amount="40.00", currency="NGN", method_id=bank_method.pk
    )
    pages = [
        "/admin/finance/ledgerentry/",
        f"/admin/finance/ledgerentry/{LedgerEntry.objects.first().pk}/change/",
        "/admin/finance/payout/",
        f"/admin/finance/payout/{payout.pk}/change/",
        "/admin/finance/withdrawalmethod/",
        f"/admin/finance/withdrawalmethod/{bank_method.pk}/change/",
    ]

    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert "0690000031" not in response.content.decode()
    assert "****0031" in admin_client.get(pages[-1]).content.decode()


@pytest.mark.parametrize("model", [LedgerEntry, Payout, WithdrawalMethod])
def test_finance_records_cannot_be_added_in_the_admin(admin_client, model):
    assert admin_client.get(f"/admin/finance/{model._meta.model_name}/add/").status_code == 403


def test_a_withdrawal_method_cannot_be_deleted_in_the_admin(admin_client, bank_method):
    response = admin_client.post(f"/admin/finance/withdrawalmethod/{bank_method.pk}/delete/")

    assert response.status_code == 403
    assert WithdrawalMethod.objects.filter(pk=bank_method.pk, removed_at=None).exists()
