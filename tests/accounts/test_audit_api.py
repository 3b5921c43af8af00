"""GET /api/v1/admin/audit-events/: super admins read and export the audit trail."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync

from accounts import selectors
from accounts.models import AuditEvent
from tests.factories import ManagerFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/admin/audit-events/"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def trail(db):
    """Four events by two people and the system, on 1-4 March 2026."""
    sam = SellerFactory(email="sam@example.com")
    ana = ManagerFactory(email="ana@example.com")
    return {
        "sam": sam,
        "ana": ana,
        "events": [
            AuditEvent.objects.create(
                actor=sam, action="token.revoked", ip="203.0.113.1", created_at=at(1)
            ),
            AuditEvent.objects.create(
                action="webhook.forged",
                ip="203.0.113.2",
                metadata={"verif_hash": "wrong"},
                created_at=at(2),
            ),
            AuditEvent.objects.create(
                actor=ana,
                action="permission.denied",
                target_type="accounts.user",
                target_id="7",
                created_at=at(3),
            ),
            AuditEvent.objects.create(actor=sam, action="permission.denied", created_at=at(4)),
        ],
    }


def ids(response) -> list[int]:
    return [event["id"] for event in response.json()["results"]]


def test_super_admins_page_through_the_trail_newest_first(client_for, super_admin, trail):
    first, second, third, fourth = trail["events"]

    response = client_for(super_admin).get(URL, {"page_size": 3})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["previous"]) == (4, None)
    assert body["next"].endswith("/api/v1/admin/audit-events/?page=2&page_size=3")
    assert ids(response) == [fourth.pk, third.pk, second.pk]
    assert body["results"][1] == {
        "id": third.pk,
        "created_at": "2026-03-03T12:00:00Z",
        "action": "permission.denied",
        "actor": {"id": trail["ana"].pk, "email": "ana@example.com"},
        "target_type": "accounts.user",
        "target_id": "7",
        "ip": None,
        "metadata": {},
    }
    assert body["results"][2]["actor"] is None


def test_the_list_costs_two_queries_however_many_actors(
    client_for, super_admin, trail, django_assert_num_queries
):
    for _ in range(10):
        AuditEvent.objects.create(actor=UserFactory(), action="user.logged_in")
    client = client_for(super_admin)

    with django_assert_num_queries(2):  # count, then the page with its actors
        response = client.get(URL, {"page_size": 100})

    assert len(response.json()["results"]) == 14


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "permission.denied"}, [3, 2]),
        ({"action": "permission"}, []),
        ({"actor": "sam@example.com"}, [3, 0]),
        ({"actor": "SAM@Example.com"}, [3, 0]),
        ({"actor": "ana@example.com", "action": "permission.denied"}, [2]),
        ({"since": "2026-03-02T12:00:00Z"}, [3, 2, 1]),
        ({"until": "2026-03-02T12:00:00Z"}, [0]),
        ({"since": "2026-03-02", "until": "2026-03-04"}, [2, 1]),
        ({"since": "2026-03-03T13:00:00+01:00"}, [3, 2]),
        ({"actor": "nobody@example.com"}, []),
        ({"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"}, [3, 2, 1, 0]),
    ],
)
def test_filters(client_for, super_admin, trail, query, expected):
    response = client_for(super_admin).get(URL, query)

    assert response.status_code == 200
    assert ids(response) == [trail["events"][index].pk for index in expected]


def test_actor_by_id(client_for, super_admin, trail):
    response = client_for(super_admin).get(URL, {"actor": str(trail["ana"].pk)})

    assert ids(response) == [trail["events"][2].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"until": "2026-03-01T25:00:00"}, "until"),
        ({"since": "9" * 5000}, "since"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"until": "9999-12-31T23:59:59-01:00"}, "until"),
        ({"action": "x" * 65}, "action"),
        ({"actor": "sam"}, "actor"),
        ({"actor": "-1"}, "actor"),
        ({"actor": "1" * 30}, "actor"),
        ({"actor": "a" * 250 + "@example.com"}, "actor"),
        ({"since": "2026-03-04", "until": "2026-03-01"}, "until"),
    ],
)
def test_malformed_filters_are_a_400_in_the_error_shape(
    client_for, super_admin, trail, query, field
):
    response = client_for(super_admin).get(URL, query)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid", [field])
    assert isinstance(body["detail"], str)


@pytest.mark.parametrize("factory", [UserFactory, SellerFactory, ManagerFactory])
def test_other_roles_are_refused_and_the_refusal_is_audited(client_for, trail, factory):
    user = factory()

    response = client_for(user).get(URL, {"format": "csv"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True)) == [
        "permission.denied"
    ]


def test_anonymous_callers_are_refused(client_for, trail):
    response = client_for(None).get(URL)

    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def _read(response) -> str:
    """The body of a streaming response, consumed as the ASGI server would."""

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)().decode()


def test_csv_export_streams_every_match_with_its_filters(
    client_for, super_admin, trail, django_assert_num_queries
):
    sam = trail["sam"]
    first, _, _, fourth = trail["events"]
    client = client_for(super_admin)

    response = client.get(URL, {"format": "csv", "actor": "sam@example.com"})
    with django_assert_num_queries(1):  # one batch, actors joined
        text = _read(response)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-events.csv"'
    assert list(csv.reader(io.StringIO(text))) == [
        [
            "id",
            "created_at",
            "action",
            "actor_id",
            "actor_email",
            "target_type",
            "target_id",
            "ip",
            "metadata",
        ],
        [str(fourth.pk), "2026-03-04T12:00:00+00:00", "permission.denied", str(sam.pk)]
        + ["sam@example.com", "", "", "", "{}"],
        [str(first.pk), "2026-03-01T12:00:00+00:00", "token.revoked", str(sam.pk)]
        + ["sam@example.com", "", "", "203.0.113.1", "{}"],
    ]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client_for, super_admin):
    AuditEvent.objects.create(action="=HYPERLINK(1)", target_id="@SUM(A1)", metadata={"a": 1})

    text = _read(client_for(super_admin).get(URL, {"format": "csv"}))

    row = list(csv.reader(io.StringIO(text)))[1]
    assert (row[2], row[6], json.loads(row[8])) == ("'=HYPERLINK(1)", "'@SUM(A1)", {"a": 1})


def test_a_bad_filter_with_csv_asked_is_a_json_400(client_for, super_admin):
    response = client_for(super_admin).get(URL, {"format": "csv", "since": "soon"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["fields"] == {"since": [response.json()["detail"]]}


def test_batches_are_read_one_query_each_in_order(trail, django_assert_num_queries):
    extra = AuditEvent.objects.create(action="user.logged_in", created_at=at(4))
    events = selectors.audit_event_list()

    with django_assert_num_queries(3):
        batches = list(selectors.audit_event_batches(events, size=2))

    first, second, third, fourth = trail["events"]
    # Same time as `fourth`: the later id comes first, and neither is skipped.
    assert [[event.pk for event in batch] for batch in batches] == [
        [extra.pk, fourth.pk],
        [third.pk, second.pk],
        [first.pk],
    ]


def test_the_endpoint_and_its_filters_are_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/admin/audit-events/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "action",
        "actor",
        "since",
        "until",
        "format",
        "page",
        "page_size",
    }


@pytest.mark.parametrize("query", [{"since": "2026-03-01\x00"}, {"action": "permission\x00denied"}])
def test_nul_in_a_filter_is_refused_by_the_request_guard(client_for, super_admin, trail, query):
    response = client_for(super_admin).get(URL, query)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_characters")
