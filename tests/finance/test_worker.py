"""A payout's transfer travels through RabbitMQ to a real Celery worker, and is sent once."""

import pytest

from finance import services
from finance.models import Payout
from finance.tasks import payout_send

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_payout_is_sent_by_a_real_worker_and_a_redelivery_sends_nothing(
    flw, seller, credit, bank_method, celery_tasks
):
    credit(seller, "800.00")

    payout = services.payout_request(
        seller=seller, amount="750.00", currency="NGN", method_id=bank_method.pk
    )
    assert celery_tasks.wait(payout_send.name, count=1) == ["sent"]
    # As after a worker crash with late acks: the same message arrives again.
    payout_send.delay(payout.pk)

    assert celery_tasks.wait(payout_send.name, count=2) == ["sent", "already_sent"]
    assert Payout.objects.get(pk=payout.pk).status == "processing"
    [transfer] = flw.transfers()
    assert transfer.json()["reference"] == payout.reference
