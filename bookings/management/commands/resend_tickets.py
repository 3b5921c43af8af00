"""Send a booking's tickets e-mail again, whether or not it was sent before."""

from django.core.management.base import BaseCommand, CommandError

from bookings.models import Booking
from bookings.tickets.services import booking_by_id_or_reference, booking_tickets_email


class Command(BaseCommand):
    help = (
        "E-mail BOOKING's (id or reference) tickets PDF to its customer again, on purpose: "
        "bypasses the once-only mark of the automatic confirmation e-mail."
    )

    def add_arguments(self, parser):
        parser.add_argument("booking", help="booking id or reference")

    def handle(self, *args, booking, **options):
        found = booking_by_id_or_reference(booking)
        if found is None:
            raise CommandError(f"No booking with id or reference {booking!r}.")
        if found.status != Booking.Status.CONFIRMED:
            raise CommandError(f"Booking {found.reference} is {found.status}: no tickets to send.")
        booking_tickets_email(booking_id=found.pk, force=True)
        self.stdout.write(
            self.style.SUCCESS(f"Tickets of {found.reference} sent to {found.customer.email}.")
        )
