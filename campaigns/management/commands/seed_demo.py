"""Load demo data for `make run`: users of every role, and what later apps add. Idempotent."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import Role
from campaigns.demo import seed_demo_campaigns

DEMO_USERS = [
    ("admin@demo.tickets", "Ada Admin", Role.SUPER_ADMIN),
    ("seller@demo.tickets", "Sade Seller", Role.SELLER),
    ("manager@demo.tickets", "Musa Manager", Role.MANAGER),
    ("customer@demo.tickets", "Chidi Customer", Role.CUSTOMER),
    ("applicant@demo.tickets", "Amina Applicant", Role.CUSTOMER),
]


class Command(BaseCommand):
    help = "Create demo users and data (safe to run again: nothing is duplicated)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {}
        for email, name, role in DEMO_USERS:
            user, created = accounts_services.user_get_or_create(email=email, name=name)
            accounts_services.user_set_role(user=user, role=role)
            users[role] = user
            if created:
                self.stdout.write(f"  created {email} ({role.label})")
        campaigns = seed_demo_campaigns(seller=users[Role.SELLER], manager=users[Role.MANAGER])
        if campaigns:
            self.stdout.write(f"  created {campaigns} published demo campaigns")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(DEMO_USERS)} users."))
