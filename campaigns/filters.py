"""The public campaign search, shared by the API list and the home page."""

import json
import re
from datetime import UTC

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from campaigns.models import TicketType
from config.choices import VenueType

ATTRIBUTE_PREFIX = "attr."
ATTRIBUTE_KEY = re.compile(r"^(?!.*__)[\w -]{1,40}$")


def _attribute_candidates(raw: str) -> list:
    """What `attr.<key>=raw` may match: the text itself and, if it parses, its JSON value
    (so `true` finds booleans and `4` finds numbers)."""
    candidates = [raw]
    try:
        parsed = json.loads(raw)
    except ValueError:
        return candidates
    if isinstance(parsed, bool | int | float) and parsed != raw:
        candidates.append(parsed)
    return candidates


class UTCDateTimeField(forms.DateTimeField):
    """A date and time, in UTC. ISO 8601 offsets reach ±23:59 but PostgreSQL refuses those
    beyond ±15:59, and a time at the calendar's edge may have no UTC equivalent at all."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Enter a date and time between years 1 and 9999 in UTC.") from exc


class UTCDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UTCDateTimeField


class CampaignFilter(django_filters.FilterSet):
    """Filters of DESIGN.md plus `attr.<key>=<value>`: a campaign matches when one of its
    ticket types has that attribute with that value."""

    venue_type = django_filters.ChoiceFilter(choices=VenueType.choices)
    city = django_filters.CharFilter(lookup_expr="iexact")
    country = django_filters.CharFilter(lookup_expr="iexact", max_length=2)
    currency = django_filters.ChoiceFilter(choices=[(code, code) for code in settings.CURRENCIES])
    q = django_filters.CharFilter(method="filter_text", max_length=200, label="Search")
    starts_after = UTCDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UTCDateTimeFilter(field_name="starts_at", lookup_expr="lte")
    min_price = django_filters.NumberFilter(method="filter_price", min_value=0)
    max_price = django_filters.NumberFilter(method="filter_price", min_value=0)
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
        """Both bounds apply to the same ticket type, so the first bound applies both."""
        low = self.form.cleaned_data.get("min_price")
        high = self.form.cleaned_data.get("max_price")
        if name == "max_price" and low is not None:
            return queryset
        prices = TicketType.objects.filter(campaign=OuterRef("pk"))
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
