"""Seller applications: submit once, reviewed by a super admin, outcome e-mailed."""

import pytest
from django.core import mail

from accounts.models import AuditEvent, SellerApplication
from tests.factories import SellerApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "business_name": "Rooftop Lagos",
    "business_address": "3 Admiralty Way, Lekki",
    "business_type": "bar",
    "phone": "+234 801 234 5678",
    "country": "NG",
    "description": "A rooftop bar with live music on weekends.",
}


def test_customer_applies_and_reads_it_back(client_for, customer):
    client = client_for(customer)

    response = client.post("/api/v1/auth/apply-seller/", VALID, format="json")

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in VALID} == VALID
    assert (body["status"], body["reviewed_at"], body["rejection_reason"]) == ("pending", None, "")
    assert client.get("/api/v1/auth/apply-seller/").json()["id"] == body["id"]
    assert client.get("/api/v1/auth/profile/").json()["seller_application_status"] == "pending"
    assert (
        AuditEvent.objects.filter(action="seller_application.submitted", actor=customer).count()
        == 1
    )


def test_reading_an_application_that_does_not_exist_is_404(client_for, customer):
    response = client_for(customer).get("/api/v1/auth/apply-seller/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_second_open_application_is_409_and_creates_nothing(client_for, customer):
    client = client_for(customer)
    client.post("/api/v1/auth/apply-seller/", VALID, format="json")

    response = client.post(
        "/api/v1/auth/apply-seller/", {**VALID, "business_name": "Other"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "application_exists"
    assert SellerApplication.objects.count() == 1


def test_a_seller_cannot_apply_again(client_for, seller):
    response = client_for(seller).post("/api/v1/auth/apply-seller/", VALID, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_seller")
    assert SellerApplication.objects.count() == 0


def test_anonymous_cannot_apply(api_client):
    response = api_client.post("/api/v1/auth/apply-seller/", VALID, format="json")
    assert response.status_code == 401
    assert SellerApplication.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"business_type": "casino"}, "business_type"),
        ({"country": "XX"}, "country"),
        ({"country": "Nigeria"}, "country"),
        ({"phone": "call me"}, "phone"),
        ({"business_name": ""}, "business_name"),
        ({"business_name": "x" * 201}, "business_name"),
        ({"description": None}, "description"),
    ],
)
def test_invalid_application_is_400_with_field_details(client_for, customer, change, field):
    response = client_for(customer).post(
        "/api/v1/auth/apply-seller/", {**VALID, **change}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert SellerApplication.objects.count() == 0


def test_malformed_json_is_400(client_for, customer):
    response = client_for(customer).post(
        "/api/v1/auth/apply-seller/", "{not json", content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
    assert SellerApplication.objects.count() == 0


def test_super_admin_lists_applications_filtered_by_status(client_for, super_admin):
    pending = SellerApplicationFactory()
    SellerApplicationFactory(status="rejected", rejection_reason="Incomplete")

    response = client_for(super_admin).get(
        "/api/v1/admin/seller-applications/", {"status": "pending"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == pending.pk
    assert body["results"][0]["user"]["email"] == pending.user.email


def test_approval_makes_the_applicant_a_seller_and_mails_them_once(
    client_for, super_admin, django_capture_on_commit_callbacks
):
    application = SellerApplicationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(super_admin).post(
            f"/api/v1/admin/seller-applications/{application.pk}/approve/"
        )

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    application.refresh_from_db()
    application.user.refresh_from_db()
    assert application.user.role == "seller"
    assert application.reviewed_by == super_admin
    assert application.decision_emailed_at is not None
    assert [m.to for m in mail.outbox] == [[application.user.email]]
    assert mail.outbox[0].subject == "You can now sell tickets"
    actions = set(AuditEvent.objects.filter(actor=super_admin).values_list("action", flat=True))
    assert actions == {"seller_application.approved", "user.role_changed"}


def test_rejection_needs_a_reason_and_keeps_the_role(
    client_for, super_admin, django_capture_on_commit_callbacks
):
    application = SellerApplicationFactory()
    client = client_for(super_admin)

    missing = client.post(
        f"/api/v1/admin/seller-applications/{application.pk}/reject/", {}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/admin/seller-applications/{application.pk}/reject/",
            {"reason": "We could not verify the business."},
            format="json",
        )

    assert (missing.status_code, list(missing.json()["fields"])) == (400, ["reason"])
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "We could not verify the business."
    application.user.refresh_from_db()
    assert application.user.role == "customer"
    assert "could not verify" in mail.outbox[0].body


def test_a_rejected_applicant_may_apply_again(client_for):
    application = SellerApplicationFactory(status="rejected", rejection_reason="Incomplete")
    response = client_for(application.user).post("/api/v1/auth/apply-seller/", VALID, format="json")
    assert response.status_code == 201


def test_reviewing_twice_is_409_and_changes_nothing(
    client_for, super_admin, django_capture_on_commit_callbacks
):
    application = SellerApplicationFactory()
    client = client_for(super_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/admin/seller-applications/{application.pk}/approve/")
        response = client.post(
            f"/api/v1/admin/seller-applications/{application.pk}/reject/",
            {"reason": "no"},
            format="json",
        )

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    application.refresh_from_db()
    assert application.status == "approved"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("role", ["customer", "seller", "manager"])
def test_only_super_admins_review(client_for, role):
    application = SellerApplicationFactory()
    client = client_for(UserFactory(role=role))

    listing = client.get("/api/v1/admin/seller-applications/")
    approve = client.post(f"/api/v1/admin/seller-applications/{application.pk}/approve/")

    assert (listing.status_code, approve.status_code) == (403, 403)
    application.refresh_from_db()
    assert application.status == "pending"


def test_reviewing_an_unknown_application_is_404(client_for, super_admin):
    response = client_for(super_admin).post("/api/v1/admin/seller-applications/999999/approve/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_admin_list_filters_by_status_and_type_and_finds_a_country_by_search(
    client, super_admin
):
    # Names that cannot contain "ke", so only the country matches the search.
    kenyan = SellerApplicationFactory(country="KE", business_name="Nairobi Arena")
    SellerApplicationFactory(country="NG", business_name="Lagos Hall")
    client.force_login(super_admin)

    page = client.get("/admin/accounts/sellerapplication/", {"q": "KE"})

    assert [spec.title for spec in page.context["cl"].filter_specs] == [
        "status",
        "business type",
    ]
    assert list(page.context["cl"].result_list) == [kenyan]


def test_admin_actions_approve_and_reject_with_a_reason(client, super_admin):
    approve_me, reject_me = SellerApplicationFactory(), SellerApplicationFactory()
    client.force_login(super_admin)
    url = "/admin/accounts/sellerapplication/"

    client.post(url, {"action": "approve", "_selected_action": [approve_me.pk]})
    confirm = client.post(url, {"action": "reject", "_selected_action": [reject_me.pk]})
    client.post(
        url,
        {
            "action": "reject",
            "_selected_action": [reject_me.pk],
            "apply": "1",
            "reason": "Not a venue.",
        },
    )

    assert confirm.status_code == 200 and b"Reason sent to the applicants" in confirm.content
    approve_me.refresh_from_db()
    reject_me.refresh_from_db()
    assert (approve_me.status, approve_me.user.role) == ("approved", "seller")
    assert (reject_me.status, reject_me.rejection_reason) == ("rejected", "Not a venue.")


def test_apply_page_submits_and_shows_the_status(client, customer):
    client.force_login(customer)

    response = client.post("/seller/apply/", VALID, follow=True)

    assert response.status_code == 200
    assert b'<span class="badge badge--warning">Pending review</span>' in response.content
    assert SellerApplication.objects.get().business_name == "Rooftop Lagos"


def test_apply_page_needs_sign_in(client):
    response = client.get("/seller/apply/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
