"""The request guard: input no parser or database here can represent is a JSON 4xx, answered
before any view, session or query; errors under the API prefixes keep their JSON shape."""

import io
import json
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.exceptions import ParseError

from campaigns.models import Campaign
from core.parsers import GuardedJSONParser
from core.request_guard import Refused, RequestGuardMiddleware, load_json
from tests.campaigns.conftest import campaign_payload

pytestmark = pytest.mark.django_db

# The inputs that answered 500 before the guard (issue 9).
DEEP = "[" * 20000 + "]" * 20000
PROVIDER_TOKEN = "/_allauth/app/v1/auth/provider/token"
CAMPAIGNS = "/api/v1/campaigns/"
WRITE_METHODS = ("post", "put", "patch", "delete")
SAMPLE_ARGUMENTS = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
            yield route, pattern.callback


def json_write_endpoints() -> list[tuple[str, str]]:
    """(method, path) of every view under the API prefixes that takes a body, read from the
    URLconf so that a new endpoint is covered without touching this test."""
    endpoints = []
    for route, callback in _routes(get_resolver().url_patterns):
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view is None or not route.startswith(("api/", "_allauth/")):
            continue
        path = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS[m[1] or "str"], route)
        endpoints += [
            (method, path)
            for method in WRITE_METHODS
            if method in view.http_method_names and hasattr(view, method)
        ]
    return endpoints


ENDPOINTS = json_write_endpoints()


def test_the_enumeration_finds_our_write_endpoints_and_the_third_party_ones():
    assert {
        ("post", "/api/v1/campaigns/"),
        ("put", "/api/v1/campaigns/1/"),
        ("patch", "/api/v1/campaigns/1/"),
        ("delete", "/api/v1/campaigns/1/managers/"),
        ("post", "/api/v1/bookings/"),
        ("post", "/api/v1/payments/webhook/"),
        ("post", "/api/v1/validation/sync/"),
        ("patch", "/api/v1/auth/profile/"),
        ("post", PROVIDER_TOKEN),
    } <= set(ENDPOINTS)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_deep_nesting_is_refused_on_every_json_write_endpoint_before_any_query(
    method, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = getattr(Client(), method)(
            path, DEEP, content_type="application/json", HTTP_VERIF_HASH="test-webhook-hash"
        )

    assert response.status_code == 400
    assert response.json() == {
        "code": "nesting_too_deep",
        "detail": "JSON may nest arrays and objects 20 deep.",
    }


def test_nesting_up_to_the_setting_passes_and_one_more_is_refused(client, settings):
    settings.MAX_JSON_DEPTH = 3

    at_limit = client.post(CAMPAIGNS, "[[[]]]", content_type="application/json")
    beyond = client.post(CAMPAIGNS, '{"a": [[{}]]}', content_type="application/json")

    assert at_limit.status_code == 401  # past the guard, refused by the view
    assert (beyond.status_code, beyond.json()["code"]) == (400, "nesting_too_deep")


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (b'{"title": "caf\xe9"}', "parse_error", "The body is not valid UTF-8."),
        (b'{"title": "\xed\xa0\x80"}', "parse_error", "The body is not valid UTF-8."),
        (
            b'{"title": "\\ud800"}',
            "invalid_characters",
            "A string contains a NUL character or a lone UTF-16 surrogate, which cannot be stored.",
        ),
        (
            b'{"\\udfff": 1}',
            "invalid_characters",
            "A key contains a NUL character or a lone UTF-16 surrogate, which cannot be stored.",
        ),
        (
            b'{"ticket_types": [{"attributes": {"x": "a\\u0000b"}}]}',
            "invalid_characters",
            "A string contains a NUL character or a lone UTF-16 surrogate, which cannot be stored.",
        ),
        (
            b'{"attributes": {"\\u0000": 1}}',
            "invalid_characters",
            "A key contains a NUL character or a lone UTF-16 surrogate, which cannot be stored.",
        ),
        (b'{"price": 1e400}', "number_out_of_range", "The number 1e400 is out of range."),
        (
            b'{"capacity": ' + b"9" * 5000 + b"}",
            "number_out_of_range",
            "A number in the body is too long.",
        ),
        (b'{"capacity": NaN}', "parse_error", "JSON parse error - NaN is not a JSON value."),
        (
            b'{"title": "x",}',
            "parse_error",
            "JSON parse error - Expecting property name enclosed in double quotes: line 1 "
            "column 15 (char 14)",
        ),
    ],
    ids=[
        "latin-1",
        "encoded-surrogate",
        "lone-surrogate",
        "surrogate-key",
        "nul-in-attributes",
        "nul-key",
        "1e400",
        "5000-digit-int",
        "nan",
        "trailing-comma",
    ],
)
def test_unrepresentable_json_is_refused_and_creates_nothing(
    client_for, seller, body, code, detail, django_assert_num_queries
):
    client = client_for(seller)

    with django_assert_num_queries(0):
        response = client.post(CAMPAIGNS, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"code": code, "detail": detail}
    assert Campaign.objects.count() == 0


