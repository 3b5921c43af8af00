"""Admin for scans: a searchable, read-only record of what happened at the door."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from validation.models import RefusedScan, Scan, ScannerDevice


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


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(ReadOnlyAdmin):
    """Devices pair and are revoked through the door page or the API (audited), not here."""

    list_display = ["name", "campaign", "paired_by", "paired_at", "last_seen_at", "revoked_at"]
    list_select_related = ["campaign", "paired_by"]
    search_fields = ["name", "campaign__title", "paired_by__email"]
    exclude = ["token_hash"]


@admin.register(RefusedScan)
class RefusedScanAdmin(ReadOnlyAdmin):
    list_display = ["nonce", "device", "ticket", "scanned_at", "received_at"]
    list_select_related = ["device", "ticket"]
    search_fields = ["nonce", "device__name", "=ticket__id"]
