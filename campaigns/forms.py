"""Forms of the seller pages: a campaign and its ticket-type rows (a formset)."""

import re

from django import forms
from django.conf import settings
from django.utils.text import slugify

from campaigns.attributes import attribute_value_text, humanize_key
from campaigns.models import Campaign
from campaigns.timezones import default_zone_for_country
from campaigns.validators import validate_attributes
from core.limits import (
    ATTRIBUTE_KEY_LENGTH,
    ATTRIBUTE_LABEL_LENGTH,
    ATTRIBUTE_TEXT_LENGTH,
    ATTRIBUTES_PER_TICKET_TYPE,
    TICKET_TYPES_PER_CAMPAIGN,
)
from core.local_time import is_known_zone, known_zones
from core.money import DECIMAL_PLACES, MAX_DIGITS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
INTEGER = re.compile(r"-?\d{1,15}")
DECIMAL = re.compile(r"-?\d{1,15}\.\d{1,6}")
# Detail lines a ticket-type row may post: the attribute limit, plus room for blank lines.
MAX_SLOTS = ATTRIBUTES_PER_TICKET_TYPE + 10
TICKET_TYPE_FIELDS = (
    "name",
    "description",
    "price",
    "capacity",
    "max_per_booking",
    "scans_allowed",
    "sales_start",
    "sales_end",
    "attributes",
    "attribute_labels",
    "hidden",
)


# The tz database also ships aliases and copies (posix/, right/, Etc/, US/...): a seller
# picks among the Area/City names, plus UTC.
_ZONE_AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/")
_ZONE_AREAS += ("Europe/", "Indian/", "Pacific/")


def zone_choices(current: str = "") -> list[tuple[str, str]]:
    names = {zone for zone in known_zones() if zone.startswith(_ZONE_AREAS)} | {"UTC"}
    if current:
        names.add(current)
    return [("", "From the venue's country")] + [
        (name, name.replace("_", " ")) for name in sorted(names)
    ]


def form_zone(data, campaign: Campaign | None) -> str:
    """The zone the campaign form reads and shows times in: the one chosen in the posted
    form, else its country's (what the services will give it), else the campaign's own."""
    if data:
        chosen = data.get("timezone", "")
        if is_known_zone(chosen):
            return chosen
        if not chosen and data.get("country"):
            return default_zone_for_country(data["country"])
    return campaign.timezone if campaign else "UTC"


class CampaignForm(forms.ModelForm):
    """Its times are read and shown in the campaign's zone: bind and render it under
    `timezone.override(form_zone(...))`, as the seller's pages do."""

    currency = forms.ChoiceField(choices=[(code, code) for code in settings.CURRENCIES])
    timezone = forms.ChoiceField(
        required=False,
        label="Time zone",
        help_text="The times on this page are the venue's local times in this zone.",
    )

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
            "timezone",
            "starts_at",
            "ends_at",
            "currency",
            "transfers_allowed",
            "name_change_cutoff",
            "refund_policy",
            "refund_days_before",
            "vat_rate",
        ]
        labels = {
            "venue_name": "Venue",
            "venue_address": "Address",
            "starts_at": "Starts (local time)",
            "ends_at": "Ends (local time)",
            "transfers_allowed": "Buyers may transfer tickets to someone else",
            "name_change_cutoff": "Names and transfers close at (local time)",
            "refund_days_before": "Refunds until (days before the start)",
            "vat_rate": "VAT included in prices (%)",
        }
        help_texts = {
            "refund_days_before": "With “Until some days before the start” only.",
            "vat_rate": "Shown on receipts; 0 when you charge no VAT.",
        }
        help_texts = {"name_change_cutoff": "Leave empty to close them when the campaign starts."}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "name_change_cutoff": DATETIME_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices(self.instance.timezone)
        if self.instance.pk is None:
            self.initial["timezone"] = ""  # from the country, unless the seller picks one
        # Left out of a post (an older form), the policy and the rate stay as they are.
        for name in ("refund_policy", "vat_rate"):
            self.fields[name].required = False

    def clean_refund_policy(self):
        return self.cleaned_data["refund_policy"] or self.instance.refund_policy

    def clean_vat_rate(self):
        rate = self.cleaned_data["vat_rate"]
        return self.instance.vat_rate if rate is None else rate


