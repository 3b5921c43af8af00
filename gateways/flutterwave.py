"""Flutterwave API v3 client: hosted checkout, verification, refunds, transfers.

Only GETs are retried (they change nothing); a POST that times out is reported as
`GatewayUnavailable` and its caller decides, since v3 has no idempotency header.
"""

import json
import logging
import time
from decimal import Decimal
from urllib.parse import quote

import requests
from django.conf import settings

from gateways.base import (
    TRANSFER_STATUSES,
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

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
GET_ATTEMPTS = 3
RETRY_BACKOFF = 0.25
NOT_FOUND_MESSAGES = ("no transaction", "not found")


def _segment(value) -> str:
    """A value placed in a URL path, escaped so it stays one segment."""
    return quote(str(value), safe="")


def _amount(value) -> str:
    return str(Decimal(value))


class FlutterwaveGateway(PaymentGateway):
    name = "flutterwave"

    def __init__(self, *, secret_key: str | None = None, base_url: str | None = None):
        self.secret_key = secret_key if secret_key is not None else settings.FLUTTERWAVE_SECRET_KEY
        self.base_url = (base_url or settings.FLUTTERWAVE_BASE_URL).rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {self.secret_key}", "Accept": "application/json"}
        )

    # --- HTTP ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> dict:
        """One call; returns the answer's `data`, raising GatewayError/GatewayUnavailable."""
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method, url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), **kwargs
            )
        except requests.RequestException as exc:
            raise GatewayUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{method} {path}: HTTP {response.status_code}")
        try:
            body = json.loads(response.text, parse_float=Decimal)
        except ValueError as exc:
            raise GatewayError(f"{method} {path}: answer is not JSON") from exc
        if not isinstance(body, dict):
            raise GatewayError(f"{method} {path}: unexpected answer")
        if response.status_code >= 400 or body.get("status") != "success":
            message = str(body.get("message") or f"HTTP {response.status_code}")
            if response.status_code == 404 or any(
                phrase in message.lower() for phrase in NOT_FOUND_MESSAGES
            ):
                raise TransactionNotFound(message)
            raise GatewayError(f"{method} {path}: {message}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise GatewayError(f"{method} {path}: answer has no data")
        return data

    def _get(self, path: str, params: dict | None = None) -> dict:
        """GET with retries on timeouts and 5xx: reading twice is harmless."""
        attempt = 1
        while True:
            try:
                return self._request("GET", path, params=params)
            except GatewayUnavailable:
                if attempt >= GET_ATTEMPTS:
                    raise
                logger.warning("Flutterwave GET %s failed, attempt %d", path, attempt)
                time.sleep(RETRY_BACKOFF * attempt)
                attempt += 1

    def _post(self, path: str, payload: dict) -> dict:
        return self._request("POST", path, json=payload)

    # --- Operations ------------------------------------------------------------------------

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
        payload = {
            "tx_ref": tx_ref,
            "amount": _amount(amount),
            "currency": currency,
            "redirect_url": redirect_url,
            "customer": {
                "email": customer.email,
                "name": customer.name,
                "phonenumber": customer.phone,
            },
            "customizations": {"title": title, "description": description},
            "meta": meta or {},
        }
        data = self._post("/v3/payments", payload)
        link = data.get("link")
        if not link:
            raise GatewayError("Checkout answer has no link")
        return Checkout(link=link, raw=_jsonable(data))

    def verify(self, *, transaction_id: str) -> Transaction:
        return self._transaction(self._get(f"/v3/transactions/{_segment(transaction_id)}/verify"))

    def verify_by_reference(self, *, tx_ref: str) -> Transaction:
        return self._transaction(
            self._get("/v3/transactions/verify_by_reference", params={"tx_ref": tx_ref})
        )

    def refund(
        self, *, transaction_id: str, amount: Decimal | None = None, comments: str = ""
    ) -> RefundResult:
        payload: dict = {"comments": comments} if comments else {}
        if amount is not None:
            payload["amount"] = _amount(amount)
        data = self._post(f"/v3/transactions/{_segment(transaction_id)}/refund", payload)
        return RefundResult(
            id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            amount=Decimal(str(data.get("amount_refunded", amount or 0))),
            raw=_jsonable(data),
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
        data = self._post(
            "/v3/transfers",
            {
                "account_bank": account_bank,
                "account_number": account_number,
                "amount": _amount(amount),
                "currency": currency,
                "narration": narration,
                "reference": reference,
                "beneficiary_name": beneficiary_name,
            },
        )
        return TransferResult(
            id=str(data.get("id", "")),
            reference=str(data.get("reference", reference)),
            status=str(data.get("status", "")),
            raw=_jsonable(data),
        )

    def get_transfer(self, *, transfer_id: str) -> Transfer:
        data = self._get(f"/v3/transfers/{_segment(transfer_id)}")
        try:
            transfer = Transfer(
                id=str(data["id"]),
                reference=str(data["reference"]),
                status=str(data["status"]).upper(),
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]).upper(),
                complete_message=str(data.get("complete_message") or ""),
                raw=_jsonable(data),
            )
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise GatewayError(f"Transfer answer is incomplete: {exc}") from exc
        if transfer.status not in TRANSFER_STATUSES:
            raise GatewayError(f"Transfer answer has an unknown status {transfer.status!r}")
        return transfer

    @staticmethod
    def _transaction(data: dict) -> Transaction:
        try:
            return Transaction(
                id=str(data["id"]),
                tx_ref=str(data["tx_ref"]),
                status=str(data["status"]).lower(),
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]).upper(),
                raw=_jsonable(data),
            )
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise GatewayError(f"Transaction answer is incomplete: {exc}") from exc


def _jsonable(data: dict) -> dict:
    """The answer as plain JSON values (Decimals as strings), for storing in a JSONField."""
    return json.loads(json.dumps(data, default=str))
