"""Receipt and credit-note PDFs (A4, one page), rendered by WeasyPrint on request.

WeasyPrint is imported inside `render_receipt`, as for the tickets: web processes that never
render a PDF do not pay its import at start-up.
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from bookings.models import Receipt
from core.money_format import format_money


def render_receipt(receipt: Receipt) -> bytes:
    """Expects `receipt.booking.campaign` loaded; times in the campaign's own zone."""
    from weasyprint import HTML

    campaign = receipt.booking.campaign
    issued = timezone.localtime(receipt.issued_at, ZoneInfo(campaign.timezone))
    lines = [
        {
            "description": line["description"],
            "quantity": line["quantity"],
            "unit_price": format_money(Decimal(line["unit_price"]), receipt.currency),
            "amount": format_money(Decimal(line["amount"]), receipt.currency),
        }
        for line in receipt.lines
    ]
    context = {
        "receipt": receipt,
        "title": receipt.get_kind_display(),
        "campaign": campaign,
        "issued": f"{dateformat.format(issued, 'j M Y, H:i')} ({campaign.timezone})",
        "lines": lines,
        "total": format_money(receipt.total, receipt.currency),
        "net": format_money(receipt.net_amount, receipt.currency),
        "vat": format_money(receipt.vat_amount, receipt.currency),
    }
    html = render_to_string("bookings/receipt_pdf.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
