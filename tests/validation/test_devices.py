"""Scanner devices: adding one (a pairing code), pairing it without an account, its token's
reach (one campaign's door endpoints, nothing else), revocation, and the audit trail."""

import re
from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from bookings.models import Ticket
from tests.factories import (
    CampaignFactory,
    SellerFactory,
    TicketTypeFactory,
    UserFactory,
)
from validation import services
from validation.models import PairingCode, Scan, ScannerDevice

pytestmark = pytest.mark.django_db

PAIR_URL = "/api/v1/validation/devices/pair/"
SCAN_URL = "/api/v1/validation/scan/"


def devices_url(campaign):
    return f"/api/v1/validation/campaigns/{campaign.pk}/devices/"


def device_client(token):
    client = APIClient()
    client.credentials(HTTP_X_DEVICE_TOKEN=token)
    return client


@pytest.fixture
def added(client_for, manager, campaign):
    """A device added by the campaign's manager: the 201 body."""
    response = client_for(manager).post(devices_url(campaign), {"name": "North gate"})
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def paired(added):
    """(device, token) of a device paired with its short code."""
    response = APIClient().post(PAIR_URL, {"pairing_code": added["pairing_code"]})
    assert response.status_code == 201
    return ScannerDevice.objects.get(pk=added["id"]), response.json()["token"]


def test_a_manager_adds_a_device_and_gets_a_single_use_code(added, manager, campaign, settings):
    device = ScannerDevice.objects.get()
    assert added == {
        "id": device.pk,
        "name": "North gate",
        "pairing_code": added["pairing_code"],
        "pairing_qr": added["pairing_qr"],
        "expires_at": added["expires_at"],
    }
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", added["pairing_code"])
    page, token = added["pairing_qr"].split("#pair=")
    assert (page, len(token)) == (f"{settings.SITE_URL}/scan/", 32)
    code = PairingCode.objects.get()
    # Only digests are stored.
    assert added["pairing_code"] not in (code.code_hash, code.qr_token_hash)
    assert (
        timedelta(minutes=9, seconds=59) < code.expires_at - timezone.now() <= timedelta(minutes=10)
    )
    assert (device.campaign, device.paired_by, device.state, device.token_hash) == (
        campaign,
        manager,
        "pending",
        None,
    )
    event = AuditEvent.objects.get(action="device.added")
    assert (event.actor, event.target_id) == (manager, str(device.pk))


def test_pairing_gives_a_token_once_and_the_code_cannot_be_used_again(added, campaign, manager):
    code = added["pairing_code"].replace("-", "").lower()

    response = APIClient().post(PAIR_URL, {"pairing_code": code})

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "token": body["token"],
        "device": {
            "id": added["id"],
            "name": "North gate",
            "campaign": campaign.pk,
            "campaign_title": "Rooftop Jazz Night",
        },
    }
    device = ScannerDevice.objects.get()
    assert device.state == "paired"
    assert device.token_hash == services._digest(body["token"])
    event = AuditEvent.objects.get(action="device.paired")
    assert (event.actor, event.target_id, event.metadata) == (
        None,
        str(device.pk),
        {"campaign": campaign.pk, "paired_by": manager.pk},
    )

    for again in (added["pairing_code"], added["pairing_qr"]):
        refused = APIClient().post(PAIR_URL, {"pairing_code": again})
        assert refused.status_code == 409
        assert refused.json()["code"] == "pairing_code_used"
    device.refresh_from_db()
    assert device.token_hash == services._digest(body["token"])
    assert AuditEvent.objects.filter(action="device.paired").count() == 1


def test_the_qr_code_text_pairs_as_well(added):
    response = APIClient().post(PAIR_URL, {"pairing_code": added["pairing_qr"]})

    assert response.status_code == 201
    assert ScannerDevice.objects.get().state == "paired"


