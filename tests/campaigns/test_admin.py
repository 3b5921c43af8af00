"""The campaigns admin: edits, publishing and cancelling go through the services; the status
is never edited by hand and capacity never drops below the seats reserved."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import AuditEvent
from campaigns.admin import TicketTypeInline
from campaigns.models import Campaign, TicketType
from tests.factories import SuperAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return SuperAdminFactory(email="root@example.com")


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def _url(campaign) -> str:
    return f"/admin/campaigns/campaign/{campaign.pk}/change/"


def _posted(page, **changes) -> dict:
    """What the change form sends back as rendered, with `changes` (`types-0-capacity=...`)."""
    data = {}
    forms = [page.context["adminform"].form]
    for formset in page.context["inline_admin_formsets"]:
        formset = formset.formset
        forms += formset.forms
        management = formset.management_form
        data.update(
            {
                management.add_prefix(name): management[name].value()
                for name in management.fields
                if management[name].value() is not None
            }
        )
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if name == "DELETE" or value is None or value is False:
                continue
            if isinstance(value, dict):
                value = form.fields[name].prepare_value(value)
            elif hasattr(value, "strftime"):
                value = value.strftime("%Y-%m-%dT%H:%M")
            elif hasattr(value, "pk"):
                value = value.pk
            data[form.add_prefix(name)] = value
    return {**data, **changes}


def _audit(action: str) -> list:
    return list(AuditEvent.objects.filter(action=action).values_list("actor__email", flat=True))


def test_the_status_cannot_be_edited_and_a_posted_one_changes_nothing(admin_client, published):
    page = admin_client.get(_url(published))

    response = admin_client.post(
        _url(published), _posted(page, title="Jazz Night (moved)", status="cancelled")
    )

    assert 'name="status"' not in page.content.decode()
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.title, published.status) == ("Jazz Night (moved)", "published")
    assert _audit("campaign.updated") == ["root@example.com"]


def test_capacity_below_the_seats_reserved_is_refused_beside_the_field(admin_client, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=regular.pk).update(reserved=40)
    page = admin_client.get(_url(published))

    response = admin_client.post(_url(published), _posted(page, **{"ticket_types-0-capacity": 39}))

    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.forms[0].errors == {
        "capacity": ["40 seats are reserved; capacity cannot go below that."]
    }
    regular.refresh_from_db()
    assert (regular.capacity, regular.reserved) == (100, 40)
    assert _audit("campaign.updated") == []
    assert LogEntry.objects.count() == 0


def test_a_capacity_change_goes_through_the_service_and_keeps_the_live_reserved_count(
    admin_client, published
):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=regular.pk).update(reserved=40)
    page = admin_client.get(_url(published))
    TicketType.objects.filter(pk=regular.pk).update(reserved=42)  # a booking meanwhile

    response = admin_client.post(_url(published), _posted(page, **{"ticket_types-0-capacity": 45}))

    assert response.status_code == 302
    regular.refresh_from_db()
    assert (regular.capacity, regular.reserved) == (45, 42)
    assert _audit("campaign.updated") == ["root@example.com"]
    assert LogEntry.objects.get().object_id == str(published.pk)


def test_a_refusal_of_the_service_changes_nothing_and_says_why(admin_client, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(reserved=2)
    page = admin_client.get(_url(published))

    response = admin_client.post(
        _url(published),
        _posted(page, title="Renamed", **{"ticket_types-1-DELETE": "on"}),
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was changed: VIP table has reservations and cannot be removed."
    ]
    published.refresh_from_db()
    assert published.title == "Jazz Night"
    assert published.ticket_types.count() == 2
    assert LogEntry.objects.count() == 0


def test_publish_action_publishes_drafts_through_the_service_and_refuses_the_rest(
    admin_client, draft, published
):
    response = admin_client.post(
        "/admin/campaigns/campaign/",
        {"action": "publish", "_selected_action": [draft.pk, published.pk]},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.status == "published"
    assert sorted(str(m) for m in response.context["messages"]) == [
        "1 campaign(s) published.",
        "Jazz Night: Only drafts can be published; this one is published.",
    ]
    assert _audit("campaign.published") == ["root@example.com"]


def test_cancel_action_asks_first_then_cancels_through_the_service(admin_client, published):
    asked = admin_client.post(
        "/admin/campaigns/campaign/", {"action": "cancel", "_selected_action": [published.pk]}
    )
    published.refresh_from_db()
    assert published.status == "published"

    admin_client.post(
        "/admin/campaigns/campaign/",
        {"action": "cancel", "_selected_action": [published.pk], "apply": "1"},
    )

    assert asked.status_code == 200
    assert "Every paid booking of these campaigns is then refunded" in asked.content.decode()
    published.refresh_from_db()
    assert published.status == "cancelled"
    assert _audit("campaign.cancelled") == ["root@example.com"]


def test_campaigns_are_neither_added_nor_deleted_and_finished_ones_only_viewed(
    admin_client, published
):
    Campaign.objects.filter(pk=published.pk).update(status=Campaign.Status.CANCELLED)

    page = admin_client.get(_url(published))
    post = admin_client.post(_url(published), {"title": "Changed"})

    assert admin_client.get("/admin/campaigns/campaign/add/").status_code == 403
    assert admin_client.get(f"/admin/campaigns/campaign/{published.pk}/delete/").status_code == 403
    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()
    assert post.status_code == 403
    published.refresh_from_db()
    assert published.title == "Jazz Night"


def test_filters_fit_the_list_and_a_country_is_found_by_search(admin_client, published):
    page = admin_client.get("/admin/campaigns/campaign/", {"q": "NG"})

    assert [spec.title for spec in page.context["cl"].filter_specs] == [
        "status",
        "venue type",
        "currency",
    ]
    assert list(page.context["cl"].result_list) == [published]


def test_the_index_names_every_model_once_in_one_section_per_app(admin_client):
    page = admin_client.get("/admin/")

    sections = {app["name"]: [m["name"] for m in app["models"]] for app in page.context["app_list"]}
    assert sections["Campaigns"] == ["Campaign daily views", "Campaigns", "Promo codes"]
    assert sections["Bookings"] == ["Bookings", "Offers", "Waiting-list entries"]
    assert sections["Accounts"] == [
        "Audit events",
        "Manager invitations",
        "Seller applications",
        "Users",
    ]
    assert [app["name"] for app in page.context["app_list"]].count("Accounts") == 1
    assert "Social applications" not in page.content.decode()
    assert "viewss" not in page.content.decode()


@pytest.mark.parametrize(
    "typed",
    ["[" * 20000 + "]" * 20000, '{"note": "a\\u0000b"}', '{"size": 1e400}', '{"size": NaN}'],
    ids=["deep", "nul", "1e400", "nan"],
)
def test_attributes_typed_in_the_admin_are_refused_as_invalid_json(typed):
    inline = TicketTypeInline(Campaign, admin.site)
    field = inline.formfield_for_dbfield(TicketType._meta.get_field("attributes"), request=None)

    with pytest.raises(ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages == ["Enter a valid JSON."]
    assert field.clean('{"table_size": 6}') == {"table_size": 6}
