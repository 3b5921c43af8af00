"""Create (or update) a user and print an `X-Session-Token` for it as the last line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts import services
from accounts.models import Role


def _role(value: str) -> str:
    try:
        return Role(value.lower()).value
    except ValueError as exc:
        choices = ", ".join(Role.values)
        raise CommandError(f"Unknown role {value!r}; choose one of {choices}.") from exc


class Command(BaseCommand):
    help = "Create the user if needed, set its role, and print a session token for the API."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", type=_role, help="customer, seller, manager or super_admin")
        parser.add_argument("--name", default="")
        parser.add_argument("--days", type=int, default=365, help="token lifetime in days")

    def handle(self, *args, email, role, name, days, **options):
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not an e-mail address.") from exc
        user, created = services.user_get_or_create(email=email, name=name)
        if name and user.name != name:
            services.user_update_profile(user=user, name=name)
        if role:
            services.user_set_role(user=user, role=role)
        self.stderr.write(f"{'Created' if created else 'Using'} {user.email} ({user.role}).")
        self.stdout.write(services.session_token_create(user=user, days=days))
