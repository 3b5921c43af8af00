"""What the audit trail records: permission denials (sampled), tokens minted and revoked,
and every change made in the Django admin."""

import hashlib
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import AuditEvent, User
from tests.factories import CampaignFactory, ManagerFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


# --- Permission denials -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("get", "/api/v1/finance/balance/", "api/v1/finance/balance/"),
        ("post", "/api/v1/bookings/7/refund/", "api/v1/bookings/<int:pk>/refund/"),
        ("get", "/api/v1/admin/seller-applications/", "api/v1/admin/seller-applications/"),
        ("post", "/api/v1/validation/scan/", "api/v1/validation/scan/"),
        ("get", "/api/v1/campaigns/3/managers/", "api/v1/campaigns/<int:pk>/managers/"),
        ("get", "/api/v1/admin/audit-events/", "api/v1/admin/audit-events/"),
    ],
)
def test_a_refused_signed_in_caller_is_audited(client_for, customer, method, path, route):
    response = getattr(client_for(customer), method)(path, REMOTE_ADDR="203.0.113.4")

    assert response.status_code == 403
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.ip) == ("permission.denied", customer, "203.0.113.4")
    assert event.metadata == {
        "method": method.upper(),
        "path": path,
        "code": "permission_denied",
    }


def test_a_refusal_by_an_object_check_is_audited_too(client_for):
    owner, other = SellerFactory(), SellerFactory()
    campaign = CampaignFactory(seller=owner)

    response = client_for(other).get(f"/api/v1/campaigns/{campaign.pk}/analytics/")

    assert response.status_code == 403
    assert list(AuditEvent.objects.values_list("action", "actor")) == [
        ("permission.denied", other.pk)
    ]


def test_a_flood_of_denials_leaves_one_event_per_caller_and_route_a_minute(client_for, customer):
    customer_client = client_for(customer)
    for _ in range(5):
        customer_client.get("/api/v1/finance/balance/")
    for pk in (1, 2, 3):  # one route, whatever the id
        customer_client.post(f"/api/v1/bookings/{pk}/refund/")
    customer_client.get("/api/v1/finance/transactions/")
    client_for(ManagerFactory()).get("/api/v1/finance/balance/")

    assert AuditEvent.objects.filter(actor=customer).count() == 3
    assert sorted(
        AuditEvent.objects.filter(actor=customer).values_list("metadata__path", flat=True)
    ) == [
        "/api/v1/bookings/1/refund/",
        "/api/v1/finance/balance/",
        "/api/v1/finance/transactions/",
    ]
    assert AuditEvent.objects.count() == 4


def test_anonymous_and_allowed_calls_are_not_denials(client_for, seller):
    anonymous = client_for(None).get("/api/v1/finance/balance/")
    allowed = client_for(seller).get("/api/v1/finance/balance/")

    assert anonymous.status_code in (401, 403)
    assert allowed.status_code == 200
    assert AuditEvent.objects.count() == 0


# --- Tokens -------------------------------------------------------------------------------


def create_token(email: str) -> str:
    out = StringIO()
    call_command("create_api_token", email, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_a_token_minted_by_create_api_token_is_audited_without_the_token(api_client):
    token = create_token("door@example.com")

    user = User.objects.get(email="door@example.com")
    event = AuditEvent.objects.get(action="token.created")
    assert (event.actor, event.target_type, event.target_id) == (
        None,
        "accounts.user",
        str(user.pk),
    )
    assert event.metadata["token"] == _fingerprint(token)
    assert token not in str(event.metadata)
    assert event.metadata["expires_at"].startswith(str(user.date_joined.year + 1))


def test_logging_out_a_token_session_revokes_it_on_the_record(api_client):
    token = create_token("door@example.com")
    user = User.objects.get(email="door@example.com")

    response = api_client.post(
        "/api/v1/auth/logout/", HTTP_X_SESSION_TOKEN=token, REMOTE_ADDR="203.0.113.8"
    )

    assert response.status_code == 204
    assert api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token).status_code in (
        401,
        403,
    )
    revoked = AuditEvent.objects.get(action="token.revoked")
    assert (revoked.actor, revoked.ip, revoked.metadata) == (
        user,
        "203.0.113.8",
        {"token": _fingerprint(token)},
    )


