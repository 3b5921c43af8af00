"""Issuing receipts and credit notes, and reading them back as PDFs.

Numbers are gap-free and unique per seller and kind: a number is taken from the seller's
`ReceiptSequence` row, locked FOR UPDATE, in the same transaction that stores the document,
so a rolled-back issue gives its number back and two issues queue one behind the other. Lock
order: after the booking (and the payment, when the payments app issues): the sequence row
comes last.

The platform fee is never on a receipt: the buyer pays the ticket prices only, and the fee
is charged to the seller (finance's FEE ledger entry). VAT is included in the prices, at the
campaign's `vat_rate`, and shown as the tax part of the total.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.models import Role, SellerApplication
from bookings.models import Booking, Receipt, ReceiptSequence
from core.errors import NotFound
from core.locking import lock_one
from core.money import to_money


class ReceiptNotFound(NotFound):
    default_detail = "This booking has no such document."


def _next_number(*, seller_id: int, kind: str) -> int:
    """The seller's next number of `kind`; call inside the transaction that stores it."""
    ReceiptSequence.objects.get_or_create(seller_id=seller_id, kind=kind)
    sequence = lock_one(ReceiptSequence.objects, seller_id=seller_id, kind=kind)
    ReceiptSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    return sequence.last_number + 1


def _seller_identity(seller) -> tuple[str, list[str]]:
    """The business name and contact lines of the seller's approved application."""
    application = (
        SellerApplication.objects.filter(user=seller, status=SellerApplication.Status.APPROVED)
        .order_by("-reviewed_at", "-pk")
        .first()
    )
    if application is None:
        return seller.name or seller.email, [seller.email]
    details = [
        application.business_address,
        str(application.country.name),
        application.phone,
        seller.email,
    ]
    return application.business_name, [line for line in details if line]


def _lines(booking: Booking) -> list[dict]:
    """One line per item; any difference to the booking's total (a discount) as its own line."""
    lines = []
    for item in booking.items.select_related("ticket_type").order_by("pk"):
        amount = to_money(item.unit_price * item.quantity)
        lines.append(
            {
                "description": item.ticket_type.name,
                "quantity": item.quantity,
                "unit_price": str(item.unit_price),
                "amount": str(amount),
            }
        )
    difference = booking.total - sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    if difference:
        lines.append(
            {
                "description": "Discount",
                "quantity": 1,
                "unit_price": str(difference),
                "amount": str(difference),
            }
        )
    return lines


def vat_included(total: Decimal, rate: Decimal) -> Decimal:
    """The tax part of a price that includes VAT at `rate` percent, rounded to the cent."""
    return to_money(total * rate / (100 + rate)) if rate else Decimal("0.00")


def _issue(booking: Booking, *, kind: str, payment_reference: str) -> Receipt:
    campaign = booking.campaign
    seller_name, seller_details = _seller_identity(campaign.seller)
    return Receipt.objects.create(
        booking=booking,
        kind=kind,
        seller_id=campaign.seller_id,
        number=_next_number(seller_id=campaign.seller_id, kind=kind),
        seller_name=seller_name,
        seller_details=seller_details,
        buyer_name=booking.customer.name or booking.customer.email,
        buyer_email=booking.customer.email,
        lines=_lines(booking),
        currency=booking.currency,
        total=booking.total,
        vat_rate=campaign.vat_rate,
        vat_amount=vat_included(booking.total, campaign.vat_rate),
        payment_reference=payment_reference[:64],
    )


def receipt_issue(*, booking_id: int, payment_reference: str, kind: str = Receipt.Kind.RECEIPT):
    """The booking's receipt (or credit note), issued once with the seller's next number.

    For the payments app, in the transaction that confirms the payment (or records its
    refund); an existing document is returned as it is.
    """
    with transaction.atomic():
        existing = Receipt.objects.filter(booking_id=booking_id, kind=kind).first()
        if existing is not None:
            return existing
        booking = Booking.objects.select_related("campaign__seller", "customer").get(pk=booking_id)
        return _issue(booking, kind=kind, payment_reference=payment_reference)


def credit_note_issue(*, booking_id: int, payment_reference: str) -> Receipt:
    """The credit note of a refunded booking, issued once; see `receipt_issue`."""
    return receipt_issue(
        booking_id=booking_id, payment_reference=payment_reference, kind=Receipt.Kind.CREDIT_NOTE
    )


def receipt_pdf(
    *, booking_id: int, user, kind: str = Receipt.Kind.RECEIPT
) -> tuple[Receipt, bytes]:
    """The document and its PDF, rendered on request (~50 ms: no file is kept), for the
    booking's customer, the campaign's seller or a super admin; anyone else: not found."""
    from bookings.receipts.pdf import render_receipt

    receipt = (
        Receipt.objects.select_related("booking__campaign")
        .filter(booking_id=booking_id, kind=kind)
        .first()
    )
    allowed = receipt is not None and (
        user.role == Role.SUPER_ADMIN
        or user.pk in (receipt.booking.customer_id, receipt.booking.campaign.seller_id)
    )
    if not allowed:
        raise ReceiptNotFound()
    return receipt, render_receipt(receipt)
