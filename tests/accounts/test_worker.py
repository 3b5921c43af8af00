"""The decision e-mail travels through RabbitMQ to a real Celery worker, and is sent once."""

import pytest
from django.core import mail

from accounts import services
from accounts.tasks import send_seller_application_decision
from tests.factories import SellerApplicationFactory, SuperAdminFactory

pytestmark = [pytest.mark.rabbitmq, pytest.mark.django_db(transaction=True)]


def test_decision_email_is_delivered_once_by_a_real_worker(celery_tasks):
    application = SellerApplicationFactory()

    # Approval enqueues the e-mail after its commit; then the same message arrives again,
    # as it would after a worker crash with late acks.
    services.seller_application_approve(application_id=application.pk, reviewer=SuperAdminFactory())
    send_seller_application_decision.delay(application.pk)

    # The worker runs both at once: exactly one of them sends, whichever finishes first.
    runs = celery_tasks.wait(send_seller_application_decision.name, count=2)
    assert sorted(runs) == [False, True]
    assert [m.to for m in mail.outbox] == [[application.user.email]]
    assert mail.outbox[0].subject == "You can now sell tickets"
    application.refresh_from_db()
    assert application.decision_emailed_at is not None
