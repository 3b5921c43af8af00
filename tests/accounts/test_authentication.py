"""Who is asking: unauthenticated API calls are 401 with a challenge, forbidden ones 403, and
browsers signed in by cookie keep their CSRF check."""

import json

import pytest
from django.test import Client

from accounts.models import SellerApplication
from tests.accounts.test_seller_applications import VALID

pytestmark = pytest.mark.django_db

CHALLENGE = 'Session realm="api", header="X-Session-Token"'
APPLY = "/api/v1/auth/apply-seller/"


def test_an_anonymous_api_call_is_401_with_a_challenge(api_client):
    response = api_client.get("/api/v1/auth/profile/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_an_unknown_session_token_is_401_with_a_challenge(api_client):
    response = api_client.post(APPLY, VALID, format="json", HTTP_X_SESSION_TOKEN="not-a-session")

    assert (response.status_code, response["WWW-Authenticate"]) == (401, CHALLENGE)
    assert SellerApplication.objects.count() == 0


def test_a_signed_in_user_without_the_role_is_403_without_a_challenge(client_for, customer):
    response = client_for(customer).get("/api/v1/admin/seller-applications/")

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert response.json() == {
        "code": "permission_denied",
        "detail": "Only super admins can do this.",
    }


def test_a_browser_session_still_needs_the_csrf_token_to_write(customer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)
    browser.get("/")  # sets the CSRF cookie, as any page does
    body = json.dumps(VALID)

    refused = browser.post(APPLY, body, content_type="application/json")
    assert SellerApplication.objects.count() == 0
    accepted = browser.post(
        APPLY,
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )

    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "detail": "CSRF Failed: CSRF token missing.",
    }
    assert accepted.status_code == 201
    assert SellerApplication.objects.get().user == customer
