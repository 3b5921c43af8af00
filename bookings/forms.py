"""The booking form of the campaign page: a quantity per ticket type, issuance, names.

Every message about a quantity names its ticket type and sits beside it on the page.
"""

from django import forms

from bookings.models import Booking
from campaigns.models import CODE_MAX_LENGTH


def quantity_field_name(ticket_type_id: int) -> str:
    return f"quantity_{ticket_type_id}"


class BookingForm(forms.Form):
    issuance = forms.ChoiceField(
        choices=[
            (Booking.Issuance.SINGLE, "One ticket for the whole group"),
            (Booking.Issuance.SEPARATE, "One ticket per person"),
        ],
        initial=Booking.Issuance.SINGLE,
        widget=forms.RadioSelect,
        label="How should the tickets come?",
    )
    holder_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Names on the tickets (optional)",
        help_text="One name per line, in ticket order.",
    )
    code = forms.CharField(
        required=False,
        max_length=CODE_MAX_LENGTH,
        label="Promo or access code (optional)",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=128)

    def __init__(self, *args, ticket_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_types = list(ticket_types)
        for ticket_type in self.ticket_types:
            name = ticket_type.name.replace("%", "%%")  # messages are %-formatted
            self.fields[quantity_field_name(ticket_type.pk)] = forms.IntegerField(
                min_value=0,
                max_value=ticket_type.max_per_booking,
                required=False,
                label=ticket_type.name,
                error_messages={
                    "max_value": f"{name}: at most {ticket_type.max_per_booking} per booking.",
                    "min_value": f"{name}: choose 0 or more.",
                    "invalid": f"{name}: enter a whole number.",
                },
            )

    def clean(self):
        cleaned = super().clean()
        cleaned["items"] = [
            {"ticket_type": t.pk, "quantity": cleaned[quantity_field_name(t.pk)]}
            for t in self.ticket_types
            if cleaned.get(quantity_field_name(t.pk))
        ]
        if not cleaned["items"] and not self.errors:
            raise forms.ValidationError("Choose at least one ticket.")
        cleaned["holder_names"] = [
            line.strip() for line in cleaned.get("holder_names", "").splitlines() if line.strip()
        ]
        return cleaned

    def add_sold_out(self, short: list[dict]) -> None:
        """Put the service's sold-out answer (`[{id, name, remaining}]`) beside each type."""
        for row in short:
            left = f"only {row['remaining']} left" if row["remaining"] else "sold out"
            self.add_error(quantity_field_name(row["id"]), f"{row['name']}: {left}.")
