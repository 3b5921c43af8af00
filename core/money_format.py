"""How an amount of money reads on pages, in e-mails and in PDFs: one format per currency.

The currency code, a no-break space, then the amount with thousands grouped and as many
decimals as the currency's minor unit (ISO 4217): "NGN 5,000.00", "UGX 50,000", "KWD 1.250".
Display rounding is half-up, the rule of `to_money`; stored amounts are never changed.
"""

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_MINOR_UNITS = 2
# ISO 4217 currencies whose minor unit is not the hundredth.
MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
NO_BREAK_SPACE = "\u00a0"


def minor_units(currency: str) -> int:
    """Decimals of the currency's minor unit: 2 unless ISO 4217 says otherwise."""
    return MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNITS)


def format_money(amount, currency: str) -> str:
    """`amount` (Decimal, int or numeric string) in `currency`, e.g. "NGN 5,000.00";
    a negative amount reads "-NGN 250.00"."""
    places = minor_units(currency)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{NO_BREAK_SPACE}{abs(value):,.{places}f}"
