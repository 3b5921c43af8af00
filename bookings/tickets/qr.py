"""QR tokens of tickets: short, encrypted under the campaign's key, unforgeable.

A token reads `T1.<campaign public id>.<body>`. The body is base64url (no padding) of
`key version (2 bytes) || nonce (12) || AES-256-GCM(ticket id, scans allowed) with its tag`.
The associated data binds the ciphertext to the format version, the campaign (id and public
id) and the key version, so a token moved to another campaign or relabelled with another key
version fails authentication. About 68 characters: a version 5 QR code at error level M.

Decoding never raises for bad input: it returns a `DecodedToken` whose `reason` says why it
was refused. Scanners that work offline use `open_token` with the keys of their bundle.
"""

import base64
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import OuterRef, QuerySet, Subquery

from bookings.models import Ticket
from campaigns.models import Campaign, CampaignKey
from core.crypto import NONCE_BYTES, DecryptionError, decrypt, encrypt

FORMAT_VERSION = "T1"
# Refuse anything longer before looking at it: a scanner may hand over any blob.
MAX_TOKEN_LENGTH = 128
_HEADER = struct.Struct(">H")  # key version, in clear: it picks the key
_PAYLOAD = struct.Struct(">QI")  # ticket id, scans allowed
_TAG_BYTES = 16
_BODY_BYTES = _HEADER.size + NONCE_BYTES + _PAYLOAD.size + _TAG_BYTES
# 42 bytes are exactly 56 base64 characters: no padding bits, one spelling per body.
_BODY_CHARS = (_BODY_BYTES * 4 + 2) // 3
_VERSION_PREFIX = re.compile(r"T[0-9]{1,3}\.")
_SHAPE = re.compile(rf"(T[0-9]{{1,3}})\.([A-Za-z0-9_-]{{1,16}})\.([A-Za-z0-9_-]{{{_BODY_CHARS}}})")


class Reason(StrEnum):
    MALFORMED = "malformed"  # not a token: wrong shape, truncated, too long, not text
    UNKNOWN_VERSION = "unknown_version"  # a token format this code does not read
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    UNKNOWN_KEY = "unknown_key"  # the campaign has no key of that version
    WRONG_CAMPAIGN = "wrong_campaign"  # authentic, but for another campaign than expected
    FORGED = "forged"  # authentication failed: altered, or made under another key
    SUPERSEDED = "superseded"  # authentic, but the ticket was re-issued a newer token
    UNKNOWN_TICKET = "unknown_ticket"


@dataclass(frozen=True)
class DecodedToken:
    """The outcome of decoding; `ok` only when every check passed."""

    reason: Reason | None
    campaign_id: int | None = None
    key_version: int | None = None
    ticket_id: int | None = None
    scans_allowed: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class ParsedToken:
    public_id: str
    key_version: int
    sealed: bytes  # nonce || ciphertext || tag


def _associated_data(*, campaign_id: int, public_id: str, key_version: int) -> bytes:
    return f"{FORMAT_VERSION}|{campaign_id}|{public_id}|{key_version}".encode()


def encode_token(
    *,
    campaign_id: int,
    public_id: str,
    key_version: int,
    key: bytes,
    ticket_id: int,
    scans_allowed: int,
) -> str:
    """Seal a ticket's id and allowance under one campaign key version."""
    sealed = encrypt(
        _PAYLOAD.pack(ticket_id, scans_allowed),
        associated_data=_associated_data(
            campaign_id=campaign_id, public_id=public_id, key_version=key_version
        ),
        key=key,
    )
    body = base64.urlsafe_b64encode(_HEADER.pack(key_version) + sealed).decode().rstrip("=")
    return f"{FORMAT_VERSION}.{public_id}.{body}"


