"""Validation API: response shapes, roles, offline bundles, sync and malformed bodies."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import AuditEvent
from bookings.models import Booking, Ticket
from bookings.tickets.qr import open_token, parse_token
from bookings.tickets.reissue import campaign_qr_key_rotate
from tests.factories import (
    ManagerFactory,
    SellerFactory,
    SuperAdminFactory,
    TicketTypeFactory,
    UserFactory,
)
from validation.models import Scan

pytestmark = pytest.mark.django_db

SCAN_URL = "/api/v1/validation/scan/"
SYNC_URL = "/api/v1/validation/sync/"


def _bundle_url(campaign):
    return f"/api/v1/validation/campaigns/{campaign.pk}/offline-bundle/"


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def _offline(nonce, ticket, minutes_ago):
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return {"nonce": nonce, "qr": ticket.qr_token, "scanned_at": _iso(moment)}


@pytest.fixture
def door(client_for, manager):
    return client_for(manager)


@pytest.fixture
def outsiders(seller):
    """Signed-in users of every role that may not use the campaign's door, and anonymous."""
    return {
        "customer": UserFactory(),
        "seller": seller,
        "super_admin": SuperAdminFactory(),
        "anonymous": None,
    }


def _refused(role: str) -> tuple[int, str]:
    """Anonymous callers are unauthenticated (401); signed-in outsiders are forbidden (403)."""
    return (401, "not_authenticated") if role == "anonymous" else (403, "permission_denied")


def test_scan_answers_the_result_with_the_ticket(door, entry_ticket):
    response = door.post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-1", "nonce": "scan-0001"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "result": "valid",
        "reason": None,
        "ticket": {
            "id": entry_ticket.pk,
            "ticket_type": entry_ticket.ticket_type_id,
            "ticket_type_name": "Entry",
            "holder_name": "Grace Holder",
            "scans_allowed": 1,
            "scans_used": 1,
        },
        "scans_remaining": 0,
    }
    again = door.post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-2", "nonce": "scan-0001"}
    )
    assert again.status_code == 200
    assert again.json() == response.json()
    assert Scan.objects.get().device_id == "gate-1"
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 1


def test_scan_of_garbage_and_of_another_campaign_answers_without_a_ticket(
    door, client_for, other_manager, entry_ticket
):
    garbage = door.post(SCAN_URL, {"qr": "{'not': 'a ticket'}", "device_id": "gate-1"})
    foreign = client_for(other_manager).post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-9"}
    )

    assert garbage.status_code == foreign.status_code == 200
    assert garbage.json() == {
        "result": "invalid",
        "reason": "Not one of our tickets: the code is unreadable or forged.",
        "ticket": None,
        "scans_remaining": None,
    }
    assert foreign.json() == {
        "result": "wrong_campaign",
        "reason": "This ticket is for another event.",
        "ticket": None,
        "scans_remaining": None,
    }
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 0


