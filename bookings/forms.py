"""The booking form of the campaign page: a quantity per ticket type, issuance, names."""

from django import forms

from bookings.models import Booking


class BookingForm(forms.Form):
    issuance = forms.ChoiceField(choices=Booking.Issuance.choices, initial=Booking.Issuance.SINGLE)
    holder_names = forms.CharField(
        widget=forms.Textarea, required=False, max_length=5000, help_text="One name per line."
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=128)

    def __init__(self, *args, ticket_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_types = list(ticket_types)
        for ticket_type in self.ticket_types:
            self.fields[f"quantity_{ticket_type.pk}"] = forms.IntegerField(
                min_value=0, max_value=ticket_type.max_per_booking, required=False
            )

    def clean(self):
        cleaned = super().clean()
        cleaned["items"] = [
            {"ticket_type": t.pk, "quantity": cleaned[f"quantity_{t.pk}"]}
            for t in self.ticket_types
            if cleaned.get(f"quantity_{t.pk}")
        ]
        if not cleaned["items"] and not self.errors:
            raise forms.ValidationError("Choose at least one ticket.")
        cleaned["holder_names"] = [
            line.strip() for line in cleaned.get("holder_names", "").splitlines() if line.strip()
        ]
        return cleaned