def test_an_expired_code_is_refused_and_pairs_nothing(added):
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = APIClient().post(PAIR_URL, {"pairing_code": added["pairing_code"]})

    assert response.status_code == 409
    assert response.json()["code"] == "pairing_code_expired"
    device = ScannerDevice.objects.get()
    assert (device.state, device.token_hash, PairingCode.objects.get().used_at) == (
        "pending",
        None,
        None,
    )
    assert not AuditEvent.objects.filter(action="device.paired").exists()


@pytest.mark.parametrize(
    "code", ["ABCD-EFGH", "not-a-code-at-all", "http://testserver/scan/#pair=forged"]
)
def test_a_forged_code_is_refused_and_pairs_nothing(added, code):
    response = APIClient().post(PAIR_URL, {"pairing_code": code})

    assert response.status_code == 400
    assert response.json()["code"] == "pairing_code_invalid"
    assert ScannerDevice.objects.get().state == "pending"
    assert PairingCode.objects.get().used_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "pairing_code"),
        ({"pairing_code": 12345678}, "pairing_code"),
        ({"pairing_code": "x" * 301}, "pairing_code"),
    ],
)
def test_a_malformed_pairing_body_is_400(added, body, field):
    response = APIClient().post(PAIR_URL, body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert ScannerDevice.objects.get().state == "pending"


def test_a_code_of_a_revoked_device_cannot_pair(added, client_for, manager):
    client_for(manager).delete(f"/api/v1/validation/devices/{added['id']}/")

    response = APIClient().post(PAIR_URL, {"pairing_code": added["pairing_code"]})

    assert response.status_code == 409
    assert ScannerDevice.objects.get().token_hash is None


def test_pairing_is_throttled_per_address(settings, added):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "pairing": "2/min",
        },
    }
    codes = [
        APIClient().post(PAIR_URL, {"pairing_code": "ABCD-EFGH"}).status_code for _ in range(2)
    ]
    throttled = APIClient().post(PAIR_URL, {"pairing_code": added["pairing_code"]})

    assert codes == [400, 400]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert ScannerDevice.objects.get().state == "pending"


def test_the_seller_lists_devices_and_who_paired_them(paired, client_for, seller, manager):
    device, _ = paired
    device.campaign.seller = seller
    device.campaign.save(update_fields=["seller"])

    response = client_for(seller).get(devices_url(device.campaign))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": device.pk,
            "name": "North gate",
            "campaign": device.campaign_id,
            "state": "paired",
            "paired_by": manager.email,
            "created_at": response.json()[0]["created_at"],
            "paired_at": response.json()[0]["paired_at"],
            "last_seen_at": response.json()[0]["last_seen_at"],
            "revoked_at": None,
        }
    ]


def test_only_the_seller_and_assigned_managers_manage_devices(client_for, campaign, other_manager):
    outsiders = {
        "customer": (UserFactory(), 403),
        "other seller": (SellerFactory(), 404),
        "other campaign's manager": (other_manager, 404),
        "anonymous": (None, 401),
    }
    for who, (user, expected) in outsiders.items():
        client = client_for(user)
        assert client.get(devices_url(campaign)).status_code == expected, who
        assert client.post(devices_url(campaign), {"name": "x"}).status_code == expected, who
    assert not ScannerDevice.objects.exists()


def test_a_device_scans_its_campaign_under_its_pairer(paired, entry_ticket, manager):
    device, token = paired

    response = device_client(token).post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "north-1", "nonce": "dev-scan-1"}
    )

    assert response.status_code == 200
    assert response.json()["result"] == "valid"
    scan = Scan.objects.get()
    assert (scan.scanner_device, scan.manager, scan.device_id) == (device, manager, "north-1")


