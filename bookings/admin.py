"""Admin for bookings with their items and tickets, to look things up: read-only, because
status, seats, money and tickets change only through the services (they keep `reserved`
right). Refunds are an action of the payments admin."""

from django.contrib import admin

from bookings.models import Booking, BookingItem, Ticket
from core.admin import ReadOnlyAdmin


class BookingItemInline(admin.StackedInline):
    model = BookingItem
    extra = 0
    fields = readonly_fields = ["ticket_type", "quantity", "unit_price"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TicketInline(BookingItemInline):
    model = Ticket
    fields = readonly_fields = [
        "ticket_type",
        "holder_name",
        "admits",
        "scans_allowed",
        "scans_used",
        "status",
    ]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "customer",
        "campaign",
        "status",
        "total",
        "currency",
        "created_at",
    ]
    list_filter = ["status", "issuance", "currency", "created_at"]
    search_fields = ["reference", "customer__email", "campaign__title"]
    list_select_related = ["customer", "campaign"]
    date_hierarchy = "created_at"
    inlines = [BookingItemInline, TicketInline]
    fields = readonly_fields = [
        "reference",
        "customer",
        "campaign",
        "status",
        "issuance",
        "holder_names",
        "total",
        "currency",
        "expires_at",
        "idempotency_key",
        "confirmed_at",
        "confirmed_via",
        "confirmed_by",
        "cancelled_at",
        "refund_requested_at",
        "refunded_at",
        "tickets_emailed_at",
        "created_at",
    ]
