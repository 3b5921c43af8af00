"""Throttles on signing in (web and mobile), the seller application, and their audit."""

import pytest
from allauth.socialaccount.providers.google import views as google_views
from django.core.cache.backends.locmem import LocMemCache

from accounts.models import AuditEvent, SellerApplication, User
from tests.accounts.test_google_login import mobile_sign_in

pytestmark = pytest.mark.django_db

THROTTLED = {
    "code": "throttled",
    "detail": "Request was throttled. Expected available in 40 seconds.",
}


@pytest.fixture
def failing_google(monkeypatch):
    def reject(app, credential, verify_signature=True):
        raise google_views.OAuth2Error("Invalid id_token")

    monkeypatch.setattr(google_views, "_verify_and_decode", reject)


def test_twenty_failed_mobile_token_exchanges_hit_the_default_limit(
    client, throttle_clock, failing_google, settings
):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == "10/min"

    responses = [mobile_sign_in(client) for _ in range(20)]

    assert [r.status_code for r in responses] == [400] * 10 + [429] * 10
    refused = responses[10]
    assert refused.json() == THROTTLED
    assert refused["Retry-After"] == "40"
    assert refused["Content-Type"] == "application/json"
    assert User.objects.count() == 0
    trip = AuditEvent.objects.get()
    assert (trip.action, trip.actor, trip.ip) == ("throttle.tripped", None, "127.0.0.1")
    assert trip.metadata == {
        "scope": "auth",
        "rate": "10/min",
        "method": "POST",
        "path": "/_allauth/app/v1/auth/provider/token",
    }


def test_both_web_sign_in_starts_share_one_budget_per_address(
    client, throttle_clock, throttle_rates
):
    throttle_rates(auth="3/min")

    api_start = client.get("/api/v1/auth/google/")
    allauth_start = client.get("/accounts/google/login/?process=login")
    api_again = client.get("/api/v1/auth/google/")
    refused = client.get("/accounts/google/login/?process=login")
    refused_api = client.get("/api/v1/auth/google/")

    assert [r.status_code for r in (api_start, allauth_start, api_again)] == [302, 302, 302]
    assert (refused.status_code, refused.json(), refused["Retry-After"]) == (429, THROTTLED, "40")
    assert (refused_api.status_code, refused_api.json()) == (429, THROTTLED)
    assert refused_api["Retry-After"] == "40"
    # The trip is recorded once for the window, whichever path crossed the line.
    assert list(AuditEvent.objects.values_list("action", "metadata__path")) == [
        ("throttle.tripped", "/accounts/google/login/")
    ]


def test_another_address_keeps_its_own_sign_in_budget(client, throttle_clock, throttle_rates):
    throttle_rates(auth="1/min")
    client.get("/accounts/google/login/", REMOTE_ADDR="203.0.113.1")

    assert client.get("/accounts/google/login/", REMOTE_ADDR="203.0.113.1").status_code == 429
    assert client.get("/accounts/google/login/", REMOTE_ADDR="203.0.113.2").status_code == 302


def test_the_google_callback_is_not_counted_as_a_start(client, throttle_clock, throttle_rates):
    throttle_rates(auth="1/min")
    client.get("/accounts/google/login/")

    callback = client.get("/accounts/google/login/callback/", {"code": "x", "state": "y"})

    assert callback.status_code != 429


def test_a_trip_is_audited_once_per_window_and_again_in_the_next(
    client, throttle_clock, throttle_rates
):
    throttle_rates(auth="1/min")
    for _ in range(4):
        client.get("/api/v1/auth/google/")
    throttle_clock.now += 60
    for _ in range(4):
        client.get("/api/v1/auth/google/")

    assert AuditEvent.objects.filter(action="throttle.tripped").count() == 2


SELLER_APPLICATION = {
    "business_name": "Rooftop Bar",
    "business_type": "bar",
    "phone": "+234 801 234 5678",
    "country": "NG",
    "description": "Live music on weekends.",
}


def test_seller_applications_have_their_own_budget_per_user(
    client_for, customer, throttle_clock, throttle_rates
):
    throttle_rates(seller_application="2/hour")
    client = client_for(customer)

    statuses = [
        client.post(
            "/api/v1/auth/apply-seller/", {**SELLER_APPLICATION, "country": "XX"}
        ).status_code
        for _ in range(2)
    ]
    refused = client.post("/api/v1/auth/apply-seller/", SELLER_APPLICATION)

    assert statuses == [400, 400]
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 760 seconds.",
    }
    assert refused["Retry-After"] == "760"
    assert SellerApplication.objects.count() == 0
    # Reading one's application is not a submission.
    assert client.get("/api/v1/auth/apply-seller/").status_code == 404
    trip = AuditEvent.objects.get(action="throttle.tripped")
    assert (trip.actor, trip.metadata["scope"], trip.metadata["path"]) == (
        customer,
        "seller_application",
        "/api/v1/auth/apply-seller/",
    )


def _seconds_to_live(key: str) -> int:
    from django.core.cache import cache

    return cache._cache.get_client().ttl(cache.make_key(key))


@pytest.mark.redis
def test_a_throttle_counter_lives_its_window_and_a_little_more_from_its_first_request():
    from django.core.cache import cache

    from core import ratelimit

    retries = [
        ratelimit.rate_limit_take(scope="auth", ident="203.0.113.9", rate="2/min", now=0.0)
        for _ in range(3)
    ]

    assert retries == [None, None, 60]
    assert cache.get("throttle_auth_203.0.113.9:0") == 3
    assert 60 < _seconds_to_live("throttle_auth_203.0.113.9:0") <= 65


@pytest.mark.redis
def test_a_throttle_counter_left_without_a_lifetime_gets_one_and_keeps_counting():
    """A counter whose EXPIRE never ran (its process died between the two commands) must not
    outlive its window: the next request gives it one, and the count carries on."""
    from django.core.cache import cache

    from core import ratelimit

    cache.set("throttle_auth_203.0.113.9:0", 1, timeout=None)

    retry = ratelimit.rate_limit_take(scope="auth", ident="203.0.113.9", rate="1/min", now=0.0)

    assert retry == 60
    assert cache.get("throttle_auth_203.0.113.9:0") == 2
    assert 60 < _seconds_to_live("throttle_auth_203.0.113.9:0") <= 65


def test_without_redis_a_counter_culled_between_add_and_increment_restarts_its_window(
    monkeypatch,
):
    """Development's in-memory cache culls entries when full, possibly the counter just
    added: the request is counted afresh rather than failing."""
    from core import ratelimit

    local = LocMemCache("throttle-test", {})
    real_add = local.add

    def add_then_lose_the_key(key, *args, **kwargs):
        added = real_add(key, *args, **kwargs)
        local.delete(key)
        return added

    monkeypatch.setattr(local, "add", add_then_lose_the_key)
    monkeypatch.setattr(ratelimit, "cache", local)

    retry = ratelimit.rate_limit_take(scope="auth", ident="203.0.113.9", rate="1/min", now=0.0)

    assert retry is None
    assert local.get("throttle_auth_203.0.113.9:0") == 1
