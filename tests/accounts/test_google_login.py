"""Google is the only way in: the web redirect flow and the mobile ID-token flow.

Google itself is never called: its token endpoint is a loopback stub and its ID-token
verifier is replaced in these tests only.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.providers.google import views as google_views
from rest_framework.renderers import JSONRenderer

from accounts.api import GoogleLoginView
from accounts.models import AuditEvent, Role, User
from tests.accounts.conftest import CLIENT_ID, mobile_sign_in
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json"]
)
def test_web_sign_in_redirects_browsers_and_api_clients_alike(client, monkeypatch, accept):
    # Production renders JSON only (the browsable API exists with DEBUG on).
    monkeypatch.setattr(GoogleLoginView, "renderer_classes", [JSONRenderer])

    response = client.get("/api/v1/auth/google/?next=/my/tickets/", HTTP_ACCEPT=accept)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/google/login/?process=login&next=/my/tickets/"


def test_web_sign_in_redirects_to_google_with_our_client_id(client):
    response = client.get("/api/v1/auth/google/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/google/login/?process=login"

    response = client.get(response["Location"])
    assert response.status_code == 302
    google = urlsplit(response["Location"])
    assert f"{google.scheme}://{google.netloc}{google.path}" == (
        "https://accounts.google.com/o/oauth2/v2/auth"
    )
    query = parse_qs(google.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert "state" in query


def test_web_callback_signs_in_a_new_customer_without_password(
    client, stub_server, google_verifier, monkeypatch
):
    stub_server.route(
        "POST",
        "/token",
        lambda request: (
            200,
            {
                "access_token": "at",
                "expires_in": 3600,
                "token_type": "Bearer",
                "id_token": "google-id-token",
            },
        ),
    )
    monkeypatch.setattr(
        google_views.GoogleOAuth2Adapter, "access_token_url", f"{stub_server.url}/token"
    )
    redirect = client.get("/accounts/google/login/?process=login")
    state = parse_qs(urlsplit(redirect["Location"]).query)["state"][0]

    response = client.get("/accounts/google/login/callback/", {"code": "auth-code", "state": state})

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="new.person@example.com")
    assert (user.name, user.role, user.has_usable_password()) == (
        "New Person",
        Role.CUSTOMER,
        False,
    )
    assert stub_server.requests[0].form()["code"] == "auth-code"
    assert client.get("/api/v1/auth/profile/").json()["email"] == "new.person@example.com"
    assert AuditEvent.objects.filter(actor=user, action="user.logged_in").count() == 1


def test_mobile_id_token_gives_a_session_token_the_api_accepts(client, api_client, google_verifier):
    response = mobile_sign_in(client)

    assert response.status_code == 200, response.content
    token = response.json()["meta"]["session_token"]
    profile = api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token)
    assert profile.status_code == 200
    assert profile.json()["email"] == "new.person@example.com"
    assert profile.json()["role"] == "customer"


def test_mobile_sign_in_reaches_an_account_created_by_email(client, api_client, google_verifier):
    manager = ManagerFactory(email="new.person@example.com", name="Door Keeper")

    token = mobile_sign_in(client).json()["meta"]["session_token"]

    profile = api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token).json()
    assert (profile["id"], profile["role"]) == (manager.pk, "manager")
    assert User.objects.count() == 1


def test_mobile_sign_in_with_a_token_for_another_app_is_refused(
    client, google_verifier, monkeypatch
):
    def reject(app, credential, verify_signature=True):
        raise google_views.OAuth2Error("Invalid id_token")

    monkeypatch.setattr(google_views, "_verify_and_decode", reject)

    response = mobile_sign_in(client)

    assert response.status_code == 400
    assert User.objects.count() == 0


def test_logout_ends_the_mobile_session_token(client, api_client, google_verifier):
    token = mobile_sign_in(client).json()["meta"]["session_token"]

    response = api_client.post("/api/v1/auth/logout/", HTTP_X_SESSION_TOKEN=token)

    assert response.status_code == 204
    after = api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token)
    assert after.status_code == 401
    user = User.objects.get(email="new.person@example.com")
    assert list(
        AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    ) == ["user.logged_in", "user.logged_out", "token.revoked"]


def test_logout_ends_the_web_session(client, customer):
    client.force_login(customer)

    response = client.post("/api/v1/auth/logout/", content_type="application/json")

    assert response.status_code == 204
    assert client.get("/api/v1/auth/profile/").status_code == 401
    assert AuditEvent.objects.filter(actor=customer, action="user.logged_out").count() == 1


def test_sign_in_page_offers_google_only(client, customer):
    customer.set_password("correct horse battery staple")
    customer.save()

    page = client.get("/accounts/login/").content.decode()
    client.post(
        "/accounts/login/", {"login": customer.email, "password": "correct horse battery staple"}
    )

    assert 'type="password"' not in page
    assert "/accounts/google/login/" in page
    assert "_auth_user_id" not in client.session
