"""The public campaign search, shared by the API list and the home page."""

import re
from datetime import UTC

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from campaigns.models import TicketType
from core.choices import VenueType
from core.limits import ATTRIBUTE_KEY_LENGTH
from core.request_guard import Refused, load_json

ATTRIBUTE_PREFIX = "attr."
# The search page picks days; the API takes any ISO 8601 date or date-time.
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
ATTRIBUTE_KEY = re.compile(rf"^(?!.*__)[\w -]{{1,{ATTRIBUTE_KEY_LENGTH}}}$")


def _attribute_candidates(raw: str) -> list:
    """What `attr.<key>=raw` may match: the text itself and, if it parses, its JSON value
    (so `true` finds booleans and `4` finds numbers; `1e400` is only text)."""
    candidates = [raw]
    try:
        parsed = load_json(raw)
    except Refused:
        return candidates
    if isinstance(parsed, bool | int | float) and parsed != raw:
        candidates.append(parsed)
    return candidates


class UtcDateTimeField(forms.DateTimeField):
    """An ISO 8601 time in any offset, compared in UTC: PostgreSQL refuses offsets beyond
    ±15:59 that ISO allows (+16:35), and a time that leaves the calendar in UTC is invalid."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return value and value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UtcDateTimeField


class CampaignFilter(django_filters.FilterSet):
    """Filters of DESIGN.md plus `attr.<key>=<value>`: a campaign matches when one of its
    ticket types has that attribute with that value."""

    venue_type = django_filters.ChoiceFilter(choices=VenueType.choices)
    city = django_filters.CharFilter(lookup_expr="iexact")
    country = django_filters.CharFilter(lookup_expr="iexact", max_length=2)
    currency = django_filters.ChoiceFilter(choices=[(code, code) for code in settings.CURRENCIES])
    q = django_filters.CharFilter(method="filter_text", max_length=200, label="Search")
    starts_after = UtcDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", widget=DATE_INPUT, label="From"
    )
    starts_before = UtcDateTimeFilter(
        field_name="starts_at", lookup_expr="lte", widget=DATE_INPUT, label="Until"
    )
    min_price = django_filters.NumberFilter(
        method="filter_price", min_value=0, label="Lowest price"
    )
    max_price = django_filters.NumberFilter(
        method="filter_price", min_value=0, label="Highest price"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("starts_at", "starts_at"), ("min_price", "price")),
        label="Order by",
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.attribute_filters = {
            key.removeprefix(ATTRIBUTE_PREFIX): value
            for key, value in (data or {}).items()
            if key.startswith(ATTRIBUTE_PREFIX)
        }

    def is_valid(self):
        valid = super().is_valid()
        bad = [key for key in self.attribute_filters if not ATTRIBUTE_KEY.match(key)]
        if bad:
            self.form.add_error(None, f"Unusable attribute name(s): {', '.join(sorted(bad))}.")
            return False
        return valid

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(venue_name__icontains=value)
            | Q(description__icontains=value)
        )

    def filter_price(self, queryset, name, value):
        """Both bounds apply to the same listed ticket type (a hidden one, unlocked by a code,
        is not for sale to the public), so the first bound applies both."""
        low = self.form.cleaned_data.get("min_price")
        high = self.form.cleaned_data.get("max_price")
        if name == "max_price" and low is not None:
            return queryset
        prices = TicketType.objects.filter(campaign=OuterRef("pk"), hidden=False)
        if low is not None:
            prices = prices.filter(price__gte=low)
        if high is not None:
            prices = prices.filter(price__lte=high)
        return queryset.filter(Exists(prices))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        for key, value in self.attribute_filters.items():
            matching = TicketType.objects.filter(
                campaign=OuterRef("pk"),
                **{f"attributes__{key}__in": _attribute_candidates(value)},
            )
            queryset = queryset.filter(Exists(matching))
        return queryset
