"""Admin of campaigns. Every change goes through the services, as the seller's pages do:
edits (capacity never below the seats reserved) and publishing are service calls, and the
status is never edited by hand. Cancelling, with the refunds that follow, is an action the
payments app adds (payments/admin.py), as it orchestrates a cancellation."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect

from campaigns import services
from campaigns.forms import TICKET_TYPE_FIELDS
from campaigns.models import Campaign, CampaignDailyViews, TicketType
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.http import client_ip
from core.request_guard import GuardedJSONDecoder


class TicketTypeAdminForm(forms.ModelForm):
    class Meta:
        model = TicketType
        fields = TICKET_TYPE_FIELDS

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        reserved = self.instance.reserved if self.instance.pk else 0
        if capacity is not None and capacity < reserved:
            raise forms.ValidationError(
                f"{reserved} seats are reserved; capacity cannot go below that."
            )
        return capacity


# One labelled date-time input instead of the admin's two unlabelled date and time boxes.
DATETIME_INPUT = {
    "form_class": forms.DateTimeField,
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
}


class TicketTypeInline(admin.StackedInline):
    model = TicketType
    form = TicketTypeAdminForm
    formfield_overrides = {
        models.DateTimeField: DATETIME_INPUT,
        # Attributes typed in the admin follow the API's JSON rules (depth, NUL, finite numbers).
        models.JSONField: {"decoder": GuardedJSONDecoder},
    }
    extra = 0
    fields = [*TICKET_TYPE_FIELDS[:4], "reserved", *TICKET_TYPE_FIELDS[4:]]  # beside capacity
    readonly_fields = ["reserved"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "seller", "venue_type", "city", "country", "starts_at", "status"]
    # No country filter (250 entries): search finds a country by its code.
    list_filter = ["status", "venue_type", "currency"]
    search_fields = ["title", "slug", "venue_name", "city", "=country", "seller__email"]
    date_hierarchy = "starts_at"
    list_select_related = ["seller"]
    # Lifecycle, money and people change only through the services (actions, seller pages).
    readonly_fields = [
        "slug",
        "status",
        "seller",
        "currency",
        "managers",
        "public_id",
        "views_count",
        "published_at",
        "cancelled_at",
        "created_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
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
                ]
            },
        ),
        ("Changed only through the services", {"fields": readonly_fields}),
    ]
    inlines = [TicketTypeInline]
    formfield_overrides = {models.DateTimeField: DATETIME_INPUT}
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # campaigns are created by sellers (with their QR keys)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: buyers are refunded

    def has_change_permission(self, request, obj=None):
        editable = obj is None or obj.status in services.EDITABLE_STATUSES
        return editable and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Nothing is written here: `save_related` hands the whole change to the service."""

    def save_related(self, request, form, formsets, change):
        rows = None
        for formset in formsets:
            if formset.model is TicketType and formset.has_changed():
                rows = [
                    {
                        "id": row.instance.pk,
                        **{name: row.cleaned_data[name] for name in TICKET_TYPE_FIELDS},
                    }
                    if row.instance.pk
                    else {name: row.cleaned_data[name] for name in TICKET_TYPE_FIELDS}
                    for row in formset.forms
                    if row.cleaned_data and row not in formset.deleted_forms
                ]
        if rows is None and not form.changed_data:
            return
        try:
            services.campaign_update(
                campaign_id=form.instance.pk,
                user=request.user,
                ticket_types=rows,
                ip=client_ip(request),
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
        except DomainError as exc:
            request.campaign_refusal = exc.detail

    def construct_change_message(self, request, form, formsets, add=False):
        """What changed, for the admin's history: the service saved it, not the formsets."""
        fields = [form.fields[name].label or name for name in form.changed_data]
        if any(formset.has_changed() for formset in formsets):
            fields.append("ticket types")
        return [{"changed": {"fields": fields}}] if fields else []

    def log_change(self, request, obj, message):
        """No entry for a change the service refused: nothing changed."""
        if getattr(request, "campaign_refusal", None):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refusal = getattr(request, "campaign_refusal", None)
        if refusal:
            self.message_user(request, f"Nothing was changed: {refusal}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _each(self, request, queryset, service, done: str) -> None:
        changed = 0
        for campaign in queryset:
            try:
                service(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
            except DomainError as exc:
                self.message_user(request, f"{campaign}: {exc.detail}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} campaign(s) {done}.", messages.SUCCESS)

    @admin.action(description="Publish the selected drafts")
    def publish(self, request, queryset):
        self._each(request, queryset, services.campaign_publish, "published")


@admin.register(CampaignDailyViews)
class CampaignDailyViewsAdmin(ReadOnlyAdmin):
    """Counts folded in from Redis by a beat job; nothing here is edited by hand."""

    list_display = ["campaign", "day", "views"]
    list_select_related = ["campaign"]
    search_fields = ["campaign__title"]
    date_hierarchy = "day"
