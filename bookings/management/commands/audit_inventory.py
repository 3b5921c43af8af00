"""Check rule 1's bookkeeping: reserved equals the seats of pending and confirmed bookings."""

from django.core.management.base import BaseCommand

from bookings.selectors import inventory_discrepancies


class Command(BaseCommand):
    help = (
        "Compare every ticket type's reserved count with the seats of its pending and "
        "confirmed bookings; print differences and exit 1 if there is any."
    )

    def handle(self, *args, **options):
        discrepancies = inventory_discrepancies()
        for row in discrepancies:
            self.stdout.write(
                f"ticket type {row.ticket_type_id} ({row.name}): reserved {row.reserved}, "
                f"held by bookings {row.held}, difference {row.reserved - row.held:+d}"
            )
        if discrepancies:
            self.stderr.write(self.style.ERROR(f"{len(discrepancies)} ticket type(s) differ."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Inventory consistent."))
