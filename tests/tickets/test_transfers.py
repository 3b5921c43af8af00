"""Transfers: the old code is void at once, the recipient gets a new ticket by e-mail and
finds it under "My tickets" when they sign in with that address."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from bookings import services
from bookings.models import Booking, Ticket
from bookings.tasks import deliver_transferred_ticket
from bookings.tickets import holders
from campaigns.models import Campaign
from tests.factories import ManagerFactory, UserFactory
from tests.tickets.conftest import HOLDERS, pdf_text
from validation.services import scan_ticket

pytestmark = pytest.mark.django_db

RECIPIENT = {"email": "Femi@Example.com", "name": "Femi Recipient"}


@pytest.fixture
def manager(trio):
    manager = ManagerFactory()
    trio.campaign.managers.add(manager)
    return manager


def _transfer(client, ticket, body=RECIPIENT):
    return client.post(f"/api/v1/tickets/{ticket.pk}/transfer/", body, format="json")


def test_a_transfer_voids_the_old_code_and_sends_a_new_ticket_to_the_recipient(
    client_for, trio, manager, django_capture_on_commit_callbacks
):
    old = trio.tickets.order_by("pk")[1]

    with django_capture_on_commit_callbacks(execute=True):
        response = _transfer(client_for(trio.customer), old)

    assert response.status_code == 201
    new = Ticket.objects.get(transferred_from=old)
    assert response.json() == {
        "ticket": {
            "id": new.pk,
            "ticket_type": old.ticket_type_id,
            "holder_name": "Femi Recipient",
            "holder_email": "femi@example.com",
            "admits": 1,
            "scans_allowed": 2,
            "scans_used": 0,
            "status": "valid",
            "booking": trio.pk,
            "campaign": trio.campaign_id,
        }
    }
    old.refresh_from_db()
    assert (old.status, new.owner_email, new.booking_id) == ("void", "femi@example.com", trio.pk)
    assert new.qr_token and new.qr_token != old.qr_token
    assert scan_ticket(manager=manager, qr=old.qr_token, device_id="door").result == "void"
    assert scan_ticket(manager=manager, qr=new.qr_token, device_id="door").result == "valid"
    (event,) = AuditEvent.objects.filter(action="ticket.transferred")
    assert (event.actor_id, event.target_id) == (trio.customer_id, str(old.pk))
    assert event.metadata == {"to_ticket": new.pk, "to_email": "femi@example.com"}

    (message,) = mail.outbox
    assert message.to == ["femi@example.com"]
    assert message.subject == "Grace Holder sent you a ticket for Rooftop Jazz Night"
    assert "Grace Holder transferred a ticket for Rooftop Jazz Night to you." in message.body
    assert "When: Sat 1 Jun 2030, 19:30 WAT" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "When: <strong>Sat 1 Jun 2030, 19:30 WAT</strong>" in html
    (filename, content, kind), calendar = message.attachments
    assert (filename, kind) == (f"ticket-{new.pk}.pdf", "application/pdf")
    assert "Holder Femi Recipient" in pdf_text(content)
    assert (calendar[0], calendar[2]) == (f"{trio.campaign.slug}.ics", "text/calendar")
    new.refresh_from_db()
    assert new.emailed_at is not None


def test_the_recipient_sees_the_ticket_once_signed_in_and_the_sender_no_longer(
    client_for, trio, client
):
    old = trio.tickets.order_by("pk")[1]
    new = holders.ticket_transfer(ticket_id=old.pk, user=trio.customer, **RECIPIENT)
    # Signed up after the transfer, with the address it went to.
    recipient = UserFactory(email="femi@example.com", name="Femi")

    mine = client_for(recipient).get(f"/api/v1/tickets/{new.pk}/")
    theirs = client_for(trio.customer).get(f"/api/v1/tickets/{new.pk}/")
    their_pdf = client_for(trio.customer).get(f"/api/v1/tickets/{new.pk}/pdf/")
    recipient_pdf = client_for(recipient).get(f"/api/v1/tickets/{new.pk}/pdf/")
    sender_old = client_for(trio.customer).get(f"/api/v1/tickets/{old.pk}/")
    client.force_login(recipient)
    page = client.get("/tickets/").content.decode()

    assert (mine.status_code, mine.json()["holder_name"]) == (200, "Femi Recipient")
    assert theirs.status_code == their_pdf.status_code == 404
    assert recipient_pdf.status_code == 200
    assert (sender_old.status_code, sender_old.json()["status"]) == (200, "void")
    assert f'id="ticket-{new.pk}"' in page
    assert f'id="ticket-{old.pk}"' not in page
    assert page.count('class="card ticket-card') == 1
    # The buyer's booking PDF no longer carries the recipient's code.
    booking_pdf = client_for(trio.customer).get(f"/api/v1/bookings/{trio.pk}/pdf/")
    text = pdf_text(b"".join(booking_pdf.streaming_content))
    assert "Femi Recipient" not in text
    assert text.count("VOID") == 1


def _state(trio) -> list[tuple]:
    return list(
        Ticket.objects.filter(booking=trio)
        .order_by("pk")
        .values_list("pk", "status", "holder_name", "qr_token")
    )


@pytest.mark.parametrize(
    ("prepare", "body", "status", "code"),
    [
        (
            lambda t: Campaign.objects.filter(pk=t.booking.campaign_id).update(
                transfers_allowed=False
            ),
            RECIPIENT,
            409,
            "transfer_not_allowed",
        ),
        (
            lambda t: Campaign.objects.filter(pk=t.booking.campaign_id).update(
                name_change_cutoff=timezone.now() - timedelta(seconds=1)
            ),
            RECIPIENT,
            409,
            "transfer_not_allowed",
        ),
        (
            lambda t: Ticket.objects.filter(pk=t.pk).update(scans_used=1),
            RECIPIENT,
            409,
            "transfer_not_allowed",
        ),
        (
            lambda t: Ticket.objects.filter(pk=t.pk).update(status="void"),
            RECIPIENT,
            409,
            "transfer_not_allowed",
        ),
        (
            lambda t: Booking.objects.filter(pk=t.booking_id).update(status="refunded"),
            RECIPIENT,
            409,
            "transfer_not_allowed",
        ),
        (None, {"email": "HOLDER@example.com", "name": "Me Again"}, 400, "invalid"),
        (None, {"email": "femi@example.com", "name": "  "}, 400, "invalid"),
        (None, {"email": "femi@example.com", "name": "x" * 151}, 400, "invalid"),
        (None, {"email": "not-an-address", "name": "Femi"}, 400, "invalid"),
        (None, {"email": "femi@example.com"}, 400, "invalid"),
        (None, {"email": ["femi@example.com"], "name": "Femi"}, 400, "invalid"),
    ],
)
def test_a_refused_transfer_changes_nothing(client_for, trio, prepare, body, status, code):
    ticket = trio.tickets.order_by("pk")[0]
    if prepare:
        prepare(ticket)
    before = _state(trio)

    response = _transfer(client_for(trio.customer), ticket, body)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert _state(trio) == before
    assert not AuditEvent.objects.filter(action="ticket.transferred").exists()
    assert mail.outbox == []


def test_only_the_owner_transfers_and_a_replay_is_refused(client_for, trio):
    ticket = trio.tickets.order_by("pk")[0]
    before = _state(trio)

    stranger = _transfer(client_for(UserFactory()), ticket)
    anonymous = _transfer(client_for(None), ticket)
    assert (stranger.status_code, anonymous.status_code) == (404, 401)
    assert _state(trio) == before

    first = _transfer(client_for(trio.customer), ticket)
    replay = _transfer(client_for(trio.customer), ticket)

    assert first.status_code == 201
    assert (replay.status_code, replay.json()["code"]) == (409, "transfer_not_allowed")
    assert Ticket.objects.filter(booking=trio).count() == 4


def test_the_recipient_may_pass_it_on_and_the_sender_can_no_longer(client_for, trio):
    ticket = trio.tickets.order_by("pk")[0]
    new = holders.ticket_transfer(ticket_id=ticket.pk, user=trio.customer, **RECIPIENT)
    recipient = UserFactory(email="femi@example.com")

    by_sender = _transfer(client_for(trio.customer), new, {"email": "x@example.com", "name": "X"})
    onward = _transfer(client_for(recipient), new, {"email": "ada@example.com", "name": "Ada"})

    assert by_sender.status_code == 404
    assert onward.status_code == 201
    assert Ticket.objects.get(pk=onward.json()["ticket"]["id"]).owner_email == "ada@example.com"


def test_the_transfer_mail_is_sent_once_and_a_failed_send_is_retried(trio, monkeypatch):
    ticket = trio.tickets.order_by("pk")[0]
    new = holders.ticket_transfer(ticket_id=ticket.pk, user=trio.customer, **RECIPIENT)
    real_send = EmailMultiAlternatives.send
    attempts = []

    def flaky_send(self, *args, **kwargs):
        attempts.append(self.to)
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)

    # The first run asks to be retried; run in-process, the retry runs at once and sends.
    result = deliver_transferred_ticket.apply(kwargs={"ticket_id": new.pk}, throw=False)
    assert result.get() is True
    assert holders.ticket_transfer_email(ticket_id=new.pk) is False

    assert len(attempts) == 2
    (message,) = mail.outbox
    assert message.to == ["femi@example.com"]
    new.refresh_from_db()
    assert new.emailed_at is not None


def test_a_failed_send_leaves_the_ticket_unsent(trio, monkeypatch):
    ticket = trio.tickets.order_by("pk")[0]
    new = holders.ticket_transfer(ticket_id=ticket.pk, user=trio.customer, **RECIPIENT)

    def broken_send(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken_send)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        holders.ticket_transfer_email(ticket_id=new.pk)

    new.refresh_from_db()
    assert new.emailed_at is None
    assert mail.outbox == []


@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_transfer_mail_once(celery_tasks, holder, table_type):
    booking = services.booking_create(
        customer=holder,
        campaign_id=table_type.campaign_id,
        items=[{"ticket_type": table_type.pk, "quantity": 1}],
        issuance="separate",
        holders=HOLDERS[:1],
    )
    services.confirm_booking(booking_id=booking.pk, source="test")
    ticket = Ticket.objects.get(booking=booking)

    # The transfer enqueues the mail after its commit; the message then arrives again, as
    # after a worker crash with late acks.
    new = holders.ticket_transfer(ticket_id=ticket.pk, user=holder, **RECIPIENT)
    deliver_transferred_ticket.delay(new.pk)

    results = celery_tasks.wait(deliver_transferred_ticket.name, count=2, timeout=60)
    assert sorted(results) == [False, True]
    assert [
        m.to for m in mail.outbox if m.subject.endswith("sent you a ticket for Rooftop Jazz Night")
    ] == [["femi@example.com"]]


def test_the_tickets_page_transfers_and_renames_and_shows_refusals_beside_the_field(client, trio):
    first, second = trio.tickets.order_by("pk")[:2]
    client.force_login(trio.customer)
    before = _state(trio)

    own = client.post(
        f"/tickets/{first.pk}/transfer/",
        {f"t{first.pk}-name": "Me", f"t{first.pk}-email": "holder@example.com"},
    )
    empty = client.post(f"/tickets/{first.pk}/holder/", {f"h{first.pk}-holder_name": " "})
    stranger = Client()
    stranger.force_login(UserFactory())
    foreign = stranger.post(
        f"/tickets/{first.pk}/transfer/",
        {f"t{first.pk}-name": "Thief", f"t{first.pk}-email": "thief@example.com"},
    )

    assert own.status_code == 400
    assert (
        f'<ul class="errorlist" id="id_t{first.pk}-email_error">'
        "<li>You hold this ticket already: give another person&#x27;s e-mail.</li></ul>"
    ) in own.content.decode()
    assert 'value="holder@example.com"' in own.content.decode()
    assert empty.status_code == 400
    assert f'id="id_h{first.pk}-holder_name_error"><li>This field is required.' in (
        empty.content.decode()
    )
    assert foreign.status_code == 404
    assert _state(trio) == before

    renamed = client.post(
        f"/tickets/{second.pk}/holder/",
        {f"h{second.pk}-holder_name": "Tola Adebayo", f"h{second.pk}-holder_email": ""},
    )
    sent = client.post(
        f"/tickets/{first.pk}/transfer/",
        {f"t{first.pk}-name": "Femi Recipient", f"t{first.pk}-email": "femi@example.com"},
    )

    assert renamed.status_code == sent.status_code == 302
    assert sent["Location"] == f"/tickets/#ticket-{first.pk}"
    assert Ticket.objects.get(pk=second.pk).holder_name == "Tola Adebayo"
    assert Ticket.objects.get(transferred_from=first).owner_email == "femi@example.com"
    page = client.get("/tickets/").content.decode()
    assert "You transferred this ticket to Femi Recipient" in page
    assert "Ticket sent to Femi Recipient; your copy no longer admits anyone." in page
