"""factory-boy factories shared by every app's tests."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, SellerApplication, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_unusable_password")


class SellerFactory(UserFactory):
    role = Role.SELLER


class ManagerFactory(UserFactory):
    role = Role.MANAGER


class SuperAdminFactory(UserFactory):
    role = Role.SUPER_ADMIN
    is_staff = True
    is_superuser = True


class SellerApplicationFactory(DjangoModelFactory):
    class Meta:
        model = SellerApplication

    user = factory.SubFactory(UserFactory)
    business_name = factory.Faker("company")
    business_type = "bar"
    phone = "+234 801 234 5678"
    country = "NG"
    description = "We run a rooftop bar with live music on weekends."