def test_a_device_gets_wrong_campaign_for_another_campaigns_ticket(paired, confirm, holder):
    _, token = paired
    other = TicketTypeFactory(campaign=CampaignFactory(), scans_allowed=1)
    ticket = confirm(holder, other).tickets.get()
    # The pairer manages the other campaign too: the device still is confined to its own.
    other.campaign.managers.add(ScannerDevice.objects.get().paired_by)

    response = device_client(token).post(SCAN_URL, {"qr": ticket.qr_token, "device_id": "n"})

    assert response.json() == {
        "result": "wrong_campaign",
        "reason": "This ticket is for another event.",
        "ticket": None,
        "scans_remaining": None,
    }
    assert Ticket.objects.get(pk=ticket.pk).scans_used == 0


def test_a_device_of_a_seller_scans_though_its_pairer_is_no_manager(
    client_for, campaign, entry_ticket
):
    seller = SellerFactory()
    campaign.seller = seller
    campaign.save(update_fields=["seller"])
    code = client_for(seller).post(devices_url(campaign), {"name": "Box office"}).json()
    token = APIClient().post(PAIR_URL, {"pairing_code": code["pairing_code"]}).json()["token"]

    response = device_client(token).post(SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "b"})

    assert response.json()["result"] == "valid"
    assert Scan.objects.get().manager == seller


def test_a_nonce_of_a_device_is_not_the_pairers(paired, client_for, manager, entry_ticket):
    _, token = paired
    body = {"qr": entry_ticket.qr_token, "device_id": "n", "nonce": "shared-nonce"}
    device_client(token).post(SCAN_URL, body)

    response = client_for(manager).post(SCAN_URL, body)

    assert response.status_code == 409
    assert response.json()["code"] == "nonce_taken"
    assert Scan.objects.count() == 1


def test_revoking_a_device_refuses_its_next_call(paired, client_for, manager, entry_ticket):
    device, token = paired
    scanner = device_client(token)
    assert scanner.get(f"/api/v1/validation/ticket/{entry_ticket.pk}/").status_code == 200

    response = client_for(manager).delete(f"/api/v1/validation/devices/{device.pk}/")

    assert response.status_code == 204
    refused = scanner.post(SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "n"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "device_revoked"
    assert not Scan.objects.exists()
    device.refresh_from_db()
    assert (device.state, device.revoked_by) == ("revoked", manager)
    event = AuditEvent.objects.get(action="device.revoked")
    assert (event.actor, event.target_id) == (manager, str(device.pk))
    # Revoking again changes nothing.
    assert client_for(manager).delete(f"/api/v1/validation/devices/{device.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="device.revoked").count() == 1


def test_only_its_campaigns_seller_and_managers_revoke_a_device(paired, client_for, other_manager):
    device, token = paired
    for user, expected in ((other_manager, 404), (SellerFactory(), 404), (UserFactory(), 403)):
        assert client_for(user).delete(f"/api/v1/validation/devices/{device.pk}/").status_code == (
            expected
        )
    # A device cannot revoke itself or anyone: the endpoint is not a door endpoint.
    assert device_client(token).delete(f"/api/v1/validation/devices/{device.pk}/").status_code == (
        401
    )
    device.refresh_from_db()
    assert device.revoked_at is None


def test_a_device_stops_when_its_pairer_is_taken_off_the_campaign(
    paired, manager, campaign, entry_ticket
):
    _, token = paired
    campaign.managers.remove(manager)

    response = device_client(token).post(SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "n"})

    assert response.status_code == 401
    assert response.json()["code"] == "device_pairer_removed"
    assert not Scan.objects.exists()


def test_an_unknown_device_token_is_401(entry_ticket):
    response = device_client("dt_forged").post(
        SCAN_URL, {"qr": entry_ticket.qr_token, "device_id": "n"}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_device_token"
    assert not Scan.objects.exists()


def test_last_seen_is_written_at_most_once_a_minute(
    paired, entry_ticket, django_assert_num_queries
):
    device, token = paired
    scanner = device_client(token)
    ScannerDevice.objects.filter(pk=device.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=2)
    )
    url = f"/api/v1/validation/ticket/{entry_ticket.pk}/"

    scanner.get(url)
    first = ScannerDevice.objects.get(pk=device.pk).last_seen_at
    with django_assert_num_queries(2):  # the device (with its campaign and pairer), the ticket
        scanner.get(url)

    assert timezone.now() - first < timedelta(seconds=5)
    assert ScannerDevice.objects.get(pk=device.pk).last_seen_at == first


def test_a_scan_request_takes_nine_queries(paired, table_ticket, django_assert_num_queries):
    _, token = paired
    scanner = device_client(token)
    scanner.post(SCAN_URL, {"qr": table_ticket.qr_token, "device_id": "q"})  # writes last seen

    # the device (with its campaign and pairer), BEGIN, the campaign with its key, the lock's
    # wait bound, the ticket locked, the nonce, the count, the scan, COMMIT
    with django_assert_num_queries(9):
        response = scanner.post(SCAN_URL, {"qr": table_ticket.qr_token, "device_id": "q"})

    assert (response.json()["result"], response.json()["scans_remaining"]) == ("valid", 4)
    assert Ticket.objects.get(pk=table_ticket.pk).scans_used == 2


# --- A device token opens its campaign's door endpoints and nothing else -----------------

SAMPLE_ARGUMENTS = {"int": "1", "str": "x", "slug": "x", "path": "x"}
DOOR_ROUTES = {
    "api/v1/validation/scan/",
    "api/v1/validation/sync/",
    "api/v1/validation/ticket/<int:pk>/",
    "api/v1/validation/campaigns/<int:pk>/offline-bundle/",
    "api/v1/validation/campaigns/<int:pk>/checkins/",
}
# Views that read no credentials at all: a device token gives nothing there either.
NO_CREDENTIALS = {"api/v1/validation/devices/pair/", "api/v1/payments/webhook/"}


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, route)
        elif isinstance(pattern.pattern, RoutePattern) and route.startswith("api/v1/"):
            yield route, pattern.callback


