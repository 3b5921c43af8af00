"""A stand-in for Flutterwave that runs inside this site, for `make run` and browser tests.

Its checkout page (payments/sandbox_views.py) lets the user pick success or failure; the
transactions it creates live in the cache, and verify/refund read them back, so payments
go through the same verification, webhook and refund code as with Flutterwave. Transfers
complete at once, as in Flutterwave's test mode: a reference ending FAILING_REFERENCE fails,
any other succeeds, and `transfer.completed` is posted to our webhook like Flutterwave does.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

import requests
from django.conf import settings
from django.core.cache import cache

from gateways.base import (
    Checkout,
    Customer,
    GatewayError,
    PaymentGateway,
    RefundResult,
    Transaction,
    TransactionNotFound,
    Transfer,
    TransferResult,
)

logger = logging.getLogger(__name__)

# Used as `verif-hash` when FLUTTERWAVE_SECRET_HASH is unset; only the sandbox accepts it.
SANDBOX_SECRET_HASH = "sandbox-webhook-hash"  # noqa: S105 (a development default)
KEEP_SECONDS = 30 * 24 * 3600
OUTCOMES = ("successful", "failed")
FAILING_REFERENCE = "_PMCK_ST_F"  # Flutterwave's test-mode suffix for a transfer that fails
WEBHOOK_TIMEOUT = 10


@dataclass
class SandboxRoutes:
    """Where the sandbox's checkout page and our webhook are served: pages of the payments
    app, which plugs them in at start-up (payments.apps), so this leaf names no route of an
    app above it. What Flutterwave keeps in its dashboard, the sandbox keeps here."""

    checkout_path: Callable[[str], str] | None = None
    webhook_path: Callable[[], str] | None = None

    def url(self, path: Callable | None, *args) -> str:
        if path is None:
            raise GatewayError("The sandbox's routes are not set (payments sets them at start-up).")
        return settings.SITE_URL + path(*args)


routes = SandboxRoutes()


def sandbox_webhook_hash() -> str:
    """The `verif-hash` the sandbox signs its webhooks with, as Flutterwave uses the secret."""
    return settings.FLUTTERWAVE_SECRET_HASH or SANDBOX_SECRET_HASH


def post_webhook(*, url: str, body: dict) -> None:
    """Deliver a webhook to our site as Flutterwave would; a failure is only logged."""
    label = f"{body.get('event')} {body.get('data', {}).get('id')}"
    try:
        response = requests.post(
            url, json=body, headers={"verif-hash": sandbox_webhook_hash()}, timeout=WEBHOOK_TIMEOUT
        )
        logger.info("Sandbox webhook %s answered %s", label, response.status_code)
    except requests.RequestException as exc:
        logger.warning("Sandbox webhook %s not delivered: %s", label, exc)


def _checkout_key(tx_ref: str) -> str:
    return f"payments:sandbox:checkout:{tx_ref}"


def _transaction_key(transaction_id: str) -> str:
    return f"payments:sandbox:transaction:{transaction_id}"


def _reference_key(tx_ref: str) -> str:
    return f"payments:sandbox:reference:{tx_ref}"


def _transfer_key(transfer_id: str) -> str:
    return f"payments:sandbox:transfer:{transfer_id}"


def _next_transaction_id() -> str:
    cache.add("payments:sandbox:sequence", 7000000, timeout=None)
    return str(cache.incr("payments:sandbox:sequence"))


class SandboxGateway(PaymentGateway):
    name = "sandbox"

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
        checkout = {
            "tx_ref": tx_ref,
            "amount": str(amount),
            "currency": currency,
            "redirect_url": redirect_url,
            "customer": asdict(customer),
            "title": title,
            "description": description,
        }
        cache.set(_checkout_key(tx_ref), checkout, timeout=KEEP_SECONDS)
        link = routes.url(routes.checkout_path, tx_ref)
        return Checkout(link=link, raw={"link": link})

    def checkout(self, *, tx_ref: str) -> dict | None:
        """What `initialize` recorded for this reference, for the checkout page."""
        return cache.get(_checkout_key(tx_ref))

    def complete(self, *, tx_ref: str, outcome: str) -> Transaction:
        """The customer paid (or failed to): record a transaction as Flutterwave would."""
        checkout = self.checkout(tx_ref=tx_ref)
        if checkout is None or outcome not in OUTCOMES:
            raise GatewayError("No such sandbox checkout, or an unknown outcome.")
        transaction_id = _next_transaction_id()
        record = {
            "id": int(transaction_id),
            "tx_ref": tx_ref,
            "flw_ref": f"SANDBOX-{transaction_id}",
            "amount": checkout["amount"],
            "currency": checkout["currency"],
            "status": outcome,
            "customer": checkout["customer"],
        }
        cache.set(_transaction_key(transaction_id), record, timeout=KEEP_SECONDS)
        cache.set(_reference_key(tx_ref), transaction_id, timeout=KEEP_SECONDS)
        return self._transaction(record)

    @staticmethod
    def webhook_body(transaction: Transaction) -> dict:
        """The `charge.completed` event Flutterwave would post for this transaction."""
        return {"event": "charge.completed", "data": transaction.raw}

    def verify(self, *, transaction_id: str) -> Transaction:
        record = cache.get(_transaction_key(str(transaction_id)))
        if record is None:
            raise TransactionNotFound("No transaction was found for this id")
        return self._transaction(record)

    def verify_by_reference(self, *, tx_ref: str) -> Transaction:
        transaction_id = cache.get(_reference_key(tx_ref))
        if transaction_id is None:
            raise TransactionNotFound("No transaction was found for this tx_ref")
        return self.verify(transaction_id=transaction_id)

    def refund(
        self, *, transaction_id: str, amount: Decimal | None = None, comments: str = ""
    ) -> RefundResult:
        transaction = self.verify(transaction_id=transaction_id)
        if not transaction.successful:
            raise GatewayError("Only a successful transaction can be refunded.")
        refunded = transaction.amount if amount is None else amount
        return RefundResult(
            id=f"SANDBOX-REFUND-{transaction_id}",
            status="completed",
            amount=refunded,
            raw={"tx_id": transaction_id, "amount_refunded": str(refunded), "comments": comments},
        )

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
        """Record the transfer, settled at once, and post its `transfer.completed` webhook
        from a thread, so the payout's sender is not kept waiting on our own site."""
        transfer_id = _next_transaction_id()
        failing = reference.endswith(FAILING_REFERENCE)
        record = {
            "id": int(transfer_id),
            "account_number": account_number,
            "bank_code": account_bank,
            "full_name": beneficiary_name,
            "currency": currency,
            "amount": str(amount),
            "reference": reference,
            "narration": narration,
            "status": "FAILED" if failing else "SUCCESSFUL",
            "complete_message": "Account resolve failed"
            if failing
            else "Approved Or Completed Successfully",
        }
        cache.set(_transfer_key(transfer_id), record, timeout=KEEP_SECONDS)
        threading.Thread(
            target=post_webhook,
            kwargs={
                "url": routes.url(routes.webhook_path),
                "body": {"event": "transfer.completed", "data": record},
            },
            daemon=True,
        ).start()
        return TransferResult(
            id=transfer_id, reference=reference, status="NEW", raw=record | {"status": "NEW"}
        )

    def get_transfer(self, *, transfer_id: str) -> Transfer:
        record = cache.get(_transfer_key(str(transfer_id)))
        if record is None:
            raise TransactionNotFound("Transfer not found")
        return Transfer(
            id=str(record["id"]),
            reference=record["reference"],
            status=record["status"],
            amount=Decimal(record["amount"]),
            currency=record["currency"],
            complete_message=record["complete_message"],
            raw=dict(record),
        )

    @staticmethod
    def _transaction(record: dict) -> Transaction:
        return Transaction(
            id=str(record["id"]),
            tx_ref=record["tx_ref"],
            status=record["status"],
            amount=Decimal(record["amount"]),
            currency=record["currency"],
            raw=dict(record),
        )
