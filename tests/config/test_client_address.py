"""The client's address cannot be chosen by the client: throttles, audit and logs agree."""

import logging

import pytest
from django.test import RequestFactory

from accounts.models import AuditEvent
from core.http import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxies(settings):
    """`proxies(n)`: NUM_PROXIES as the deployment would set it (None: unset)."""

    def set_proxies(count):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return set_proxies


@pytest.fixture
def auth_rate(throttle_rates, throttle_clock):
    """THROTTLE_RATE_AUTH=4/min."""
    throttle_rates(auth="4/min")


def _request(remote_addr, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


@pytest.mark.parametrize(
    ("num_proxies", "remote_addr", "forwarded", "expected"),
    [
        (None, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (None, "203.0.113.9", None, "203.0.113.9"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.1", "198.51.100.1"),
        (3, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "6.6.6.6, not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:DB8::0001", "2001:db8::1"),
        (None, "unix-socket", None, None),
        (None, "fe80::1%eth0", None, None),
    ],
)
def test_client_ip_trusts_forwarded_hops_only_behind_configured_proxies(
    proxies, num_proxies, remote_addr, forwarded, expected
):
    proxies(num_proxies)

    assert client_ip(_request(remote_addr, forwarded)) == expected


def test_forged_forwarded_addresses_do_not_reset_the_anonymous_budget(client, proxies, auth_rate):
    """The regression: with NUM_PROXIES unset and THROTTLE_RATE_AUTH=4/min, eight requests
    each claiming another forwarded address all passed; the fifth must be refused."""
    proxies(None)

    statuses = [
        client.get(
            "/api/v1/auth/google/",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            REMOTE_ADDR="203.0.113.9",
        ).status_code
        for n in range(8)
    ]

    assert statuses == [302, 302, 302, 302, 429, 429, 429, 429]
    trip = AuditEvent.objects.get(action="throttle.tripped")
    assert (trip.ip, trip.metadata["scope"]) == ("203.0.113.9", "auth")


def test_behind_one_proxy_the_right_most_forwarded_hop_is_the_client(client, proxies, auth_rate):
    proxies(1)

    def sign_in_start(forwarded):
        return client.get(
            "/api/v1/auth/google/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2"
        ).status_code

    # The client may prepend anything; the proxy appends the address it saw.
    same_client = [sign_in_start(f"6.6.6.{n}, 198.51.100.7") for n in range(5)]
    other_client = sign_in_start("198.51.100.8")

    assert same_client == [302, 302, 302, 302, 429]
    assert other_client == 302
    assert list(AuditEvent.objects.values_list("action", "ip")) == [
        ("throttle.tripped", "198.51.100.7")
    ]


def test_the_request_log_names_the_client_address_not_the_forged_one(client, caplog, proxies):
    proxies(None)

    with caplog.at_level(logging.INFO, logger="requests"):
        client.get("/health", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.9")

    record = next(r for r in caplog.records if r.name == "requests")
    assert record.ip == "203.0.113.9"
