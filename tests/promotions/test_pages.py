"""The seller's code pages, rendered with the Django test client."""

import pytest

from campaigns.models import PromoCode
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db


def _url(campaign):
    return f"/seller/campaigns/{campaign.pk}/codes/"


def test_seller_creates_a_code_then_a_batch_and_sees_them_listed(
    client, seller, campaign, ticket_type, vip
):
    client.force_login(seller)

    single = client.post(
        _url(campaign),
        {"code": "press", "kind": "access", "ticket_types": [vip.pk], "min_quantity": 1},
    )
    batch = client.post(
        _url(campaign), {"count": 3, "kind": "percent", "value": "10", "min_quantity": 1}
    )

    assert (single.status_code, batch.status_code) == (302, 302)
    access = PromoCode.objects.get(code="PRESS")
    assert (access.kind, list(access.ticket_types.all())) == ("access", [vip])
    assert PromoCode.objects.filter(kind="percent").count() == 3
    page = client.get(_url(campaign)).content.decode()
    assert "<code>PRESS</code>" in page
    assert "4 codes" in page
    assert f'href="/api/v1/campaigns/{campaign.pk}/codes/?format=csv"' in page
    assert "Sponsors (hidden)" in page


def test_a_refused_code_keeps_what_was_typed_with_the_error_beside_its_field(
    client, seller, campaign
):
    client.force_login(seller)

    response = client.post(
        _url(campaign), {"code": "HALF", "kind": "percent", "value": "150", "min_quantity": 1}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "A percentage is more than 0 and at most 100." in page
    assert 'value="HALF"' in page
    assert PromoCode.objects.count() == 0


def test_seller_edits_and_deactivates_a_code(client, seller, make_code):
    promo = make_code(code="SAVE10")
    client.force_login(seller)

    edited = client.post(
        f"/seller/codes/{promo.pk}/",
        {"kind": "percent", "value": "25", "max_uses": "5", "min_quantity": 1, "active": "on"},
    )
    deactivated = client.post(f"/seller/codes/{promo.pk}/deactivate/")

    assert (edited.status_code, deactivated.status_code) == (302, 302)
    promo.refresh_from_db()
    assert (str(promo.value), promo.max_uses, promo.active) == ("25.00", 5, False)


@pytest.mark.parametrize("path", ["campaigns/{campaign}/codes/", "codes/{code}/"])
def test_other_sellers_cannot_open_the_code_pages(client, campaign, make_code, path):
    promo = make_code()
    client.force_login(SellerFactory())

    response = client.get("/seller/" + path.format(campaign=campaign.pk, code=promo.pk))
    deactivate = client.post(f"/seller/codes/{promo.pk}/deactivate/")

    assert (response.status_code, deactivate.status_code) == (404, 404)
    assert PromoCode.objects.get().active is True
