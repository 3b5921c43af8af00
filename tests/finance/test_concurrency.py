"""Simultaneous withdrawals of one seller never overdraw: the seller's row lock serialises
them. Without the lock (and a barrier holding every request between reading the balance and
writing its payout) the same test overdraws, so the race it guards against is real."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from finance import selectors, services
from finance.models import Payout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
AMOUNT = Decimal("400.00")


def _withdraw_from_threads(seller, method, *, before_request=None) -> list[str]:
    """Every thread asks for AMOUNT at once; returns each one's outcome."""
    outcomes = []
    start = threading.Barrier(THREADS)

    def withdraw():
        try:
            start.wait(timeout=10)
            services.payout_request(
                seller=seller, amount=AMOUNT, currency="NGN", method_id=method.pk
            )
            outcomes.append("paid")
        except services.InsufficientFunds:
            outcomes.append("insufficient_funds")
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_concurrent_withdrawals_never_spend_more_than_is_available(
    flw, seller, credit, bank_method
):
    credit(seller, "1000.00")

    outcomes = _withdraw_from_threads(seller, bank_method)

    assert outcomes == ["insufficient_funds"] * 4 + ["paid"] * 2
    assert Payout.objects.count() == 2
    assert selectors.seller_available_balance(seller_id=seller.pk, currency="NGN") == Decimal(
        "200.00"
    )
    assert len(flw.transfers()) == 2


def test_without_the_seller_lock_the_same_withdrawals_overdraw(
    flw, seller, credit, bank_method, monkeypatch
):
    credit(seller, "1000.00")
    all_have_read = threading.Barrier(THREADS)
    read_balance = selectors.seller_available_balance

    def read_then_wait(**kwargs):
        balance = read_balance(**kwargs)
        all_have_read.wait(timeout=10)  # nobody writes before everyone has read
        return balance

    monkeypatch.setattr(services, "_lock_seller", lambda seller_id: None)
    monkeypatch.setattr(selectors, "seller_available_balance", read_then_wait)

    outcomes = _withdraw_from_threads(seller, bank_method)

    assert outcomes == ["paid"] * THREADS
    assert read_balance(seller_id=seller.pk, currency="NGN") == Decimal("-1400.00")