def _other_endpoints():
    endpoints = []
    for route, callback in _api_views(get_resolver().url_patterns):
        view = callback.cls  # every API route is a DRF view
        if route in DOOR_ROUTES or route in NO_CREDENTIALS:
            continue
        path = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS[m[1] or "str"], route)
        methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
        endpoints += [(method, path) for method in methods]
    return endpoints


OTHER_ENDPOINTS = _other_endpoints()


def test_the_enumeration_covers_the_api():
    paths = {path for _, path in OTHER_ENDPOINTS}
    assert {
        "/api/v1/campaigns/",
        "/api/v1/bookings/",
        "/api/v1/auth/profile/",
        "/api/v1/finance/balance/",
        "/api/v1/validation/campaigns/1/devices/",
        "/api/v1/validation/devices/1/",
        "/api/v1/validation/campaigns/1/conflicts/",
    } <= paths
    assert len(OTHER_ENDPOINTS) > 40


@pytest.mark.parametrize(("method", "path"), OTHER_ENDPOINTS)
def test_a_device_token_is_refused_on_every_other_endpoint(paired, method, path):
    _, token = paired
    response = getattr(device_client(token), method)(path, {}, format="json")

    assert response.status_code == 401, response.content
    assert response.json()["code"] == "device_not_allowed"
    assert response["WWW-Authenticate"]


def test_each_device_has_its_own_scan_budget(settings, paired, client_for, manager, campaign):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "scan": "1/min",
        },
    }
    _, token = paired
    second = client_for(manager).post(devices_url(campaign), {"name": "South gate"}).json()
    other = APIClient().post(PAIR_URL, {"pairing_code": second["pairing_code"]}).json()["token"]
    body = {"qr": "junk", "device_id": "n"}

    statuses = [
        device_client(token).post(SCAN_URL, body).status_code,
        device_client(token).post(SCAN_URL, body).status_code,
        device_client(other).post(SCAN_URL, body).status_code,
        client_for(manager).post(SCAN_URL, body).status_code,
    ]

    # Same pairer, three budgets: each device's and the manager's own.
    assert statuses == [200, 429, 200, 200]
    assert Scan.objects.count() == 3
