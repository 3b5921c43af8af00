"""Expire overdue holds now (what the beat job does every 30 seconds)."""

from django.core.management.base import BaseCommand

from bookings.services import expire_all_overdue_holds


class Command(BaseCommand):
    help = "Expire every overdue pending booking and release its seats."

    def handle(self, *args, **options):
        expired = expire_all_overdue_holds()
        self.stdout.write(f"Expired {expired} hold(s).")
