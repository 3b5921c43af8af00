"""Admin for bookings with their items and tickets, promo codes and waiting lists, to look
things up: read-only, because status, seats, money, tickets, code uses and offers change only
through the services (they keep `reserved` and the code limits right). Deactivating codes is
an action, through the codes service. Refunds are an action of the payments admin."""

from django.contrib import admin, messages
from django.db.models import Count, Q

from bookings.codes import services as codes
from bookings.models import Booking, BookingItem, Offer, Ticket, WaitingListEntry
from campaigns.models import PromoCode
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


@admin.register(PromoCode)
class PromoCodeAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "campaign",
        "kind",
        "value",
        "uses_taken",
        "max_uses",
        "valid_until",
        "active",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["=code", "campaign__title", "campaign__seller__email"]
    list_select_related = ["campaign"]
    actions = ["deactivate"]
    # What identifies a code, the settings the codes service changes, its types.
    fields = readonly_fields = [
        "campaign",
        "code",
        *codes.CODE_FIELDS,
        "ticket_types",
        "created_at",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(taken=Count("uses", filter=Q(uses__released_at__isnull=True)))
        )

    @admin.display(description="uses", ordering="taken")
    def uses_taken(self, promo):
        return promo.taken

    def has_deactivate_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Deactivate the selected codes", permissions=["deactivate"])
    def deactivate(self, request, queryset):
        active = queryset.filter(active=True)
        for promo in active:
            codes.promo_code_deactivate(promo=promo, actor=request.user)
        self.message_user(request, f"{len(active)} code(s) deactivated.", messages.SUCCESS)


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyAdmin):
    list_display = ["customer", "ticket_type", "quantity", "status", "joined_at"]
    list_filter = ["status", "joined_at"]
    search_fields = ["customer__email", "ticket_type__name", "ticket_type__campaign__title"]
    list_select_related = ["customer", "ticket_type__campaign"]
    fields = readonly_fields = [
        "customer",
        "ticket_type",
        "quantity",
        "status",
        "joined_at",
        "updated_at",
    ]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["entry", "ticket_type", "quantity", "status", "expires_at", "booking"]
    list_filter = ["status", "expires_at"]
    search_fields = ["entry__customer__email", "ticket_type__campaign__title"]
    list_select_related = ["entry__customer", "ticket_type__campaign", "booking"]
    fields = readonly_fields = [
        "entry",
        "ticket_type",
        "quantity",
        "status",
        "expires_at",
        "booking",
        "emailed_at",
        "created_at",
    ]
