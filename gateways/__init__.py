"""Payment gateways: plain HTTP clients with no models, shared by payments and finance.

`get_gateway()` returns the one selected by `settings.PAYMENT_GATEWAY`.
"""

from django.conf import settings

from gateways.base import (
    Checkout,
    Customer,
    GatewayError,
    GatewayUnavailable,
    PaymentGateway,
    RefundResult,
    Transaction,
    TransactionNotFound,
    Transfer,
    TransferResult,
)
from gateways.flutterwave import FlutterwaveGateway
from gateways.sandbox import SANDBOX_SECRET_HASH, SandboxGateway, sandbox_webhook_hash

GATEWAYS = {"flutterwave": FlutterwaveGateway, "sandbox": SandboxGateway}

__all__ = [
    "Checkout",
    "Customer",
    "GatewayError",
    "GatewayUnavailable",
    "SANDBOX_SECRET_HASH",
    "PaymentGateway",
    "RefundResult",
    "Transaction",
    "TransactionNotFound",
    "Transfer",
    "TransferResult",
    "get_gateway",
    "sandbox_enabled",
    "webhook_secret_hash",
]


def sandbox_enabled() -> bool:
    return settings.PAYMENT_GATEWAY == "sandbox"


def get_gateway(name: str = "") -> PaymentGateway:
    """The gateway called `name` (a payment's own), else the one the settings select."""
    name = name or settings.PAYMENT_GATEWAY
    try:
        return GATEWAYS[name]()
    except KeyError:
        raise ValueError(f"Unknown payment gateway {name!r}; one of {sorted(GATEWAYS)}") from None


def webhook_secret_hash() -> str:
    """The `verif-hash` our webhooks must carry; empty means every webhook is refused."""
    return sandbox_webhook_hash() if sandbox_enabled() else settings.FLUTTERWAVE_SECRET_HASH
