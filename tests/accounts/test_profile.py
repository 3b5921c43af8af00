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