def parse_attribute_value(text: str):
    """What a seller types, as the attribute value filters match: "yes"/"no" are true/false,
    whole and decimal numbers are numbers, commas separate several values, the rest is text."""
    text = text.strip()
    if "," in text:
        return [parse_attribute_value(part) for part in text.split(",") if part.strip()]
    if text.lower() in ("yes", "true"):
        return True
    if text.lower() in ("no", "false"):
        return False
    if INTEGER.fullmatch(text):
        return int(text)
    if DECIMAL.fullmatch(text):
        return float(text)
    return text


def attribute_key(label: str, fallback: str) -> str:
    """A stable key for a new attribute, from its label: "Table size" -> "table_size"."""
    key = re.sub(r"_+", "_", slugify(label).replace("-", "_"))[:ATTRIBUTE_KEY_LENGTH].strip("_")
    return key or fallback


class TicketTypeForm(forms.Form):
    """One ticket-type row. Its attributes are edited in words, one detail per line: a label
    buyers read and a value ("Table size" / "6"); the key behind a label stays put."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=500, required=False, help_text="One line buyers see under the name."
    )
    price = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=0)
    capacity = forms.IntegerField(min_value=1, max_value=1_000_000)
    max_per_booking = forms.IntegerField(min_value=1, max_value=1000, initial=10)
    scans_allowed = forms.IntegerField(
        min_value=1, max_value=1000, initial=1, label="Entries per ticket"
    )
    sales_start = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    sales_end = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    hidden = forms.BooleanField(
        required=False,
        label="Hidden: only with an access code",
        help_text="Not listed; customers book it with a code that names it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attributes = self.initial.get("attributes") or {}
        labels = self.initial.get("attribute_labels") or {}
        self.slot_count = (
            self._posted_slots() if self.is_bound else min(len(attributes) + 1, MAX_SLOTS)
        )
        initial = [
            (key, labels.get(key) or humanize_key(key), attribute_value_text(value))
            for key, value in sorted(attributes.items())
        ]
        for index in range(self.slot_count):
            key, label, value = initial[index] if index < len(initial) else ("", "", "")
            self.fields[f"attr_{index}_key"] = forms.CharField(
                required=False,
                initial=key,
                max_length=ATTRIBUTE_KEY_LENGTH,
                widget=forms.HiddenInput,
            )
            self.fields[f"attr_{index}_label"] = forms.CharField(
                required=False,
                initial=label,
                max_length=ATTRIBUTE_LABEL_LENGTH,
                label=f"Detail {index + 1}",
            )
            self.fields[f"attr_{index}_value"] = forms.CharField(
                required=False,
                initial=value,
                max_length=ATTRIBUTE_TEXT_LENGTH,
                label=f"Value {index + 1}",
            )

    def _posted_slots(self) -> int:
        count = 0
        while count < MAX_SLOTS and self.add_prefix(f"attr_{count}_label") in self.data:
            count += 1
        return count

    @property
    def attribute_slots(self) -> list[tuple]:
        """`(key, label, value)` bound fields of each detail line, for the template."""
        return [
            (self[f"attr_{i}_key"], self[f"attr_{i}_label"], self[f"attr_{i}_value"])
            for i in range(self.slot_count)
        ]

    def clean(self):
        data = super().clean()
        attributes, labels = {}, {}
        for index in range(self.slot_count):
            if self.has_error(f"attr_{index}_label") or self.has_error(f"attr_{index}_value"):
                continue
            label = (data.get(f"attr_{index}_label") or "").strip()
            value = (data.get(f"attr_{index}_value") or "").strip()
            if not label and not value:
                continue
            if not label:
                self.add_error(f"attr_{index}_label", "Name this detail, e.g. Table size.")
                continue
            if not value:
                self.add_error(f"attr_{index}_value", f"Give a value for {label}.")
                continue
            key = data.get(f"attr_{index}_key") or attribute_key(label, f"detail_{index + 1}")
            if key in attributes:
                self.add_error(f"attr_{index}_label", f"Two details are called {label}.")
                continue
            attributes[key], labels[key] = parse_attribute_value(value), label
        try:
            validate_attributes(attributes)
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        data["attributes"], data["attribute_labels"] = attributes, labels
        return data

    def ticket_type(self) -> dict:
        """The row as the services take it: no id for a new ticket type."""
        row = {name: self.cleaned_data[name] for name in TICKET_TYPE_FIELDS}
        if self.cleaned_data.get("id") is not None:
            row["id"] = self.cleaned_data["id"]
        return row


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
    email = forms.EmailField(label="E-mail address")


def ticket_type_rows(formset) -> list[dict]:
    """The formset's rows for the services, removed rows left out."""
    return [form.ticket_type() for form in formset.forms if not form.cleaned_data.get("DELETE")]
