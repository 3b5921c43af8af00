"""`manage.py create_api_token` for service accounts, scanners and scripted tests."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def create_token(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.parametrize("role", ["SELLER", "seller"])
def test_creates_the_user_with_the_role_and_prints_a_working_token(api_client, role):
    token = create_token("Scanner@Example.com", "--role", role, "--name", "Gate 1")

    user = User.objects.get(email="scanner@example.com")
    assert (user.name, user.role, user.has_usable_password()) == ("Gate 1", "seller", False)
    profile = api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token)
    assert profile.status_code == 200
    assert profile.json()["role"] == "seller"
    assert (
        AuditEvent.objects.filter(action="user.role_changed", target_id=str(user.pk)).count() == 1
    )


def test_existing_user_keeps_its_account_and_gets_a_new_role(api_client):
    user = UserFactory(email="door@example.com")

    token = create_token("door@example.com", "--role", "manager")

    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.role == "manager"
    assert (
        api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN=token).json()["id"] == user.pk
    )


def test_unknown_role_is_refused_and_creates_nothing():
    with pytest.raises(CommandError, match="Unknown role 'owner'"):
        create_token("x@example.com", "--role", "owner")
    assert User.objects.count() == 0


def test_bad_email_is_refused():
    with pytest.raises(CommandError, match="not an e-mail address"):
        create_token("not-an-email")
    assert User.objects.count() == 0


def test_a_forged_token_is_refused(api_client):
    response = api_client.get("/api/v1/auth/profile/", HTTP_X_SESSION_TOKEN="forged-token")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    first = sorted(User.objects.values_list("email", "role"))
    call_command("seed_demo", stdout=StringIO())

    assert sorted(User.objects.values_list("email", "role")) == first
    assert ("admin@demo.tickets", "super_admin") in first
