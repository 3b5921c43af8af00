"""(Re)build the stored PDF of every confirmed booking of a campaign, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError

from bookings.models import Booking
from bookings.tickets.services import TicketsUnavailable, booking_pdf_ensure, campaign_by_id_or_slug

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Render again the tickets PDF of every confirmed booking of CAMPAIGN (id or slug)."

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign id or slug")

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + " " * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()

    def handle(self, *args, campaign, **options):
        found = campaign_by_id_or_slug(campaign)
        if found is None:
            raise CommandError(f"No campaign with id or slug {campaign!r}.")
        booking_ids = list(
            Booking.objects.filter(campaign=found, status=Booking.Status.CONFIRMED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        total = len(booking_ids)
        if total:
            self._progress(0, total)
        built = 0
        for done, booking_id in enumerate(booking_ids, start=1):
            try:
                booking_pdf_ensure(booking_id=booking_id, force=True)
                built += 1
            except TicketsUnavailable:  # refunded since the list was read
                pass
            self._progress(done, total)
        if total:
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{found.title}: {built} booking PDF(s) built."))
