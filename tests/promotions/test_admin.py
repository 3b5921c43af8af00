"""Codes in the Django admin: looked up with their uses, deactivated through the service."""

import pytest

from accounts.models import AuditEvent
from bookings import services
from campaigns.models import PromoCode

pytestmark = pytest.mark.django_db

URL = "/admin/campaigns/promocode/"


def test_ops_find_a_code_with_its_uses_and_cannot_edit_it(
    client, super_admin, customer, ticket_type, make_code
):
    promo = make_code(code="EARLY", max_uses=5)
    services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 1}],
        issuance="single",
        code="early",
    )
    client.force_login(super_admin)

    listing = client.get(URL, {"q": "EARLY"})
    edit = client.post(f"{URL}{promo.pk}/change/", {"max_uses": 500})

    assert listing.status_code == 200
    row = listing.content.decode().split('class="field-code"')[1].split("</tr>")[0]
    assert "EARLY" in row
    assert '<td class="field-uses_taken">1</td>' in row
    assert edit.status_code == 403
    assert PromoCode.objects.get(pk=promo.pk).max_uses == 5


def test_deactivating_codes_goes_through_the_service_and_is_audited(client, super_admin, make_code):
    promo = make_code(code="LAUNCH")
    client.force_login(super_admin)

    response = client.post(
        URL, {"action": "deactivate", "_selected_action": [promo.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "1 code(s) deactivated." in response.content.decode()
    assert PromoCode.objects.get(pk=promo.pk).active is False
    assert AuditEvent.objects.filter(
        action="promo_code.changed", actor=super_admin, metadata__code="LAUNCH"
    ).exists()
