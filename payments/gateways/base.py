"""The one interface every payment gateway implements, and the small results it returns.

Gateways are plain HTTP clients: no models, no imports from our apps. Amounts cross this
boundary as `Decimal` in major units; the gateway module converts at its own edge.
"""

from dataclasses import dataclass, field
from decimal import Decimal


class GatewayError(Exception):
    """The gateway answered and refused (4xx, or an answer we cannot use)."""


class GatewayUnavailable(GatewayError):
    """Timeout, connection failure or 5xx: nothing is known, try again later."""


class TransactionNotFound(GatewayError):
    """The gateway has no transaction for this id or reference (not paid yet, or never)."""


@dataclass(frozen=True)
class Customer:
    email: str
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Checkout:
    link: str
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Transaction:
    """A transaction as the gateway reports it; `status` is the gateway's own word."""

    id: str
    tx_ref: str
    status: str
    amount: Decimal
    currency: str
    raw: dict = field(default_factory=dict)

    @property
    def successful(self) -> bool:
        return self.status == "successful"


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount: Decimal
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TransferResult:
    id: str
    reference: str
    status: str
    raw: dict = field(default_factory=dict)


class PaymentGateway:
    """What payments (checkout, verification, refunds) and finance (payouts) need."""

    name: str = ""

    def initialize(
        self,
        *,
        tx_ref: str,
        amount: Decimal,
        currency: str,
        redirect_url: str,
        customer: Customer,
        title: str = "",
        description: str = "",
        meta: dict | None = None,
    ) -> Checkout:
        raise NotImplementedError

    def verify(self, *, transaction_id: str) -> Transaction:
        raise NotImplementedError

    def verify_by_reference(self, *, tx_ref: str) -> Transaction:
        raise NotImplementedError

    def refund(
        self, *, transaction_id: str, amount: Decimal | None = None, comments: str = ""
    ) -> RefundResult:
        raise NotImplementedError

    def transfer(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        account_bank: str,
        account_number: str,
        beneficiary_name: str,
        narration: str = "",
    ) -> TransferResult:
        raise NotImplementedError
