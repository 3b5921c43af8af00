"""Deleting one's account (app stores require it): personal data erased, records kept
anonymised, every session and token ended; sellers and super admins are refused."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import AuditEvent, SellerApplication, User
from bookings.models import Booking
from tests.accounts.conftest import mobile_sign_in
from tests.factories import SellerFactory, SuperAdminFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/auth/profile/"


def test_a_customer_deletes_their_account_from_the_app_and_is_signed_out_everywhere(
    client, api_client, google_verifier, confirm
):
    token = mobile_sign_in(client).json()["meta"]["session_token"]
    user = User.objects.get(email="new.person@example.com")
    User.objects.filter(pk=user.pk).update(phone="+2348012345678")
    booking = confirm(user, TicketTypeFactory(), quantity=1)
    SellerApplication.objects.create(
        user=user, business_name="Ada's Bar", business_type="bar", phone="+2348012345678"
    )
    web = client  # the same person, signed in on the web too
    web.force_login(user)

    response = api_client.delete(PROFILE, HTTP_X_SESSION_TOKEN=token)

    assert response.status_code == 204
    user.refresh_from_db()
    assert (user.email, user.name, user.phone, user.is_active) == (
        f"deleted-{user.pk}@deleted.invalid",
        "",
        "",
        False,
    )
    assert not user.has_usable_password()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SellerApplication.objects.filter(user=user).exists()
    # The sale stays on the record, the ticket keeps admitting.
    booking.refresh_from_db()
    assert (booking.customer_id, booking.status) == (user.pk, "confirmed")
    assert booking.tickets.get().status == "valid"
    # Every way in is closed: the app's token and the web session.
    assert api_client.get(PROFILE, HTTP_X_SESSION_TOKEN=token).status_code == 401
    assert web.get(PROFILE).status_code == 401
    (event,) = AuditEvent.objects.filter(action="user.deleted")
    assert (event.actor_id, event.target_id, event.metadata) == (user.pk, str(user.pk), {})
    assert "new.person" not in str(event.__dict__)


def test_signing_in_with_google_again_starts_a_new_empty_account(
    client, api_client, google_verifier
):
    token = mobile_sign_in(client).json()["meta"]["session_token"]
    first = User.objects.get(email="new.person@example.com")
    api_client.delete(PROFILE, HTTP_X_SESSION_TOKEN=token)
    client.logout()

    again = mobile_sign_in(client).json()["meta"]["session_token"]

    profile = api_client.get(PROFILE, HTTP_X_SESSION_TOKEN=again).json()
    assert profile["email"] == "new.person@example.com"
    assert profile["id"] != first.pk
    assert not Booking.objects.filter(customer_id=profile["id"]).exists()


@pytest.mark.parametrize("make", [SellerFactory, SuperAdminFactory], ids=["seller", "admin"])
def test_sellers_and_super_admins_are_refused_and_keep_their_account(client_for, make):
    user = make()

    response = client_for(user).delete(PROFILE)

    assert response.status_code == 409
    assert response.json()["code"] == "account_in_use"
    user.refresh_from_db()
    assert user.is_active and not user.email.startswith("deleted-")


def test_anonymous_callers_delete_nothing(api_client):
    assert api_client.delete(PROFILE).status_code == 401


def test_the_page_explains_deletes_on_confirmation_and_signs_out(client, customer):
    client.force_login(customer)

    page = client.get("/account/delete/").content.decode()
    response = client.post("/account/delete/")

    assert "Tickets already issued keep admitting at the door" in page
    assert 'data-testid="delete-account"' in page
    assert response.status_code == 302
    assert response["Location"] == "/"
    customer.refresh_from_db()
    assert not customer.is_active
    assert client.get("/account/delete/").status_code == 302  # signed out: to the sign-in


def test_the_page_tells_a_seller_to_ask_support(client, seller):
    client.force_login(seller)

    page = client.get("/account/delete/").content.decode()
    client.post("/account/delete/")

    assert "ask support to close it" in page
    assert 'data-testid="delete-account"' not in page
    seller.refresh_from_db()
    assert seller.is_active