def test_the_mobile_app_logout_through_allauth_revokes_the_token_on_the_record(client, api_client):
    token = create_token("door@example.com")

    response = client.delete(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token, REMOTE_ADDR="203.0.113.9"
    )

    assert response.status_code == 401  # allauth's answer: no longer signed in
    assert api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token).status_code in (
        401,
        403,
    )
    revoked = AuditEvent.objects.get(action="token.revoked")
    assert (revoked.actor.email, revoked.ip, revoked.metadata) == (
        "door@example.com",
        "203.0.113.9",
        {"token": _fingerprint(token)},
    )


def test_a_web_logout_revokes_no_token(client, customer):
    client.force_login(customer)

    client.post("/api/v1/auth/logout/", content_type="application/json")

    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "user.logged_in",
        "user.logged_out",
    ]


# --- The Django admin ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client, super_admin):
    client.force_login(super_admin)
    AuditEvent.objects.all().delete()  # the sign-in itself
    return client


def test_an_admin_edit_is_mirrored_from_its_log_entry(admin_client, super_admin):
    user = UserFactory(email="ada@example.com", name="Ada")

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "phone": "",
            "is_active": "on",
        },
        REMOTE_ADDR="198.51.100.20",
    )

    assert response.status_code == 302, response.content
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.ip, event.target_type, event.target_id) == (
        "admin.changed",
        super_admin,
        "198.51.100.20",
        "accounts.user",
        str(user.pk),
    )
    assert event.metadata["object"] == "ada@example.com"
    assert event.metadata["change_message"] == "Changed Name."


def test_an_admin_addition_in_a_library_admin_is_mirrored(admin_client, super_admin):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Door staff"})

    assert response.status_code == 302
    group = Group.objects.get()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        "admin.added",
        super_admin,
        "auth.group",
        str(group.pk),
    )
    assert event.metadata["change_message"] == "Added."


def test_an_admin_bulk_deletion_is_mirrored_object_by_object(admin_client, super_admin):
    groups = [Group.objects.create(name=name) for name in ("Ushers", "Bar")]

    response = admin_client.post(
        "/admin/auth/group/",
        {
            "action": "delete_selected",
            "_selected_action": [group.pk for group in groups],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert Group.objects.count() == 0
    events = AuditEvent.objects.order_by("target_id")
    assert [(e.action, e.actor_id, e.target_id, e.metadata["object"]) for e in events] == [
        ("admin.deleted", super_admin.pk, str(groups[0].pk), "Ushers"),
        ("admin.deleted", super_admin.pk, str(groups[1].pk), "Bar"),
    ]


def test_super_admins_read_the_trail_in_the_admin_and_cannot_change_it(admin_client):
    seller = SellerFactory(email="sam@example.com")
    AuditEvent.objects.create(actor=seller, action="token.revoked", ip="203.0.113.1")
    event = AuditEvent.objects.create(action="webhook.forged", ip="203.0.113.2")
    AuditEvent.objects.create(action="webhook.forged", created_at=datetime(2020, 1, 1, tzinfo=UTC))
    changelist = "/admin/accounts/auditevent/"

    searched = admin_client.get(changelist, {"q": "sam@example.com"})
    by_action = admin_client.get(changelist, {"action": "webhook.forged"})
    by_date = admin_client.get(changelist, {"created_at__gte": "2021-01-01 00:00:00+00:00"})

    assert searched.status_code == 200
    assert list(searched.context["cl"].result_list) == [AuditEvent.objects.get(actor=seller)]
    assert by_action.context["cl"].result_count == 2
    assert list(by_date.context["cl"].result_list) == [
        event,
        AuditEvent.objects.get(actor=seller),
    ]
    assert admin_client.get(f"{changelist}add/").status_code == 403
    assert admin_client.post(f"{changelist}{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.count() == 3
