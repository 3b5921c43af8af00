"""The door with paired devices: the check-in list and check-in by hand, offline bundles as
secrets (who may fetch them, their expiry, stale keys), a revoked device's offline scans, and
void tickets through a device."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from bookings.models import Booking, Ticket
from bookings.tickets.reissue import campaign_qr_key_rotate
from tests.factories import CampaignFactory, SellerFactory, UserFactory
from validation import services
from validation.models import RefusedScan, Scan, ScannerDevice

pytestmark = pytest.mark.django_db

SYNC_URL = "/api/v1/validation/sync/"
SCAN_URL = "/api/v1/validation/scan/"


def checkins_url(campaign, q=None):
    url = f"/api/v1/validation/campaigns/{campaign.pk}/checkins/"
    return f"{url}?q={q}" if q is not None else url


def bundle_url(campaign):
    return f"/api/v1/validation/campaigns/{campaign.pk}/offline-bundle/"


def _offline(nonce, ticket, minutes_ago):
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return {"nonce": nonce, "qr": ticket.qr_token, "scanned_at": moment.isoformat()}


@pytest.fixture
def device(campaign, manager):
    """(device, API client with its token), paired through the services."""
    added, secret = services.device_add(campaign=campaign, name="Gate A", user=manager)
    device, token = services.device_pair(pairing_code=secret.code)
    client = APIClient()
    client.credentials(HTTP_X_DEVICE_TOKEN=token)
    return device, client


@pytest.fixture
def guests(confirm, entry_type, table_type):
    """Three paid tickets: Ada (entry, already in), Bo (table of 2), Cy (entry, refunded)."""
    ada = confirm(UserFactory(email="ada@example.com"), entry_type, holder_names=["Ada Lovelace"])
    bo = confirm(UserFactory(email="bo@example.com"), table_type, quantity=2)
    cy = confirm(UserFactory(email="cy@example.com"), entry_type, holder_names=["Cy Twombly"])
    Ticket.objects.filter(booking=ada).update(scans_used=1)
    Booking.objects.filter(pk=cy.pk).update(status=Booking.Status.REFUNDED)
    return {"ada": ada.tickets.get(), "bo": bo.tickets.get(), "cy": cy.tickets.get()}


def test_the_check_in_list_counts_and_searches(device, guests, entry_type, table_type):
    _, scanner = device
    ada = guests["ada"]

    response = scanner.get(checkins_url(entry_type.campaign, q="ada@"))

    assert response.status_code == 200
    assert response.json() == {
        "counts": [
            {
                "ticket_type": entry_type.pk,
                "ticket_type_name": "Entry",
                "checked_in": 1,
                "sold": 1,
            },
            {
                "ticket_type": table_type.pk,
                "ticket_type_name": "VIP Table",
                "checked_in": 0,
                "sold": 1,
            },
        ],
        "results": [
            {
                "ticket": ada.pk,
                "ticket_type": entry_type.pk,
                "ticket_type_name": "Entry",
                "holder_name": "Ada Lovelace",
                "holder_email": "ada@example.com",
                "booking_reference": ada.booking.reference,
                "status": "valid",
                "scans_used": 1,
                "scans_allowed": 1,
            }
        ],
        "more": False,
    }


@pytest.mark.parametrize(
    ("q", "who"),
    [("lovelace", ["ada"]), ("TWOMBLY", ["cy"]), ("bo@example", ["bo"]), ("", ["ada", "cy", "bo"])],
)
def test_the_check_in_list_finds_names_e_mails_and_references(device, guests, campaign, q, who):
    _, scanner = device

    results = scanner.get(checkins_url(campaign, q=q)).json()["results"]

    assert [row["ticket"] for row in results] == sorted(
        (guests[name].pk for name in who),
        key=lambda pk: (Ticket.objects.get(pk=pk).holder_name, pk),
    )
    by_reference = scanner.get(checkins_url(campaign, q=guests["cy"].booking.reference.lower()))
    assert [row["status"] for row in by_reference.json()["results"]] == ["void"]


def test_the_check_in_list_takes_a_fixed_number_of_queries(
    device, guests, campaign, confirm, entry_type, django_assert_num_queries
):
    _, scanner = device
    for index in range(5):
        confirm(UserFactory(), entry_type, holder_names=[f"Guest {index}"])

    # device, count per type, matching tickets with booking, buyer and type
    with django_assert_num_queries(3):
        response = scanner.get(checkins_url(campaign))

    assert len(response.json()["results"]) == 8


def test_the_check_in_list_is_capped(device, campaign, confirm, entry_type, monkeypatch):
    _, scanner = device
    monkeypatch.setattr("validation.selectors.CHECKIN_RESULTS", 2)
    for index in range(3):
        confirm(UserFactory(), entry_type, holder_names=[f"Guest {index}"])

    body = scanner.get(checkins_url(campaign)).json()

    assert ([row["holder_name"] for row in body["results"]], body["more"]) == (
        ["Guest 0", "Guest 1"],
        True,
    )


def test_check_in_by_hand_is_recorded_as_a_scan_of_the_device(device, guests, campaign, manager):
    dev, scanner = device
    bo = guests["bo"]

    response = scanner.post(
        checkins_url(campaign), {"ticket": bo.pk, "device_id": "gate-a", "nonce": "hand-0001"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "result": "valid",
        "reason": None,
        "ticket": {
            "id": bo.pk,
            "ticket_type": bo.ticket_type_id,
            "ticket_type_name": "VIP Table",
            "holder_name": bo.holder_name,
            "scans_allowed": 4,
            "scans_used": 1,
        },
        "scans_remaining": 3,
    }
    scan = Scan.objects.get()
    assert (scan.scanner_device, scan.manager, scan.nonce) == (dev, manager, "hand-0001")
    again = scanner.post(
        checkins_url(campaign), {"ticket": bo.pk, "device_id": "gate-a", "nonce": "hand-0001"}
    )
    assert again.json() == response.json()
    assert Ticket.objects.get(pk=bo.pk).scans_used == 1


def test_check_in_by_hand_refuses_as_a_scan_would(device, guests, campaign, confirm, holder):
    _, scanner = device
    other = CampaignFactory()
    from tests.factories import TicketTypeFactory

    foreign = confirm(holder, TicketTypeFactory(campaign=other)).tickets.get()

    results = [
        scanner.post(checkins_url(campaign), {"ticket": pk, "device_id": "g"}).json()["result"]
        for pk in (guests["ada"].pk, guests["cy"].pk, foreign.pk, 999999)
    ]

    assert results == ["already_used", "void", "wrong_campaign", "invalid"]
    assert Ticket.objects.get(pk=foreign.pk).scans_used == 0


def test_a_manager_checks_in_by_hand_and_the_seller_only_reads(
    client_for, manager, guests, campaign
):
    seller = SellerFactory()
    campaign.seller = seller
    campaign.save(update_fields=["seller"])
    body = {"ticket": guests["bo"].pk, "device_id": "desk"}

    assert client_for(manager).post(checkins_url(campaign), body).json()["result"] == "valid"
    assert client_for(seller).get(checkins_url(campaign)).status_code == 200
    refused = client_for(seller).post(checkins_url(campaign), body)

    assert refused.status_code == 403
    assert Scan.objects.count() == 1


def test_the_check_in_list_of_another_campaign_is_404(device, client_for, other_manager, guests):
    _, scanner = device
    other = CampaignFactory()
    other.managers.add(other_manager)
    campaign = guests["ada"].booking.campaign

    assert scanner.get(checkins_url(other)).status_code == 404
    assert client_for(other_manager).get(checkins_url(campaign)).status_code == 404
    assert client_for(SellerFactory()).get(checkins_url(campaign)).status_code == 404
    assert client_for(UserFactory()).get(checkins_url(campaign)).status_code == 403
    body = {"ticket": guests["bo"].pk, "device_id": "x"}
    assert scanner.post(checkins_url(other), body).status_code == 404
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"device_id": "x"}, "ticket"),
        ({"ticket": "1", "device_id": "x"}, "ticket"),
        ({"ticket": 1}, "device_id"),
        ({"ticket": 1, "device_id": "x", "nonce": "no"}, "nonce"),
    ],
)
def test_a_malformed_check_in_is_400(device, campaign, body, field):
    _, scanner = device

    response = scanner.post(checkins_url(campaign), body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Scan.objects.exists()


# --- Bundles are secrets ---------------------------------------------------------------------


def test_a_device_fetches_its_campaigns_bundle_and_the_download_names_it(
    device, campaign, manager, entry_ticket
):
    dev, scanner = device

    response = scanner.get(bundle_url(campaign))

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["tickets"]] == [entry_ticket.pk]
    event = AuditEvent.objects.get(action="validation.offline_bundle_issued")
    assert (event.actor, event.metadata["device"]) == (manager, dev.pk)
    assert scanner.get(bundle_url(CampaignFactory())).status_code == 404


def test_the_seller_and_other_roles_get_no_bundle(client_for, campaign, other_manager):
    seller = SellerFactory()
    campaign.seller = seller
    campaign.save(update_fields=["seller"])

    statuses = [
        client_for(user).get(bundle_url(campaign)).status_code
        for user in (seller, UserFactory(), other_manager, None)
    ]

    assert statuses == [403, 403, 404, 401]
    assert not AuditEvent.objects.filter(action="validation.offline_bundle_issued").exists()


def test_a_sync_with_a_bundle_older_than_the_key_is_refused_whole(device, campaign, entry_ticket):
    _, scanner = device
    version = scanner.get(bundle_url(campaign)).json()["key_version"]
    campaign_qr_key_rotate(campaign_id=campaign.pk)
    entry_ticket.refresh_from_db()
    body = {
        "device_id": "gate-a",
        "key_version": version,
        "scans": [_offline("stale-0001", entry_ticket, 3)],
    }

    response = scanner.post(SYNC_URL, body)

    assert response.status_code == 409
    assert response.json()["code"] == "bundle_stale"
    assert response.json()["key_version"] == version + 1
    assert not Scan.objects.exists()
    body["key_version"] = version + 1
    assert scanner.post(SYNC_URL, body).json()["results"][0]["result"] == "valid"


def test_a_managers_sync_names_the_campaign_of_its_key_version(client_for, manager, entry_ticket):
    body = {"device_id": "t", "key_version": 1, "scans": [_offline("mgr-00001", entry_ticket, 3)]}

    response = client_for(manager).post(SYNC_URL, body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["campaign"]
    body["campaign"] = entry_ticket.booking.campaign_id
    assert client_for(manager).post(SYNC_URL, body).json()["results"][0]["result"] == "valid"


def test_a_revoked_devices_offline_scans_are_refused_and_kept_for_the_seller(
    device, client_for, manager, entry_ticket
):
    dev, scanner = device
    client_for(manager).delete(f"/api/v1/validation/devices/{dev.pk}/")
    body = {
        "device_id": "gate-a",
        "scans": [
            _offline("late-00001", entry_ticket, 9),
            _offline("late-00002", entry_ticket, 8),
            # A check-in by hand from the phone's offline list.
            {
                "nonce": "late-00003",
                "ticket": entry_ticket.pk,
                "scanned_at": (timezone.now() - timedelta(minutes=7)).isoformat(),
            },
        ],
    }

    response = scanner.post(SYNC_URL, body)
    resent = scanner.post(SYNC_URL, body)

    assert response.status_code == 401
    assert response.json() == {
        "code": "device_revoked",
        "detail": "This scanner was revoked. Ask the organiser to add it again.",
        "refused": ["late-00001", "late-00002", "late-00003"],
    }
    assert resent.status_code == 401
    assert not Scan.objects.exists()
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 0
    kept = RefusedScan.objects.order_by("nonce")
    assert [(r.nonce, r.device, r.ticket) for r in kept] == [
        ("late-00001", dev, entry_ticket),
        ("late-00002", dev, entry_ticket),
        ("late-00003", dev, entry_ticket),
    ]


def test_a_revoked_devices_malformed_sync_keeps_nothing(device, client_for, manager):
    dev, scanner = device
    ScannerDevice.objects.filter(pk=dev.pk).update(revoked_at=timezone.now())

    response = scanner.post(SYNC_URL, {"device_id": "gate-a", "scans": [{"nonce": "x"}]})

    assert response.status_code == 401
    assert "refused" not in response.json()
    assert not RefusedScan.objects.exists()


# --- Void at the door ---------------------------------------------------------------------


def test_a_device_reads_void_for_refunded_and_voided_tickets(device, confirm, holder, entry_type):
    _, scanner = device
    refunded = confirm(holder, entry_type)
    Booking.objects.filter(pk=refunded.pk).update(status=Booking.Status.REFUNDED)
    transferred = confirm(holder, entry_type).tickets.get()
    # What a transfer does to the old ticket.
    Ticket.objects.filter(pk=transferred.pk).update(status=Ticket.Status.VOID)

    answers = [
        scanner.post(SCAN_URL, {"qr": ticket.qr_token, "device_id": "g"}).json()
        for ticket in (refunded.tickets.get(), transferred)
    ]

    assert [(a["result"], a["reason"], a["scans_remaining"]) for a in answers] == [
        ("void", "This ticket was refunded.", 0),
        ("void", "This ticket is no longer valid: it was cancelled or replaced.", 0),
    ]
    assert list(Ticket.objects.filter(scans_used__gt=0)) == []
