"""Check rule 1's bookkeeping: reserved equals the seats of pending and confirmed bookings plus
the seats on waiting-list offers, so held + sold + offered + on sale = capacity."""

from django.core.management.base import BaseCommand

from bookings.selectors import inventory_discrepancies


class Command(BaseCommand):
    help = (
        "Compare every ticket type's reserved count with the seats of its pending and "
        "confirmed bookings and open waiting-list offers; print differences and exit 1 if "
        "there is any."
    )

    def handle(self, *args, **options):
        discrepancies = inventory_discrepancies()
        for row in discrepancies:
            self.stdout.write(
                f"ticket type {row.ticket_type_id} ({row.name}): capacity {row.capacity}, "
                f"reserved {row.reserved}, held by bookings {row.held}, on offer "
                f"{row.offered}, on sale {row.on_sale}, difference "
                f"{row.reserved - row.held - row.offered:+d}"
            )
        if discrepancies:
            self.stderr.write(self.style.ERROR(f"{len(discrepancies)} ticket type(s) differ."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Inventory consistent."))
