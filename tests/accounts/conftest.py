"""Signing in with Google in tests: Google itself is never called, its ID-token verifier is
replaced (`google_verifier`)."""

import pytest
from allauth.socialaccount.providers.google import views as google_views
from django.conf import settings

CLIENT_ID = settings.SOCIALACCOUNT_PROVIDERS["google"]["APPS"][0]["client_id"]


def google_claims(email="new.person@example.com", sub="google-sub-1", name="New Person"):
    return {
        "iss": "https://accounts.google.com",
        "aud": CLIENT_ID,
        "sub": sub,
        "email": email,
        "email_verified": True,
        "name": name,
        "given_name": name.split()[0],
        "family_name": name.split()[-1],
    }


@pytest.fixture
def google_verifier(monkeypatch):
    """Replace Google's ID-token verifier; returns the dict of claims it will hand back."""
    claims = google_claims()

    def verify(app, credential, verify_signature=True):
        assert app.client_id == CLIENT_ID
        assert credential == "google-id-token"
        return dict(claims)

    monkeypatch.setattr(google_views, "_verify_and_decode", verify)
    return claims


def mobile_sign_in(client, client_id=CLIENT_ID):
    return client.post(
        "/_allauth/app/v1/auth/provider/token",
        {
            "provider": "google",
            "process": "login",
            "token": {"client_id": client_id, "id_token": "google-id-token"},
        },
        content_type="application/json",
    )
