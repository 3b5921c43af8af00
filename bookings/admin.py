"""Admin for bookings with their items and tickets; amounts and seats are read-only."""

from django.contrib import admin

from bookings.models import Booking, BookingItem, Ticket


class BookingItemInline(admin.TabularInline):
    model = BookingItem
    extra = 0
    can_delete = False
    readonly_fields = ["ticket_type", "quantity", "unit_price"]

    def has_add_permission(self, request, obj=None):
        return False


class TicketInline(admin.TabularInline):
    model = Ticket
    extra = 0
    can_delete = False
    readonly_fields = [
        "ticket_type",
        "holder_name",
        "admits",
        "scans_allowed",
        "scans_used",
        "status",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
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
    # Status, seats and money change only through the services (they keep `reserved` right).
    readonly_fields = [
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
        "created_at",
    ]
    exclude = ["request_fingerprint"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
