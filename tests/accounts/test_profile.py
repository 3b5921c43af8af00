"""Profile and sign-out through the API."""

import pytest

pytestmark = pytest.mark.django_db


def test_profile_shows_role_and_application_status(client_for, customer):
    response = client_for(customer).get("/api/v1/auth/profile/")
    assert response.status_code == 200
    assert response.json() == {
        "id": customer.pk,
        "email": "customer@example.com",
        "name": "Ada Customer",
        "phone": "",
        "role": "customer",
        "seller_application_status": None,
    }


def test_profile_requires_sign_in(api_client):
    response = api_client.get("/api/v1/auth/profile/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_profile_patch_changes_name_and_phone_only(client_for, customer):
    response = client_for(customer).patch(
        "/api/v1/auth/profile/",
        {"name": "Ada L.", "phone": "+234 802 000 0000", "role": "super_admin", "email": "x@y.z"},
        format="json",
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.role, customer.email) == (
        "Ada L.",
        "+234 802 000 0000",
        "customer",
        "customer@example.com",
    )


@pytest.mark.parametrize(
    ("body", "field"), [({"phone": "not a phone"}, "phone"), ({"name": "x" * 151}, "name")]
)
def test_profile_patch_rejects_bad_values_and_changes_nothing(client_for, customer, body, field):
    response = client_for(customer).patch("/api/v1/auth/profile/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Customer", "")


def test_cors_allows_only_listed_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = client.options(
        "/api/v1/auth/profile/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    refused = client.options(
        "/api/v1/auth/profile/",
        HTTP_ORIGIN="https://evil.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "x-session-token" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in refused
