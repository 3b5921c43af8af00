"""The ways in the pages offer: Google only when it is configured, the demo sign-in with
DEBUG, and no sign-in path that answers 500 in any configuration."""

from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_google(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {**settings.SOCIALACCOUNT_PROVIDERS["google"], "APPS": []}
    }


@pytest.fixture
def two_google_apps(db):
    """A Google app in the database besides the one in settings: allauth cannot pick one."""
    SocialApp.objects.create(provider="google", name="Stray", client_id="stray", secret="x")


def _sign_in_paths() -> list[str]:
    """Every path allauth serves under /accounts/ and /_allauth/ that takes no argument."""
    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "^" not in route:
                paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(
        {path for path in paths if path.startswith(("/accounts/", "/_allauth/", "/demo-login/"))}
    )


SIGN_IN_PATHS = _sign_in_paths()


def test_the_sign_in_paths_include_google_and_allauths_pages():
    assert {
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/google/login/",
        "/accounts/google/login/callback/",
        "/accounts/google/login/token/",
        "/accounts/3rdparty/",
        "/_allauth/app/v1/auth/provider/token",
        "/demo-login/",
    } <= set(SIGN_IN_PATHS)


@pytest.mark.parametrize("configuration", ["google", "without_google", "two_google_apps"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_no_sign_in_path_answers_500_in_any_configuration(
    request, client, settings, configuration, signed_in, debug
):
    if configuration != "google":
        request.getfixturevalue(configuration)
    settings.DEBUG = debug
    client.raise_request_exception = False
    if signed_in:
        client.force_login(UserFactory())

    answers = {
        (method, path): getattr(client, method)(path, {"code": "c", "state": "s"}).status_code
        for path in SIGN_IN_PATHS
        for method in ("get", "post")
    }

    assert {key: status for key, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize("configuration", ["without_google", "two_google_apps"])
def test_without_a_usable_google_app_its_views_send_visitors_to_the_sign_in_page(
    request, client, configuration
):
    request.getfixturevalue(configuration)

    login = client.get("/accounts/google/login/", {"process": "login", "next": "/tickets/"})
    callback = client.get("/accounts/google/login/callback/", {"code": "c", "state": "s"})
    token = client.post("/accounts/google/login/token/")

    assert (login.status_code, login["Location"]) == (302, "/accounts/login/?next=%2Ftickets%2F")
    assert (callback.status_code, callback["Location"]) == (302, "/accounts/login/")
    assert (token.status_code, token["Location"]) == (302, "/accounts/login/")


def test_without_google_the_pages_say_so_and_point_to_the_demo_sign_in(
    client, settings, without_google
):
    settings.DEBUG = True

    home = client.get("/").content.decode()
    sign_in = client.get("/accounts/login/", {"next": "/tickets/"}).content.decode()

    assert "Sign in with Google" not in home
    assert '<a class="button" href="/accounts/login/?next=/">Sign in</a>' in home
    assert '<a href="/demo-login/?next=/">Demo sign-in</a>' in home
    assert "Sign in with Google is not available on this server." in sign_in
    assert "GOOGLE_CLIENT_ID" in sign_in
    assert (
        '<a class="button" href="/demo-login/?next=/tickets/">Use the demo sign-in</a>' in sign_in
    )
    assert "/accounts/google/login/" not in sign_in


def test_without_google_in_production_the_notice_offers_no_demo(client, settings, without_google):
    settings.DEBUG = False

    sign_in = client.get("/accounts/login/").content.decode()

    assert "Sign in with Google is not available on this server." in sign_in
    assert "demo" not in sign_in.lower()
    assert "GOOGLE_CLIENT_ID" not in sign_in
    assert client.get("/demo-login/").status_code == 404


def test_with_google_the_button_posts_straight_to_google(client):
    home = client.get("/").content.decode()
    page = client.get("/accounts/login/", {"next": "/tickets/"}).content.decode()

    response = client.post("/accounts/google/login/", {"process": "login", "next": "/tickets/"})

    assert '<form method="post" action="/accounts/google/login/">' in home
    assert "Sign in with Google is not available" not in page
    assert '<input type="hidden" name="next" value="/tickets/">' in page
    assert response.status_code == 302
    google = urlsplit(response["Location"])
    assert (google.netloc, google.path) == ("accounts.google.com", "/o/oauth2/v2/auth")
