"""Admin of campaigns: ticket types inline, search and filters. Lifecycle goes through services
in the API and pages; the admin is for support staff looking things up."""

from django.contrib import admin
from django.db import models

from campaigns.models import Campaign, CampaignDailyViews, TicketType
from core.request_guard import GuardedJSONDecoder


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 0
    fields = [
        "name",
        "price",
        "capacity",
        "reserved",
        "max_per_booking",
        "scans_allowed",
        "sales_start",
        "sales_end",
        "attributes",
        "position",
    ]
    readonly_fields = ["reserved"]
    # Attributes typed in the admin follow the API's JSON rules (depth, NUL, finite numbers).
    formfield_overrides = {models.JSONField: {"decoder": GuardedJSONDecoder}}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "seller", "venue_type", "city", "country", "starts_at", "status"]
    list_filter = ["status", "venue_type", "country", "currency"]
    search_fields = ["title", "slug", "venue_name", "city", "seller__email"]
    date_hierarchy = "starts_at"
    list_select_related = ["seller"]
    raw_id_fields = ["seller"]
    filter_horizontal = ["managers"]
    readonly_fields = ["public_id", "views_count", "published_at", "cancelled_at", "created_at"]
    inlines = [TicketTypeInline]


@admin.register(CampaignDailyViews)
class CampaignDailyViewsAdmin(admin.ModelAdmin):
    list_display = ["campaign", "day", "views"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]
    date_hierarchy = "day"
