"""Rotate a campaign's QR key and re-issue its valid tickets' tokens under the new one."""

from django.core.management.base import BaseCommand, CommandError

from bookings.tickets.reissue import campaign_qr_key_rotate
from bookings.tickets.services import campaign_by_id_or_slug


class Command(BaseCommand):
    help = (
        "Add a new QR key version to CAMPAIGN (id or slug, audited) and re-issue every valid "
        "ticket's token under it. Old tokens work until their ticket is re-issued; stored "
        "PDFs are dropped and rebuilt on the next download (or run generate_tickets), and "
        "everyone e-mailed the old tickets is e-mailed the new ones in the background."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign id or slug")

    def handle(self, *args, campaign, **options):
        found = campaign_by_id_or_slug(campaign)
        if found is None:
            raise CommandError(f"No campaign with id or slug {campaign!r}.")
        version, reissued = campaign_qr_key_rotate(campaign_id=found.pk)
        self.stdout.write(
            self.style.SUCCESS(
                f"{found.title}: QR key version {version}; {reissued} ticket(s) re-issued."
            )
        )
