"""Admin for seller money: the ledger and payouts read-only, account numbers never in full."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from finance.models import LedgerEntry, Payout, WithdrawalMethod


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "seller", "kind", "amount", "currency", "booking", "payout"]
    list_filter = ["kind", "currency"]
    search_fields = ["seller__email", "booking__reference", "payout__reference"]
    list_select_related = ["seller", "booking", "payout"]
    date_hierarchy = "created_at"


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["reference", "seller", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["reference", "seller__email", "gateway_transfer_id"]
    list_select_related = ["seller"]
    readonly_fields = [
        "seller",
        "method",
        "amount",
        "currency",
        "status",
        "reference",
        "gateway_transfer_id",
        "failure_reason",
        "send_attempted_at",
        "sent_at",
        "completed_at",
        "created_at",
        "updated_at",
    ]


@admin.register(WithdrawalMethod)
class WithdrawalMethodAdmin(ReadOnlyAdmin):
    list_display = ["seller", "kind", "masked_account_number", "account_name", "currency"]
    list_filter = ["kind", "currency", "is_default"]
    search_fields = ["seller__email", "account_name", "account_last4"]
    list_select_related = ["seller"]
    # account_number is left out on purpose: only its last four digits are ever shown.
    fields = readonly_fields = [
        "seller",
        "kind",
        "bank_code",
        "masked_account_number",
        "account_name",
        "country",
        "currency",
        "is_default",
        "removed_at",
        "created_at",
    ]
