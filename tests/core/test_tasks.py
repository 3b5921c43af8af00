"""After-commit work: a service's job reaches the task that runs it once the transaction
commits, never when it rolls back, and a job no task runs is refused at once."""

import pytest
from django.db import transaction

from core.tasks import enqueue, enqueue_on_commit, on_commit, runs

pytestmark = pytest.mark.django_db


class RecordingTask:
    """Stands in for a Celery task: records what `delay` was given."""

    def __init__(self):
        self.delayed = []

    def delay(self, **kwargs):
        self.delayed.append(kwargs)


def job(*, thing_id):
    """A service function some task runs."""


@pytest.fixture
def task():
    return runs(job)(RecordingTask())


def test_a_job_is_queued_once_its_transaction_commits(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(job, thing_id=7)
        assert task.delayed == []

    assert task.delayed == [{"thing_id": 7}]


def test_a_job_of_a_rolled_back_transaction_is_never_queued(
    task, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(job, thing_id=7)
        raise RuntimeError("the write failed")

    assert task.delayed == []


def test_enqueue_queues_at_once(task):
    enqueue(job, thing_id=8)
    assert task.delayed == [{"thing_id": 8}]


def test_a_job_that_no_task_runs_is_refused_when_scheduled():
    def unscheduled(*, thing_id):
        """No task runs this."""

    with pytest.raises(LookupError, match=r"No task runs .*unscheduled: mark one with @runs\."):
        enqueue_on_commit(unscheduled, thing_id=1)


def test_on_commit_calls_the_function_with_its_arguments_after_the_commit(
    django_capture_on_commit_callbacks,
):
    calls = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        on_commit(calls.append, "after")
        assert calls == []

    assert calls == ["after"]


def test_every_service_job_that_is_scheduled_has_its_task():
    from accounts import services as accounts
    from bookings.tickets import services as tickets
    from core.tasks import _TASK_OF_JOB
    from finance import services as finance
    from payments import services as payments

    scheduled = {
        accounts.seller_application_mark_emailed: "accounts.tasks.send_seller_application_decision",
        tickets.booking_tickets_email: "bookings.tasks.deliver_booking_tickets",
        payments.webhook_event_process: "payments.tasks.process_webhook_event",
        payments.payment_mark_refund_emailed: "payments.tasks.send_refund_notice",
        finance.payout_send: "finance.tasks.payout_send",
    }
    assert {job: _TASK_OF_JOB[job].name for job in scheduled} == scheduled
