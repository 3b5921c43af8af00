"""The seller's code form: one code or a batch, and the settings a code can change later."""

from django import forms

from bookings.codes.services import CODE_FIELDS, MAX_BATCH
from campaigns.forms import DATETIME_WIDGET
from campaigns.models import CODE_MAX_LENGTH, PromoCode
from core.money import DECIMAL_PLACES, MAX_DIGITS


class CodeForm(forms.Form):
    """The settings of a code; with `creating`, also its text or a count to generate."""

    code = forms.CharField(
        max_length=CODE_MAX_LENGTH,
        required=False,
        help_text="Letters, digits, - and _. Leave empty to generate unguessable codes.",
    )
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_BATCH,
        required=False,
        label="How many to generate",
        help_text=f"With no code above: 1 to {MAX_BATCH} codes with these settings.",
    )
    kind = forms.ChoiceField(choices=PromoCode.Kind.choices)
    value = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        min_value=0,
        required=False,
        help_text="Percent off, or the amount off each ticket; empty for access only.",
    )
    ticket_types = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every listed type. A hidden type ticked is unlocked by the code.",
    )
    max_uses = forms.IntegerField(min_value=1, required=False, label="Bookings in all")
    max_uses_per_customer = forms.IntegerField(
        min_value=1, required=False, label="Bookings per customer"
    )
    valid_from = forms.DateTimeField(required=False, widget=DATETIME_WIDGET, label="From (UTC)")
    valid_until = forms.DateTimeField(required=False, widget=DATETIME_WIDGET, label="Until (UTC)")
    min_quantity = forms.IntegerField(
        min_value=1, max_value=1000, initial=1, label="Minimum tickets per booking"
    )
    release_on_refund = forms.BooleanField(required=False, label="A refund gives the use back")
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, campaign, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_types"].choices = [
            (t.pk, f"{t.name} (hidden)" if t.hidden else t.name)
            for t in campaign.ticket_types.all()
        ]
        if creating:
            del self.fields["active"]
        else:
            del self.fields["code"], self.fields["count"]

    def settings(self) -> dict:
        """The cleaned settings as the services take them."""
        values = {name: self.cleaned_data[name] for name in CODE_FIELDS if name in self.fields}
        values["value"] = values["value"] or 0
        values["ticket_types"] = self.cleaned_data["ticket_types"]
        return values
