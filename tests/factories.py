"""factory-boy factories shared by every app's tests, and a booking made by the service."""

import base64
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Role, SellerApplication, User


class UserFactory(DjangoModelFactory):
    """A user as Google sign-in makes them: no usable password."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.CUSTOMER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


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


class CampaignFactory(DjangoModelFactory):
    """A published campaign a week from now, with no ticket types (add TicketTypeFactory)."""

    class Meta:
        model = "campaigns.Campaign"
        skip_postgeneration_save = True

    seller = factory.SubFactory(SellerFactory)
    title = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    description = "Live music, good company."
    venue_type = "event"
    venue_name = "Eko Hall"
    venue_address = "1 Marina Road"
    city = "Lagos"
    country = "NG"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=5))
    currency = "NGN"
    status = "published"

    @factory.post_generation
    def with_key(obj, create, extracted, **kwargs):
        if create:
            from campaigns.models import CampaignKey
            from core.crypto import new_key

            CampaignKey.objects.create(
                campaign=obj, version=1, secret=base64.b64encode(new_key()).decode()
            )


class TicketTypeFactory(DjangoModelFactory):
    class Meta:
        model = "campaigns.TicketType"

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    price = Decimal("2500.00")
    capacity = 100
    max_per_booking = 10
    scans_allowed = 1
    attributes = factory.LazyFunction(dict)


class ManagerInvitationFactory(DjangoModelFactory):
    """A pending invitation of `email` to manage `target` (a campaign), from its seller."""

    class Meta:
        model = "accounts.ManagerInvitation"

    target = factory.SubFactory(CampaignFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    invited_by = factory.LazyAttribute(lambda o: o.target.seller)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class BookingFactory(DjangoModelFactory):
    """A pending booking. `items=[(ticket_type, quantity)]` adds its items and, like the
    booking service, counts their seats in `reserved` while the booking holds them."""

    class Meta:
        model = "bookings.Booking"
        skip_postgeneration_save = True

    customer = factory.SubFactory(UserFactory)
    campaign = factory.SubFactory(CampaignFactory)
    status = "pending_payment"
    issuance = "single"
    total = Decimal("0.00")
    currency = factory.LazyAttribute(lambda o: o.campaign.currency)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from django.db.models import F

        from bookings.models import Booking, BookingItem
        from campaigns.models import TicketType

        for ticket_type, quantity in extracted:
            BookingItem.objects.create(
                booking=obj,
                ticket_type=ticket_type,
                quantity=quantity,
                unit_price=ticket_type.price,
            )
            if obj.status in Booking.HOLDING_STATUSES:
                TicketType.objects.filter(pk=ticket_type.pk).update(
                    reserved=F("reserved") + quantity
                )
        obj.total = sum((t.price * q for t, q in extracted), Decimal("0.00"))
        obj.save(update_fields=["total"])


def booked(customer, ticket_type, quantity, **kwargs):
    """A pending booking of `quantity` seats made by the booking service, single issuance
    unless `issuance` is given; `kwargs` are the service's other arguments."""
    from bookings import services

    kwargs.setdefault("issuance", "single")
    return services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": quantity}],
        **kwargs,
    )
