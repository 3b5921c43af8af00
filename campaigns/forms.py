"""Forms of the seller pages: a campaign and its ticket-type rows (a formset)."""

from django import forms
from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.validators import validate_attributes
from config.money import DECIMAL_PLACES, MAX_DIGITS
from core.limits import TICKET_TYPES_PER_CAMPAIGN
from core.request_guard import GuardedJSONDecoder

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=[(code, code) for code in settings.CURRENCIES])

    class Meta:
        model = Campaign
        fields = [
            "title",
            "description",
            "venue_type",
            "venue_name",
            "venue_address",
            "city",
            "country",
            "starts_at",
            "ends_at",
            "currency",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
        }

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The campaign must end after it starts.")
        moved = starts and (self.instance.pk is None or starts != self.instance.starts_at)
        if moved and starts <= timezone.now():
            self.add_error("starts_at", "The start must be in the future.")
        return data


class TicketTypeForm(forms.Form):
    """One ticket-type row; `attributes` is JSON, edited as key/value rows by a small script."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120)
    price = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=0)
    capacity = forms.IntegerField(min_value=1, max_value=1_000_000)
    max_per_booking = forms.IntegerField(min_value=1, max_value=1000, initial=10)
    scans_allowed = forms.IntegerField(min_value=1, max_value=1000, initial=1)
    sales_start = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    sales_end = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    attributes = forms.JSONField(
        required=False,
        initial=dict,
        validators=[validate_attributes],
        decoder=GuardedJSONDecoder,
        widget=forms.Textarea(attrs={"rows": 2, "class": "attributes-json"}),
        help_text='JSON object, e.g. {"table_size": 6, "drinks_included": true}',
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("sales_start"), data.get("sales_end")
        if start and end and end <= start:
            self.add_error("sales_end", "Sales must end after they start.")
        if data.get("attributes") is None:
            data["attributes"] = {}
        return data


TicketTypeFormSet = forms.formset_factory(
    TicketTypeForm,
    extra=0,
    min_num=1,
    validate_min=True,
    can_delete=True,
    max_num=TICKET_TYPES_PER_CAMPAIGN,
    validate_max=True,
)


class ManagerForm(forms.Form):
    email = forms.EmailField()


def ticket_type_rows(formset) -> list[dict]:
    """The formset's rows for the services: deleted rows dropped, blank ids removed."""
    rows = []
    for form in formset.forms:
        if form.cleaned_data.get("DELETE"):
            continue
        row = {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
        if row.get("id") is None:
            row.pop("id", None)
        rows.append(row)
    return rows