def test_scan_of_void_and_unpaid_tickets(door, entry_ticket, table_ticket):
    Ticket.objects.filter(pk=entry_ticket.pk).update(status=Ticket.Status.VOID)
    Booking.objects.filter(pk=table_ticket.booking_id).update(status=Booking.Status.EXPIRED)

    void = door.post(SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-1"}).json()
    unpaid = door.post(SCAN_URL, {"qr": table_ticket.qr_token, "device_id": "gate-1"}).json()

    assert (void["result"], void["ticket"]["id"], void["scans_remaining"]) == (
        "void",
        entry_ticket.pk,
        0,
    )
    assert (unpaid["result"], unpaid["ticket"]["scans_used"], unpaid["scans_remaining"]) == (
        "not_paid",
        0,
        0,
    )


def test_scan_by_a_non_manager_is_forbidden_and_records_nothing(
    client_for, outsiders, entry_ticket
):
    for role, user in outsiders.items():
        response = client_for(user).post(
            SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-1"}
        )
        assert (response.status_code, response.json()["code"]) == _refused(role)
    assert not Scan.objects.exists()
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"device_id": "gate-1"}, "qr"),
        ({"qr": 12345, "device_id": "gate-1"}, "qr"),
        ({"qr": ["T1"], "device_id": "gate-1"}, "qr"),
        ({"qr": "x" * 1001, "device_id": "gate-1"}, "qr"),
        ({"qr": "T1.abc"}, "device_id"),
        ({"qr": "T1.abc", "device_id": ""}, "device_id"),
        ({"qr": "T1.abc", "device_id": "d" * 101}, "device_id"),
        ({"qr": "T1.abc", "device_id": "gate-1", "nonce": "short"}, "nonce"),
        ({"qr": "T1.abc", "device_id": "gate-1", "nonce": "spaces in it"}, "nonce"),
        ({"qr": "T1.abc", "device_id": "gate-1", "nonce": 12345678}, "nonce"),
    ],
)
def test_scan_with_a_malformed_body_is_400_and_records_nothing(door, entry_ticket, body, field):
    response = door.post(SCAN_URL, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert not Scan.objects.exists()


def test_scan_with_another_managers_nonce_is_409(door, client_for, other_manager, entry_ticket):
    client_for(other_manager).post(
        SCAN_URL, {"qr": "junk", "device_id": "gate-9", "nonce": "taken-0001"}
    )

    response = door.post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-1", "nonce": "taken-0001"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "nonce_taken"
    assert Scan.objects.count() == 1
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 0


def test_ticket_status_for_the_assigned_manager(door, table_ticket):
    url = f"/api/v1/validation/ticket/{table_ticket.pk}/"
    assert door.get(url).json()["last_scanned_at"] is None
    door.post(SCAN_URL, {"qr": table_ticket.qr_token, "device_id": "gate-1"})
    door.post(SCAN_URL, {"qr": "junk", "device_id": "gate-1"})

    response = door.get(url)

    assert response.status_code == 200
    assert response.json() == {
        "id": table_ticket.pk,
        "campaign": table_ticket.booking.campaign_id,
        "status": "valid",
        "scans_allowed": 6,
        "scans_used": 1,
        "last_scanned_at": _iso(Scan.objects.get(ticket=table_ticket).scanned_at),
    }


def test_ticket_status_is_hidden_from_everyone_else(
    client_for, other_manager, outsiders, entry_ticket
):
    url = f"/api/v1/validation/ticket/{entry_ticket.pk}/"

    assert client_for(other_manager).get(url).status_code == 404
    for role, user in outsiders.items():
        assert client_for(user).get(url).status_code == _refused(role)[0], role
    assert client_for(other_manager).get("/api/v1/validation/ticket/999999/").status_code == 404


def test_offline_bundle_holds_the_key_and_the_paid_and_voided_tickets(
    door, manager, campaign, entry_ticket, table_ticket, confirm, holder, entry_type, table_type
):
    refunded = confirm(holder, entry_type)
    Booking.objects.filter(pk=refunded.pk).update(status=Booking.Status.REFUNDED)
    unpaid = confirm(holder, entry_type)
    Booking.objects.filter(pk=unpaid.pk).update(status=Booking.Status.PENDING_PAYMENT)
    Ticket.objects.filter(pk=table_ticket.pk).update(scans_used=2)
    key = campaign.keys.get()

    response = door.get(_bundle_url(campaign))

    assert response.status_code == 200
    body = response.json()
    expected_key = base64.b64encode(key.key_bytes).decode()

    def row(ticket, booking_status, scans_used, ticket_type):
        return {
            "id": ticket.pk,
            "status": "valid",
            "booking_status": booking_status,
            "key_version": 1,
            "scans_allowed": ticket.scans_allowed,
            "scans_used": scans_used,
            "ticket_type": ticket_type.pk,
            "ticket_type_name": ticket_type.name,
            "holder_name": ticket.holder_name,
        }

    assert body == {
        "campaign": campaign.pk,
        "public_id": campaign.public_id,
        "key": expected_key,
        "key_version": 1,
        "keys": [{"version": 1, "key": expected_key}],
        "generated_at": body["generated_at"],
        "expires_at": body["expires_at"],
        "tickets": [
            row(entry_ticket, "confirmed", 0, entry_type),
            row(table_ticket, "confirmed", 2, table_type),
            row(refunded.tickets.get(), "refunded", 0, entry_type),
        ],
    }
    lifetime = parse_datetime(body["expires_at"]) - parse_datetime(body["generated_at"])
    assert lifetime == timedelta(hours=12)
    event = AuditEvent.objects.get(action="validation.offline_bundle_issued")
    assert (event.actor, event.target_id, event.metadata) == (
        manager,
        str(campaign.pk),
        {"key_version": 1, "tickets": 3, "device": None},
    )


def test_the_bundle_key_opens_a_tickets_token_offline(door, campaign, table_ticket):
    body = door.get(_bundle_url(campaign)).json()
    keys = {entry["version"]: base64.b64decode(entry["key"]) for entry in body["keys"]}

    decoded = open_token(parse_token(table_ticket.qr_token), campaign_id=campaign.pk, keys=keys)

    assert decoded.ok
    assert (decoded.ticket_id, decoded.scans_allowed) == (table_ticket.pk, 6)


def test_after_a_key_rotation_the_bundle_carries_old_and_new_keys(door, campaign, entry_ticket):
    old = campaign.keys.get()
    old_token = entry_ticket.qr_token
    campaign_qr_key_rotate(campaign_id=campaign.pk)
    Ticket.objects.filter(pk=entry_ticket.pk).update(qr_token=old_token, qr_key_version=1)

    body = door.get(_bundle_url(campaign)).json()

    assert body["key_version"] == 2
    assert [entry["version"] for entry in body["keys"]] == [2, 1]
    assert body["keys"][1]["key"] == base64.b64encode(old.key_bytes).decode()
    keys = {entry["version"]: base64.b64decode(entry["key"]) for entry in body["keys"]}
    assert open_token(parse_token(old_token), campaign_id=campaign.pk, keys=keys).ok


def test_offline_bundle_only_for_assigned_managers(
    client_for, other_manager, outsiders, campaign, entry_ticket
):
    assert client_for(other_manager).get(_bundle_url(campaign)).status_code == 404
    for role, user in outsiders.items():
        assert client_for(user).get(_bundle_url(campaign)).status_code == _refused(role)[0], role
    assert not AuditEvent.objects.filter(action="validation.offline_bundle_issued").exists()


def test_sync_answers_per_scan_in_upload_order(door, entry_ticket, table_ticket):
    body = {
        "device_id": "tablet-7",
        "scans": [
            _offline("entry-late", entry_ticket, 5),
            _offline("table-0001", table_ticket, 20),
            _offline("entry-early", entry_ticket, 30),
            {"nonce": "junk-00001", "qr": "junk", "scanned_at": _iso(timezone.now())},
        ],
    }

    response = door.post(SYNC_URL, body)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"nonce": "entry-late", "result": "already_used", "conflict": True},
            {"nonce": "table-0001", "result": "valid", "conflict": False},
            {"nonce": "entry-early", "result": "valid", "conflict": False},
            {"nonce": "junk-00001", "result": "invalid", "conflict": False},
        ]
    }
    assert door.post(SYNC_URL, body).json() == response.json()
    assert Scan.objects.count() == 4
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 1
    assert Ticket.objects.get(pk=table_ticket.pk).scans_used == 1


