"""Managers by consent: invited by e-mail, accepted by the invitee, no silent role change."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import AuditEvent, ManagerInvitation, Role, User
from accounts.tasks import send_manager_invitation
from campaigns import services
from tests.concurrency import Meeting, run_in_parallel
from tests.factories import (
    CampaignFactory,
    ManagerFactory,
    ManagerInvitationFactory,
    SuperAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def managers_url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/managers/"


def _invite(client_for, seller, campaign, email, capture):
    """POST the invitation and run what it schedules after commit (the e-mail)."""
    with capture(execute=True):
        return client_for(seller).post(managers_url(campaign), {"email": email})


@pytest.fixture
def invite(client_for, seller, published, django_capture_on_commit_callbacks):
    def make(email, campaign=None):
        return _invite(
            client_for, seller, campaign or published, email, django_capture_on_commit_callbacks
        )

    return make


@pytest.fixture
def invitation_of(invite):
    """`invitation_of(user)`: a pending invitation of `user` to manage `published`."""

    def make(user):
        response = invite(user.email)
        assert response.status_code == 201, response.json()
        mail.outbox.clear()
        return ManagerInvitation.objects.get(pk=response.json()["invitation"]["id"])

    return make


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _unchanged(user, role, campaign):
    user.refresh_from_db()
    assert user.role == role
    assert not campaign.managers.filter(pk=user.pk).exists()


def _actions(prefix="manager_invitation.") -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- The seller invites ---------------------------------------------------------------------


def test_inviting_a_customer_sends_an_invitation_and_changes_nothing_yet(
    invite, customer, seller, published, settings
):
    settings.MANAGER_INVITATION_DAYS = 7
    before = timezone.now()

    response = invite("Customer@Example.com")

    assert response.status_code == 201
    invitation = ManagerInvitation.objects.get()
    assert response.json() == {
        "invitation": {
            "id": invitation.pk,
            "email": "customer@example.com",
            "status": "pending",
            "expires_at": _iso(invitation.expires_at),
            "campaign": {"id": published.pk, "title": "Jazz Night"},
            "invited_by": "Sam Seller",
        }
    }
    assert before + timedelta(days=7) <= invitation.expires_at <= timezone.now() + timedelta(days=7)
    _unchanged(customer, Role.CUSTOMER, published)
    event = AuditEvent.objects.get(action="manager_invitation.created")
    assert (event.actor, event.target_id) == (seller, str(invitation.pk))
    assert event.metadata == {
        "email": "customer@example.com",
        "renewed": False,
        "target": "campaigns.campaign",
        "target_id": published.pk,
    }
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()
    (message,) = mail.outbox
    assert message.to == ["customer@example.com"]
    assert message.subject == "Sam Seller invites you to manage Jazz Night"
    assert f"{settings.SITE_URL}/invitations/" in message.body
    assert "sign in with Google as customer@example.com" in message.body


@pytest.mark.parametrize("kind", ["unknown", "seller", "super_admin"])
def test_sellers_super_admins_and_unknown_addresses_are_invited_too(
    invite, published, other_seller, kind
):
    user = {"unknown": None, "seller": other_seller, "super_admin": SuperAdminFactory()}[kind]
    email = user.email if user else "door@example.com"

    response = invite(email)

    assert response.status_code == 201
    assert response.json()["invitation"]["email"] == email
    assert response.json()["invitation"]["status"] == "pending"
    assert published.managers.count() == 0
    if user is None:
        assert not User.objects.filter(email=email).exists()
    else:
        user.refresh_from_db()
        assert user.role == {"seller": Role.SELLER, "super_admin": Role.SUPER_ADMIN}[kind]
    assert len(mail.outbox) == 1


def test_a_user_who_is_already_a_manager_is_assigned_at_once(invite, seller, published):
    manager = ManagerFactory(email="door@example.com", name="Dee Door")

    response = invite("door@example.com")
    again = invite("door@example.com")

    assert response.status_code == again.status_code == 201
    assert (
        response.json()
        == again.json()
        == {
            "id": manager.pk,
            "email": "door@example.com",
            "name": "Dee Door",
        }
    )
    assert list(published.managers.all()) == [manager]
    assert AuditEvent.objects.filter(action="campaign.manager_assigned").count() == 1
    assert ManagerInvitation.objects.count() == 0
    assert mail.outbox == []


def test_inviting_a_pending_address_again_returns_the_same_invitation_and_sends_nothing(
    invite, customer
):
    first = invite(customer.email)
    again = invite(customer.email.upper())

    assert again.status_code == 201
    assert again.json() == first.json()
    assert ManagerInvitation.objects.count() == 1
    assert len(mail.outbox) == 1
    assert _actions() == ["manager_invitation.created"]


def test_inviting_again_after_expiry_renews_the_invitation_and_sends_it_again(
    invite, invitation_of, customer
):
    invitation = invitation_of(customer)
    ManagerInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = invite(customer.email)

    invitation.refresh_from_db()
    assert response.json()["invitation"]["id"] == invitation.pk
    assert response.json()["invitation"]["status"] == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 1
    created = AuditEvent.objects.filter(action="manager_invitation.created").order_by("pk")
    assert [event.metadata["renewed"] for event in created] == [False, True]


def test_the_invitation_email_goes_out_once_and_never_for_a_closed_invitation(invite, customer):
    invite(customer.email)
    invitation = ManagerInvitation.objects.get()
    withdrawn = ManagerInvitationFactory(email=customer.email, status="revoked")

    assert send_manager_invitation.delay(invitation.pk).get() is False
    assert send_manager_invitation.delay(withdrawn.pk).get() is False
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None


def test_a_seller_cannot_invite_themselves(invite, seller, published):
    response = invite(seller.email)

    assert response.status_code == 409
    assert response.json() == {
        "code": "not_assignable",
        "detail": "You own this campaign: invite someone else to manage it.",
    }
    assert ManagerInvitation.objects.count() == 0
    assert published.managers.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        [],
        {"email": None},
        {"email": ["door@example.com"]},
        {"email": {"address": "door@example.com"}},
        {"email": 12345},
        {"email": "door@example.com" + "x" * 300},
        {"email": "d" * 250 + "@example.com"},
        {"email": "not-an-email"},
    ],
    ids=[
        "empty",
        "list_body",
        "null",
        "list",
        "object",
        "number",
        "too_long_domain",
        "too_long",
        "not_an_email",
    ],
)
def test_malformed_invitations_are_refused_and_change_nothing(client_for, seller, published, body):
    response = client_for(seller).post(managers_url(published), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert ManagerInvitation.objects.count() == 0
    assert published.managers.count() == 0
    assert AuditEvent.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_seller", 403), ("customer", 403), ("manager", 403), ("super_admin", 403)],
)
def test_only_the_owner_invites(
    client_for, customer, other_seller, super_admin, published, who, status
):
    user = {
        "other_seller": other_seller,
        "customer": customer,
        "manager": ManagerFactory(),
        "super_admin": super_admin,
    }[who]

    response = client_for(user).post(managers_url(published), {"email": "door@example.com"})

    assert response.status_code == status
    assert ManagerInvitation.objects.count() == 0


def test_another_sellers_draft_is_not_found(client_for, seller, other_seller):
    draft = CampaignFactory(seller=other_seller, status="draft")

    response = client_for(seller).post(managers_url(draft), {"email": "door@example.com"})

    assert response.status_code == 404
    assert ManagerInvitation.objects.count() == 0


def test_delete_withdraws_a_pending_invitation(
    client_for, seller, customer, published, invitation_of
):
    invitation = invitation_of(customer)

    response = client_for(seller).delete(f"{managers_url(published)}?email={customer.email}")

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decided_by) == ("revoked", seller)
    assert _actions() == ["manager_invitation.created", "manager_invitation.revoked"]
    again = client_for(seller).delete(f"{managers_url(published)}?email={customer.email}")
    assert again.status_code == 404
    refused = client_for(customer).post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")
    assert refused.status_code == 409
    assert refused.json() == {"code": "invitation_closed", "detail": "This invitation was revoked."}
    _unchanged(customer, Role.CUSTOMER, published)


# --- The invitee answers --------------------------------------------------------------------


def test_the_invitee_lists_their_open_invitations_only(
    client_for, customer, other_seller, invitation_of, invite
):
    mine = invitation_of(customer)
    invite("someone@example.com")
    elsewhere = CampaignFactory(seller=other_seller, title="Other Night")
    expired = ManagerInvitationFactory(
        target=elsewhere, email=customer.email, expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = client_for(customer).get("/api/v1/auth/invitations/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [mine.pk]
    assert expired.state == "expired"
    assert client_for(None).get("/api/v1/auth/invitations/").status_code in (401, 403)


def test_a_customer_who_accepts_becomes_a_manager_of_that_campaign(
    client_for, customer, published, invitation_of
):
    invitation = invitation_of(customer)
    client = client_for(customer)
    bundle_url = f"/api/v1/validation/campaigns/{published.pk}/offline-bundle/"
    assert client.get(bundle_url).status_code == 403

    response = client.post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["campaign"] == {"id": published.pk, "title": "Jazz Night"}
    customer.refresh_from_db()
    assert customer.role == Role.MANAGER
    assert list(published.managers.all()) == [customer]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decided_by) == ("accepted", customer)
    assert _actions("") == [
        "manager_invitation.created",
        "permission.denied",  # the bundle, before accepting
        "user.role_changed",
        "manager_invitation.accepted",
        "campaign.manager_assigned",
    ]
    assert client_for(customer).get(bundle_url).status_code == 200
    assert client_for(customer).get("/api/v1/auth/invitations/").json() == []


@pytest.mark.parametrize("role", [Role.SELLER, Role.SUPER_ADMIN])
def test_a_seller_or_super_admin_who_accepts_keeps_their_role_and_gets_no_scanning(
    client_for, published, invitation_of, role
):
    invitee = UserFactory(email="door@example.com", role=role)
    invitation = invitation_of(invitee)

    response = client_for(invitee).post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    assert response.status_code == 200
    invitee.refresh_from_db()
    assert invitee.role == role
    assert list(published.managers.all()) == [invitee]
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()
    bundle_url = f"/api/v1/validation/campaigns/{published.pk}/offline-bundle/"
    assert client_for(invitee).get(bundle_url).status_code == 403


def test_accepting_again_answers_the_same_and_changes_nothing(
    client_for, customer, published, invitation_of
):
    invitation = invitation_of(customer)
    client = client_for(customer)

    first = client.post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")
    again = client.post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert AuditEvent.objects.filter(action="manager_invitation.accepted").count() == 1
    assert AuditEvent.objects.filter(action="user.role_changed").count() == 1
    assert AuditEvent.objects.filter(action="campaign.manager_assigned").count() == 1
    assert published.managers.count() == 1


def test_someone_elses_invitation_is_not_found_and_changes_nothing(
    client_for, customer, published, invitation_of
):
    invitation = invitation_of(customer)
    intruder = UserFactory(email="intruder@example.com")

    for action in ("accept", "decline"):
        response = client_for(intruder).post(f"/api/v1/auth/invitations/{invitation.pk}/{action}/")
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "detail": "You have no invitation with this id.",
        }
    assert client_for(intruder).post("/api/v1/auth/invitations/999999/accept/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    _unchanged(intruder, Role.CUSTOMER, published)
    _unchanged(customer, Role.CUSTOMER, published)
    assert _actions() == ["manager_invitation.created"]


def test_an_expired_invitation_is_refused_and_changes_nothing(
    client_for, customer, published, invitation_of
):
    invitation = invitation_of(customer)
    ManagerInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    response = client_for(customer).post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    assert response.status_code == 409
    assert response.json() == {
        "code": "invitation_expired",
        "detail": "This invitation has expired; ask for a new one.",
    }
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    _unchanged(customer, Role.CUSTOMER, published)
    assert _actions() == ["manager_invitation.created"]


def test_declining_is_audited_final_and_repeatable(client_for, customer, published, invitation_of):
    invitation = invitation_of(customer)
    client = client_for(customer)

    first = client.post(f"/api/v1/auth/invitations/{invitation.pk}/decline/")
    again = client.post(f"/api/v1/auth/invitations/{invitation.pk}/decline/")
    accept = client.post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    assert (first.status_code, first.json()["status"]) == (200, "declined")
    assert (again.status_code, again.json()) == (200, first.json())
    assert accept.status_code == 409
    assert accept.json()["code"] == "invitation_closed"
    _unchanged(customer, Role.CUSTOMER, published)
    assert _actions() == ["manager_invitation.created", "manager_invitation.declined"]


def test_an_accepted_invitation_cannot_be_declined(client_for, customer, published, invitation_of):
    invitation = invitation_of(customer)
    client = client_for(customer)
    client.post(f"/api/v1/auth/invitations/{invitation.pk}/accept/")

    response = client.post(f"/api/v1/auth/invitations/{invitation.pk}/decline/")

    assert response.status_code == 409
    assert response.json() == {
        "code": "invitation_closed",
        "detail": "This invitation was accepted.",
    }
    assert list(published.managers.all()) == [customer]


def test_existing_assignments_keep_working(client_for, seller, published):
    manager = ManagerFactory(email="door@example.com", name="Dee Door")
    published.managers.add(manager)

    listed = client_for(seller).get(managers_url(published))
    removed = client_for(seller).delete(managers_url(published), {"email": "door@example.com"})

    assert listed.json() == [{"id": manager.pk, "email": "door@example.com", "name": "Dee Door"}]
    assert removed.status_code == 204
    assert published.managers.count() == 0


def test_the_schema_documents_invitations(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    for path in (
        "/api/v1/auth/invitations/",
        "/api/v1/auth/invitations/{id}/accept/",
        "/api/v1/auth/invitations/{id}/decline/",
    ):
        assert path in schema["paths"]
    added = schema["paths"]["/api/v1/campaigns/{id}/managers/"]["post"]["responses"]["201"]
    assert added["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ManagerAdded"
    }
    assert {ref["$ref"] for ref in schema["components"]["schemas"]["ManagerAdded"]["oneOf"]} == {
        "#/components/schemas/ManagerOutput",
        "#/components/schemas/InvitationEnvelope",
    }
    assert schema["components"]["schemas"]["InvitationOutput"]["properties"]["status"]


# --- Races (PostgreSQL) ---------------------------------------------------------------------


def _two_accepts_meeting_before_deciding(monkeypatch, customer, published):
    """Two accepts of one invitation at once, each waiting for the other just before it
    records its decision: the interleaving in which a double accept would show.

    Even without the row locks the first accept keeps the other away: it changed the user's
    role, and that row stays written until it commits. So the meeting lets it go after 2 s.
    """
    invitation = ManagerInvitationFactory(target=published, email=customer.email)
    both_read = Meeting(2, locked_out=True)
    decide = accounts_services._decide

    def meet_then_decide(**kwargs):
        both_read.wait()
        decide(**kwargs)

    monkeypatch.setattr(accounts_services, "_decide", meet_then_decide)

    def accept():
        user = User.objects.get(pk=customer.pk)  # each client loads its own user
        return services.manager_invitation_accept(invitation_id=invitation.pk, user=user)

    return run_in_parallel([accept, accept])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_have_one_effect(monkeypatch, customer, published):
    outcomes = _two_accepts_meeting_before_deciding(monkeypatch, customer, published)

    assert [o.status for o in outcomes] == ["accepted", "accepted"], outcomes
    assert list(published.managers.all()) == [customer]
    assert AuditEvent.objects.filter(action="manager_invitation.accepted").count() == 1
    assert AuditEvent.objects.filter(action="user.role_changed").count() == 1
    assert AuditEvent.objects.filter(action="campaign.manager_assigned").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_row_locks_two_accepts_at_once_both_take_effect(
    monkeypatch, customer, published
):
    """The race the locks close: unlocked, both accepts read `pending` and act."""
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)

    _two_accepts_meeting_before_deciding(monkeypatch, customer, published)

    assert AuditEvent.objects.filter(action="manager_invitation.accepted").count() == 2
    assert AuditEvent.objects.filter(action="user.role_changed").count() == 2


def test_super_admins_see_invitations_in_the_admin_and_cannot_edit_them(
    client, super_admin, customer, invitation_of
):
    invitation = invitation_of(customer)
    client.force_login(super_admin)

    listing = client.get("/admin/accounts/managerinvitation/")

    assert listing.status_code == 200
    assert "customer@example.com" in listing.content.decode()
    assert "Jazz Night" in listing.content.decode()
    assert client.get("/admin/accounts/managerinvitation/add/").status_code == 403
    change = client.post(
        f"/admin/accounts/managerinvitation/{invitation.pk}/change/", {"status": "accepted"}
    )
    assert change.status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_an_invitation_address_with_nul_is_refused_by_the_request_guard(
    client_for, seller, published
):
    response = client_for(seller).post(
        managers_url(published), {"email": "do\x00or@example.com"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid_characters")
    assert ManagerInvitation.objects.count() == 0
    assert published.managers.count() == 0