def parse_token(token: object) -> ParsedToken | DecodedToken:
    """Split a token without keys or database; a `DecodedToken` is a refusal."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return DecodedToken(Reason.MALFORMED)
    match = _SHAPE.fullmatch(token)
    if match is None:
        if _VERSION_PREFIX.match(token) and not token.startswith(f"{FORMAT_VERSION}."):
            return DecodedToken(Reason.UNKNOWN_VERSION)
        return DecodedToken(Reason.MALFORMED)
    version, public_id, body = match.groups()
    if version != FORMAT_VERSION:
        return DecodedToken(Reason.UNKNOWN_VERSION)
    raw = base64.urlsafe_b64decode(body)
    (key_version,) = _HEADER.unpack_from(raw)
    return ParsedToken(public_id=public_id, key_version=key_version, sealed=raw[_HEADER.size :])


def open_token(parsed: ParsedToken, *, campaign_id: int, keys: dict[int, bytes]) -> DecodedToken:
    """Authenticate and open a parsed token of the campaign `campaign_id` (its public id
    already matched) with its keys by version."""
    key = keys.get(parsed.key_version)
    if key is None:
        return DecodedToken(Reason.UNKNOWN_KEY, campaign_id=campaign_id)
    try:
        plaintext = decrypt(
            parsed.sealed,
            associated_data=_associated_data(
                campaign_id=campaign_id, public_id=parsed.public_id, key_version=parsed.key_version
            ),
            key=key,
        )
    except DecryptionError:
        return DecodedToken(Reason.FORGED, campaign_id=campaign_id)
    ticket_id, scans_allowed = _PAYLOAD.unpack(plaintext)
    return DecodedToken(
        None,
        campaign_id=campaign_id,
        key_version=parsed.key_version,
        ticket_id=ticket_id,
        scans_allowed=scans_allowed,
    )


def decode_token(token: object, *, expected_campaign_id: int | None = None) -> DecodedToken:
    """Decode a scanned token against the stored campaign keys.

    WRONG_CAMPAIGN is only said of an authentic token: a forged one is FORGED whatever
    campaign it names.
    """
    parsed = parse_token(token)
    if isinstance(parsed, DecodedToken):
        return parsed
    # One query: the campaign, and beside it the key of the token's version (NULL if none,
    # a version beyond the column's range included).
    key = CampaignKey.objects.filter(campaign=OuterRef("pk"), version=parsed.key_version)
    found = (
        Campaign.objects.filter(public_id=parsed.public_id)
        .annotate(secret=Subquery(key.values("secret")))
        .values_list("pk", "secret")
        .first()
    )
    if found is None:
        return DecodedToken(Reason.UNKNOWN_CAMPAIGN)
    campaign_id, secret = found
    keys = {} if secret is None else {parsed.key_version: CampaignKey(secret=secret).key_bytes}
    decoded = open_token(parsed, campaign_id=campaign_id, keys=keys)
    if decoded.ok and expected_campaign_id is not None and campaign_id != expected_campaign_id:
        return DecodedToken(
            Reason.WRONG_CAMPAIGN,
            campaign_id=campaign_id,
            key_version=decoded.key_version,
            ticket_id=decoded.ticket_id,
            scans_allowed=decoded.scans_allowed,
        )
    return decoded


def ticket_for_token(
    token: object,
    *,
    expected_campaign_id: int | None = None,
    read: Callable[[QuerySet[Ticket]], Ticket | None] = QuerySet.first,
) -> tuple[DecodedToken, Ticket | None]:
    """The ticket a scanned token stands for, refusing tokens replaced by a re-issue.

    After a key rotation re-issues a ticket, its old token still decodes (old key versions
    stay readable) but no longer matches the stored one: SUPERSEDED. `read` fetches the one
    ticket of a queryset, or None: the door passes a locking read, so that the row it
    decides on is the row it counts.
    """
    decoded = decode_token(token, expected_campaign_id=expected_campaign_id)
    if not decoded.ok:
        return decoded, None
    ticket = read(
        Ticket.objects.select_related("booking", "ticket_type").filter(
            pk=decoded.ticket_id, booking__campaign_id=decoded.campaign_id
        )
    )
    if ticket is None:
        return DecodedToken(Reason.UNKNOWN_TICKET, campaign_id=decoded.campaign_id), None
    if ticket.qr_token != token:
        return (
            DecodedToken(
                Reason.SUPERSEDED,
                campaign_id=decoded.campaign_id,
                key_version=decoded.key_version,
                ticket_id=decoded.ticket_id,
            ),
            None,
        )
    return decoded, ticket