def _valid_sync(ticket):
    return {"device_id": "tablet-7", "scans": [_offline("good-00001", ticket, 5)]}


def _sync_with(ticket, **changes):
    body = _valid_sync(ticket)
    scan = body["scans"][0]
    for name, value in changes.items():
        if value is None:
            scan.pop(name)
        else:
            scan[name] = value
    return body


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda t: {"scans": _valid_sync(t)["scans"]}, "device_id"),
        (lambda t: {"device_id": "tablet-7"}, "scans"),
        (lambda t: {"device_id": "tablet-7", "scans": []}, "scans"),
        (lambda t: {"device_id": "tablet-7", "scans": "T1.abc"}, "scans"),
        (lambda t: {"device_id": "tablet-7", "scans": [["T1.abc"]]}, "scans[0]"),
        (lambda t: {"device_id": 7, "scans": _valid_sync(t)["scans"]}, "device_id"),
        (lambda t: _sync_with(t, nonce=None), "scans[1].nonce"),
        (lambda t: _sync_with(t, qr=None), "scans[1].qr"),
        (lambda t: _sync_with(t, scanned_at=None), "scans[1].scanned_at"),
        (lambda t: _sync_with(t, qr=42), "scans[1].qr"),
        (lambda t: _sync_with(t, scanned_at="yesterday"), "scans[1].scanned_at"),
        (lambda t: _sync_with(t, scanned_at=1717000000), "scans[1].scanned_at"),
        (lambda t: _sync_with(t, scanned_at="2030-13-45T25:00:00Z"), "scans[1].scanned_at"),
        (
            lambda t: _sync_with(t, scanned_at=timezone.now().replace(tzinfo=None).isoformat()),
            "scans[1].scanned_at",
        ),
        (
            lambda t: _sync_with(t, scanned_at=_iso(timezone.now() + timedelta(hours=1))),
            "scans[1].scanned_at",
        ),
        (
            lambda t: _sync_with(t, scanned_at=_iso(timezone.now() - timedelta(days=31))),
            "scans[1].scanned_at",
        ),
        (lambda t: _sync_with(t, nonce="bad nonce!"), "scans[1].nonce"),
    ],
)
def test_sync_with_a_malformed_body_is_400_and_applies_nothing(
    door, entry_ticket, make_body, field
):
    body = make_body(entry_ticket)
    # A good scan first: a refusal must not apply even the well-formed part.
    if isinstance(body.get("scans"), list) and body["scans"] and isinstance(body["scans"][0], dict):
        body["scans"].insert(0, _offline("first-good", entry_ticket, 10))

    response = door.post(SYNC_URL, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert not Scan.objects.exists()
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 0


def test_sync_bounds_the_batch_and_refuses_repeated_nonces(door, entry_ticket):
    huge = {
        "device_id": "tablet-7",
        "scans": [_offline(f"many-{i:05}", entry_ticket, 5) for i in range(501)],
    }
    repeated = {
        "device_id": "tablet-7",
        "scans": [_offline("twice-0001", entry_ticket, 5), _offline("twice-0001", entry_ticket, 4)],
    }

    for body in (huge, repeated):
        response = door.post(SYNC_URL, body)
        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["scans"]
    assert not Scan.objects.exists()
    assert door.post(SYNC_URL, {**huge, "scans": huge["scans"][:500]}).status_code == 200


def test_sync_by_a_non_manager_is_forbidden(client_for, outsiders, entry_ticket):
    for role, user in outsiders.items():
        response = client_for(user).post(SYNC_URL, _valid_sync(entry_ticket))
        assert response.status_code == _refused(role)[0], role
    assert not Scan.objects.exists()


def test_sync_with_another_managers_nonce_is_409_and_applies_nothing(
    door, client_for, other_manager, entry_ticket, table_ticket
):
    client_for(other_manager).post(
        SCAN_URL, {"qr": "junk", "device_id": "x", "nonce": "theirs-001"}
    )
    body = {
        "device_id": "tablet-7",
        "scans": [_offline("mine-00001", table_ticket, 6), _offline("theirs-001", entry_ticket, 5)],
    }

    response = door.post(SYNC_URL, body)

    assert response.status_code == 409
    assert response.json()["nonces"] == ["theirs-001"]
    assert list(Scan.objects.values_list("nonce", flat=True)) == ["theirs-001"]


def test_conflicts_are_reported_to_the_campaign_seller(
    door, client_for, campaign, manager, entry_ticket
):
    door.post(SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "gate-1"})
    door.post(
        SYNC_URL, {"device_id": "tablet-7", "scans": [_offline("late-00001", entry_ticket, 3)]}
    )
    conflict = Scan.objects.get(nonce="late-00001")

    response = client_for(campaign.seller).get(
        f"/api/v1/validation/campaigns/{campaign.pk}/conflicts/"
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [
        {
            "id": conflict.pk,
            "nonce": "late-00001",
            "ticket": entry_ticket.pk,
            "ticket_type": "Entry",
            "holder_name": "Grace Holder",
            "manager": "door@example.com",
            "device_id": "tablet-7",
            "scanner_device": None,
            "scanned_at": _iso(conflict.scanned_at),
            "received_at": _iso(conflict.received_at),
        }
    ]


def test_conflicts_are_only_for_the_campaign_seller(client_for, manager, campaign):
    url = f"/api/v1/validation/campaigns/{campaign.pk}/conflicts/"

    assert client_for(SellerFactory()).get(url).status_code == 404
    for user in (manager, UserFactory(), ManagerFactory()):
        assert client_for(user).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401


# --- Check-ins by hand made offline ---------------------------------------------------------


def _by_hand(nonce, ticket_id, minutes_ago):
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return {"nonce": nonce, "ticket": ticket_id, "scanned_at": _iso(moment)}


def test_an_offline_check_in_by_hand_syncs_like_a_scan_of_its_code(
    door, confirm, holder, campaign, entry_ticket, table_ticket
):
    other = confirm(holder, TicketTypeFactory()).tickets.get()  # another campaign's ticket
    body = {
        "device_id": "tablet-7",
        "campaign": campaign.pk,
        "scans": [
            _by_hand("hand-00001", table_ticket.pk, 20),
            _offline("code-00001", entry_ticket, 15),
            _by_hand("hand-00002", entry_ticket.pk, 10),
            _by_hand("hand-00003", other.pk, 5),
            _by_hand("hand-00004", 999_999, 4),
        ],
    }

    response = door.post(SYNC_URL, body)

    assert response.status_code == 200
    assert [(r["nonce"], r["result"]) for r in response.json()["results"]] == [
        ("hand-00001", "valid"),
        ("code-00001", "valid"),
        ("hand-00002", "already_used"),
        ("hand-00003", "wrong_campaign"),
        ("hand-00004", "invalid"),
    ]
    assert Ticket.objects.get(pk=table_ticket.pk).scans_used == 1
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 1
    assert Ticket.objects.get(pk=other.pk).scans_used == 0
    assert Scan.objects.get(nonce="hand-00001").offline is True
    assert door.post(SYNC_URL, body).json() == response.json()  # a re-sent batch: replays


def test_an_offline_check_in_by_hand_needs_a_campaign_whose_door_the_caller_works(
    door, client_for, other_manager, campaign, entry_ticket
):
    body = {"device_id": "tablet-7", "scans": [_by_hand("hand-00001", entry_ticket.pk, 5)]}

    without_campaign = door.post(SYNC_URL, body)
    not_theirs = client_for(other_manager).post(SYNC_URL, {**body, "campaign": campaign.pk})

    assert without_campaign.status_code == 400
    assert list(without_campaign.json()["fields"]) == ["campaign"]
    assert not_theirs.status_code in (403, 404)
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("scan", "field"),
    [
        ({"ticket": 1, "qr": "T1.abc"}, "scans[0].ticket"),
        ({"ticket": "1"}, "scans[0].ticket"),
        ({"ticket": 0}, "scans[0].ticket"),
        ({"ticket": 2**63}, "scans[0].ticket"),
    ],
)
def test_a_malformed_check_in_by_hand_is_400(door, campaign, scan, field):
    body = {
        "device_id": "tablet-7",
        "campaign": campaign.pk,
        "scans": [{"nonce": "hand-00001", "scanned_at": _iso(timezone.now()), **scan}],
    }

    response = door.post(SYNC_URL, body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Scan.objects.exists()
