"""Money: Decimal amounts with two places everywhere, one rounding rule.

Amounts are stored as DECIMAL(12, 2) beside a currency column. Rounding is half-up to the
cent, the rule customers expect on a receipt; minor units appear only at gateway edges.
"""

from decimal import ROUND_HALF_UP, Decimal

MONEY_PLACES = Decimal("0.01")
MAX_DIGITS = 12
DECIMAL_PLACES = 2


def to_money(value) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
