"""Admin for payments, refunds and webhook events: searchable, raw payloads read-only; and
the campaigns admin's cancel action, since payments orchestrates a cancellation."""

from django.contrib import admin, messages
from django.shortcuts import render

from campaigns import admin as campaigns_admin
from campaigns.models import Campaign
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from payments import services
from payments.models import Payment, Refund, WebhookEvent


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = [
        "amount",
        "currency",
        "reason",
        "status",
        "gateway_refund_id",
        "requested_by",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "tx_ref",
        "booking",
        "customer_email",
        "amount",
        "currency",
        "status",
        "gateway",
        "created_at",
    ]
    list_filter = ["status", "gateway", "currency"]
    search_fields = [
        "tx_ref",
        "gateway_transaction_id",
        "booking__reference",
        "=booking__id",
        "booking__customer__email",
    ]
    list_select_related = ["booking__customer"]
    readonly_fields = [field.name for field in Payment._meta.fields]
    inlines = [RefundInline]
    actions = ["refund_bookings"]

    @admin.display(description="Customer", ordering="booking__customer__email")
    def customer_email(self, payment):
        return payment.booking.customer.email

    @admin.action(description="Refund the bookings of the selected payments")
    def refund_bookings(self, request, queryset):
        refunded = 0
        for payment in queryset.select_related("booking"):
            try:
                services.payment_refund(booking_id=payment.booking_id, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{payment.tx_ref}: {exc.detail}", messages.ERROR)
            else:
                refunded += 1
        self.message_user(request, f"{refunded} booking(s) refunded.")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event", "tx_ref", "transaction_id", "deliveries", "result"]
    list_filter = ["event", "result", "gateway"]
    search_fields = ["tx_ref", "transaction_id", "dedupe_key"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]


admin.site.unregister(Campaign)


@admin.register(Campaign)
class CampaignAdmin(campaigns_admin.CampaignAdmin):
    """The campaigns admin, plus cancelling: the campaign stops selling, then its holds are
    released and its paid bookings refunded (payments.services.campaign_cancel)."""

    actions = [*campaigns_admin.CampaignAdmin.actions, "cancel"]

    @admin.action(description="Cancel the selected campaigns and refund their buyers…")
    def cancel(self, request, queryset):
        """Asks for confirmation on an intermediate page, then cancels through the service."""
        if "apply" in request.POST:
            self._each(request, queryset, services.campaign_cancel, "cancelled")
            return None
        return render(
            request,
            "admin/campaigns/campaign/cancel.html",
            {
                **self.admin_site.each_context(request),
                "campaigns": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "title": "Cancel campaigns",
            },
        )