def test_an_escaped_surrogate_pair_is_an_ordinary_character(client_for, seller):
    body = json.dumps(campaign_payload(title="Party \U0001f389"), ensure_ascii=True)
    assert "\\ud83c\\udf89" in body

    response = client_for(seller).post(CAMPAIGNS, body, content_type="application/json")

    assert response.status_code == 201
    assert Campaign.objects.get().title == "Party \U0001f389"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"title": "x"}'),
        ("application/x-www-form-urlencoded", "title=x"),
        ("multipart/form-data; boundary=B", '--B\r\nContent-Disposition: form-data; name="t"\r\n'),
    ],
)
def test_a_body_that_is_not_json_is_415_on_api_endpoints(client_for, seller, content_type, body):
    response = client_for(seller).post(CAMPAIGNS, body, content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {
        "code": "unsupported_media_type",
        "detail": 'Send JSON with "Content-Type: application/json", not '
        f'"{content_type.split(";")[0]}".',
    }
    assert Campaign.objects.count() == 0


def test_allauth_does_not_read_a_text_body_as_json(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post(PROVIDER_TOKEN, '{"\\ud800": 1}', content_type="text/plain")

    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


def test_pages_keep_their_form_posts(client, customer):
    client.force_login(customer)

    response = client.post("/accounts/logout/", {})

    assert response.status_code == 302


def test_a_body_over_the_limit_is_413_and_at_the_limit_passes(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    fits = '{"title": "' + "x" * 87 + '"}'
    assert len(fits) == 100

    at_limit = client.post(CAMPAIGNS, fits, content_type="application/json")
    over = client.post(CAMPAIGNS, fits + " ", content_type="application/json")

    assert at_limit.status_code == 401
    assert over.status_code == 413
    assert over.json() == {
        "code": "request_too_large",
        "detail": "Bodies are limited to 100 bytes.",
    }


def test_a_body_without_a_declared_length_is_measured(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = RequestFactory().post(CAMPAIGNS, "[" + "1," * 10 + "1]", "application/json")
    del request.META["CONTENT_LENGTH"]  # as a chunked upload arrives

    response = RequestGuardMiddleware(lambda request: pytest.fail("the view ran"))(request)

    assert (response.status_code, json.loads(response.content)["code"]) == (
        413,
        "request_too_large",
    )


@pytest.mark.parametrize(
    ("path", "headers", "where"),
    [
        ("/api/v1/campaigns/?attr.x=%00", {}, "The query string"),
        ("/?attr.x=%00", {}, "The query string"),
        ("/api/v1/campaigns/?q=a%00b", {}, "The query string"),
        ("/api/v1/campaigns/a%00b/", {}, "The path"),
        ("/campaigns/a%00b/", {}, "The path"),
        (
            "/api/v1/auth/profile/",
            {"HTTP_X_SESSION_TOKEN": "abcdefgh\x00"},
            "The X-Session-Token header",
        ),
    ],
)
def test_nul_in_a_query_path_or_header_is_refused_before_any_query(
    client, path, headers, where, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(path, **headers)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_characters",
        "detail": f"{where} contains a NUL character or a lone UTF-16 surrogate, which cannot be "
        "stored.",
    }


def test_an_out_of_range_number_in_an_attribute_filter_is_only_text(client):
    response = client.get("/api/v1/campaigns/?attr.x=1e400")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_allauth_provider_token_refuses_surrogate_keys_and_deep_nesting_anonymously(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        keys = client.post(
            PROVIDER_TOKEN,
            '{"provider": "google", "process": "login", "token": {"\\udc00": "x"}}',
            content_type="application/json",
        )
        deep = client.post(PROVIDER_TOKEN, DEEP, content_type="application/json")

    assert (keys.status_code, keys.json()["code"]) == (400, "invalid_characters")
    assert (deep.status_code, deep.json()["code"]) == (400, "nesting_too_deep")


def test_text_handed_over_as_a_string_is_held_to_the_same_rules():
    with pytest.raises(Refused) as raw_surrogate:
        load_json('{"note": "\ud800"}')
    with pytest.raises(Refused) as escaped_nul:
        load_json('{"note": "\\u0000"}')

    assert (raw_surrogate.value.code, escaped_nul.value.code) == (
        "invalid_characters",
        "invalid_characters",
    )
    assert load_json('{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"note": "[" * 26}


def test_drf_parser_applies_the_same_rules_without_the_middleware():
    with pytest.raises(ParseError) as refused:
        GuardedJSONParser().parse(io.BytesIO(DEEP.encode()))

    assert refused.value.get_codes() == "nesting_too_deep"
    assert GuardedJSONParser().parse(io.BytesIO(b'{"a": [1, "b"]}')) == {"a": [1, "b"]}


# --- API errors keep their shape ----------------------------------------------------------


def test_an_unhandled_error_in_an_api_view_is_json_500_without_a_trace(monkeypatch):
    from campaigns import selectors

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "campaign_public_queryset", broken)

    response = Client(raise_request_exception=False).get(CAMPAIGNS)

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong on our side; it has been logged. Please try again.",
    }


def test_an_unhandled_error_on_a_page_stays_the_html_500(monkeypatch):
    from campaigns import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.selectors, "campaign_list_public", broken)

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"secret internals" not in response.content


def test_a_suspicious_api_request_is_json_400(client):
    query = "&".join(f"f{number}=1" for number in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS

    response = client.get(f"{CAMPAIGNS}?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "detail": "The request could not be understood.",
    }
