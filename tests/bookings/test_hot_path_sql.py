"""The booking hot path asks its three EXISTS conditions in SQL (core.sql) for speed: each
answers as the ORM definition it stands for, type by type, in every state that matters."""

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer, WaitingListEntry
from bookings.waitlist import services as waiting_lists
from campaigns.models import TicketType
from tests.factories import BookingFactory, CampaignFactory, TicketTypeFactory, UserFactory


def answers(**expressions) -> dict[str, dict[str, bool]]:
    """`{type name: {expression name: value}}` over every ticket type, in one query."""
    rows = TicketType.objects.annotate(**expressions).values("name", *expressions)
    return {row.pop("name"): row for row in rows}


def test_overdue_holds_exist_answers_as_the_overdue_holds_query(db):
    now = timezone.now()
    campaign = CampaignFactory()
    overdue, holding, confirmed, sold_elsewhere, untouched = (
        TicketTypeFactory(campaign=campaign, name=name, capacity=10)
        for name in ("overdue", "holding", "confirmed", "other campaign's hold", "untouched")
    )
    past, future = now - timedelta(minutes=1), now + timedelta(minutes=5)
    BookingFactory(campaign=campaign, expires_at=past, items=[(overdue, 1)])
    BookingFactory(campaign=campaign, expires_at=future, items=[(holding, 1)])
    BookingFactory(
        campaign=campaign, status=Booking.Status.CONFIRMED, expires_at=past, items=[(confirmed, 1)]
    )
    BookingFactory(campaign=CampaignFactory(), expires_at=past, items=[(sold_elsewhere, 1)])
    orm = Exists(
        services._overdue_holds(now).filter(
            campaign_id=OuterRef("campaign_id"), items__ticket_type=OuterRef("pk")
        )
    )

    found = answers(sql=services._overdue_holds_exist(now), orm=orm)

    assert {name: row["sql"] for name, row in found.items()} == {
        "overdue": True,
        "holding": False,
        "confirmed": False,
        "other campaign's hold": False,
        "untouched": False,
    }
    assert all(row["sql"] == row["orm"] for row in found.values())


def test_waiting_list_conditions_answer_as_their_orm_definitions(db):
    now = timezone.now()
    campaign = CampaignFactory()
    names = ("waiting", "left", "offer overdue", "offer open", "offer lapsed", "nothing")
    types = {name: TicketTypeFactory(campaign=campaign, name=name, capacity=10) for name in names}

    def entry(name, status):
        return WaitingListEntry.objects.create(
            ticket_type=types[name], customer=UserFactory(), quantity=1, status=status
        )

    entry("waiting", WaitingListEntry.Status.WAITING)
    entry("left", WaitingListEntry.Status.LEFT)
    for name, status, expires_at in [
        ("offer overdue", Offer.Status.OPEN, now - timedelta(minutes=1)),
        ("offer open", Offer.Status.OPEN, now + timedelta(minutes=5)),
        ("offer lapsed", Offer.Status.LAPSED, now - timedelta(minutes=1)),
    ]:
        Offer.objects.create(
            entry=entry(name, WaitingListEntry.Status.OFFERED),
            ticket_type=types[name],
            quantity=1,
            status=status,
            expires_at=expires_at,
        )
    overdue_orm = Exists(
        Offer.objects.filter(
            ticket_type=OuterRef("pk"), status=Offer.Status.OPEN, expires_at__lte=now
        )
    )
    waiting_orm = Exists(
        WaitingListEntry.objects.filter(
            ticket_type=OuterRef("pk"), status=WaitingListEntry.Status.WAITING
        )
    )

    found = answers(
        overdue_sql=waiting_lists.overdue_offers_exist(),
        overdue_orm=overdue_orm,
        work_sql=waiting_lists.waiting_list_work(),
        work_orm=overdue_orm | waiting_orm,
    )

    assert {name for name, row in found.items() if row["work_sql"]} == {
        "waiting",
        "offer overdue",
    }
    assert {name for name, row in found.items() if row["overdue_sql"]} == {"offer overdue"}
    assert all(
        (row["overdue_sql"], row["work_sql"]) == (row["overdue_orm"], row["work_orm"])
        for row in found.values()
    )
