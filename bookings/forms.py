"""The booking form of the campaign page: a quantity per ticket type, issuance, names.

Every message about a quantity names its ticket type and sits beside it on the page. The
names come one row per ticket (a name and an optional e-mail): a script shows as many rows as
tickets chosen; without it every row shows and the buyer fills one per ticket.
"""

from django import forms

from bookings.models import HOLDER_NAME_LENGTH, Booking
from campaigns.models import CODE_MAX_LENGTH

# Rows of names the page offers at most; larger `separate` bookings go through the API.
MAX_HOLDER_ROWS = 12


def quantity_field_name(ticket_type_id: int) -> str:
    return f"quantity_{ticket_type_id}"


def holder_field_names(row: int) -> tuple[str, str]:
    return f"holder_{row}_name", f"holder_{row}_email"


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
        seats = sum(t.max_per_booking for t in self.ticket_types)
        self.holder_rows = min(seats, MAX_HOLDER_ROWS)
        for row in range(1, self.holder_rows + 1):
            name, email = holder_field_names(row)
            self.fields[name] = forms.CharField(
                required=False, max_length=HOLDER_NAME_LENGTH, label=f"Ticket {row}: name"
            )
            self.fields[email] = forms.EmailField(
                required=False, max_length=254, label=f"Ticket {row}: e-mail (optional)"
            )

    @property
    def holder_fields(self) -> list[tuple]:
        """`(name, email)` bound fields of each row, for the template."""
        return [
            tuple(self[field] for field in holder_field_names(row))
            for row in range(1, self.holder_rows + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["items"] = [
            {"ticket_type": t.pk, "quantity": cleaned[quantity_field_name(t.pk)]}
            for t in self.ticket_types
            if cleaned.get(quantity_field_name(t.pk))
        ]
        if not cleaned["items"] and not self.errors:
            raise forms.ValidationError("Choose at least one ticket.")
        cleaned["holders"], cleaned["holder_names"] = self._holders(cleaned), []
        if cleaned.get("issuance") == Booking.Issuance.SINGLE:
            # The first row names a group ticket; it is optional there.
            first = (cleaned.get("holder_1_name") or "").strip()
            cleaned["holder_names"] = [first] if first else []
        return cleaned

    def _holders(self, cleaned) -> list[dict] | None:
        """One `{"name", "email"}` per ticket of a separate booking, each named."""
        seats = sum(item["quantity"] for item in cleaned["items"])
        if cleaned.get("issuance") != Booking.Issuance.SEPARATE or not seats:
            return None
        if seats > self.holder_rows:
            self.add_error(
                "issuance",
                f"Name at most {self.holder_rows} tickets in one booking here: "
                "book the rest separately, or choose one ticket for the group.",
            )
            return None
        holders = []
        for row in range(1, seats + 1):
            name_field, email_field = holder_field_names(row)
            name = (cleaned.get(name_field) or "").strip()
            if not name and not self.has_error(name_field):
                self.add_error(name_field, f"Give the name on ticket {row}.")
            holders.append({"name": name, "email": cleaned.get(email_field) or ""})
        return holders

    def add_sold_out(self, short: list[dict]) -> None:
        """Put the service's sold-out answer (`[{id, name, remaining}]`) beside each type."""
        for row in short:
            left = f"only {row['remaining']} left" if row["remaining"] else "sold out"
            self.add_error(quantity_field_name(row["id"]), f"{row['name']}: {left}.")


class HolderForm(forms.Form):
    """Correct the name on one ticket (My tickets page)."""

    holder_name = forms.CharField(max_length=HOLDER_NAME_LENGTH, label="Name on the ticket")
    holder_email = forms.EmailField(
        max_length=254, required=False, label="Holder's e-mail (optional)"
    )


class TransferForm(forms.Form):
    """Give one ticket to someone else (My tickets page)."""

    name = forms.CharField(max_length=HOLDER_NAME_LENGTH, label="Their name")
    email = forms.EmailField(max_length=254, label="Their e-mail")
