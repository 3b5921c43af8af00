"""The one interface every payment gateway implements, and the small results it returns.

Gateways are plain HTTP clients: no models, no imports from our apps. Amounts cross this
boundary as `Decimal` in major units; the gateway module converts at its own edge.
"""

from abc import ABC, abstractmethod
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


TRANSFER_STATUSES = ("NEW", "PENDING", "SUCCESSFUL", "FAILED")


@dataclass(frozen=True)
class Transfer:
    """A transfer as the gateway reports it; `status` is one of TRANSFER_STATUSES."""

    id: str
    reference: str
    status: str
    amount: Decimal
    currency: str
    complete_message: str = ""
    raw: dict = field(default_factory=dict)


class PaymentGateway(ABC):
    """What payments (checkout, verification, refunds) and finance (payouts) need."""

    name: str = ""

    @abstractmethod
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
        """Open a hosted checkout for `tx_ref` (unique per attempt); returns its link."""

    @abstractmethod
    def verify(self, *, transaction_id: str) -> Transaction:
        """The gateway's own record of a transaction: the only thing we give value on."""

    @abstractmethod
    def verify_by_reference(self, *, tx_ref: str) -> Transaction:
        """Like `verify`, by our `tx_ref` (for payments whose id we never saw)."""

    @abstractmethod
    def refund(
        self, *, transaction_id: str, amount: Decimal | None = None, comments: str = ""
    ) -> RefundResult:
        """Refund a transaction, in full unless `amount` is given."""

    @abstractmethod
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
        """Send a payout; `reference` is unique and ours, the gateway's only de-duplication."""

    @abstractmethod
    def get_transfer(self, *, transfer_id: str) -> Transfer:
        """The gateway's own record of a transfer: the only thing a payout is settled on,
        since a `transfer.completed` webhook body can be forged."""
