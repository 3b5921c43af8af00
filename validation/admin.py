"""Admin for scans: a searchable, read-only record of what happened at the door."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from validation.models import Scan


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    """Scans are evidence: they change only through the validation services."""

    list_display = [
        "nonce",
        "result",
        "conflict",
        "offline",
        "ticket",
        "campaign",
        "manager",
        "device_id",
        "scanned_at",
        "received_at",
    ]
    list_filter = ["result", "conflict", "offline"]
    list_select_related = ["ticket__ticket_type", "campaign", "manager"]
    search_fields = ["nonce", "device_id", "manager__email", "=ticket__id", "campaign__title"]
    date_hierarchy = "scanned_at"
    readonly_fields = [field.name for field in Scan._meta.fields]
