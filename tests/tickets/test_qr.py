"""QR tokens: round trip, and every kind of damage refused with its own reason."""

import base64
import random
import string

import pytest

from accounts.models import AuditEvent
from bookings.models import Ticket
from bookings.tickets.qr import (
    MAX_TOKEN_LENGTH,
    DecodedToken,
    Reason,
    decode_token,
    encode_token,
    ticket_for_token,
)
from bookings.tickets.reissue import campaign_qr_key_rotate
from campaigns.models import CampaignKey
from core.crypto import new_key
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(group_booking):
    return group_booking.tickets.get()


def _body_bytes(token: str) -> tuple[str, bytes]:
    prefix, _, body = token.rpartition(".")
    return prefix, base64.urlsafe_b64decode(body)


def _with_body(prefix: str, raw: bytes) -> str:
    return f"{prefix}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def test_a_new_ticket_carries_a_short_token_that_decodes_to_it(ticket, campaign):
    assert ticket.qr_key_version == 1
    assert len(ticket.qr_token) == 68
    assert ticket.qr_token.startswith(f"T1.{campaign.public_id}.")
    assert decode_token(ticket.qr_token) == DecodedToken(
        None, campaign_id=campaign.pk, key_version=1, ticket_id=ticket.pk, scans_allowed=6
    )
    assert decode_token(ticket.qr_token, expected_campaign_id=campaign.pk).ok


def test_two_tokens_of_the_same_ticket_differ_by_their_random_nonce(ticket, campaign):
    key = campaign.keys.get()
    made = {
        encode_token(
            campaign_id=campaign.pk,
            public_id=campaign.public_id,
            key_version=1,
            key=key.key_bytes,
            ticket_id=ticket.pk,
            scans_allowed=6,
        )
        for _ in range(2)
    }
    assert len(made) == 2
    assert {decode_token(token).ticket_id for token in made} == {ticket.pk}


def test_every_bit_flipped_in_the_body_is_refused(ticket):
    prefix, raw = _body_bytes(ticket.qr_token)
    for index in range(len(raw)):
        for bit in range(8):
            altered = bytearray(raw)
            altered[index] ^= 1 << bit
            decoded = decode_token(_with_body(prefix, bytes(altered)))
            # The first two bytes name the key version: another version does not exist.
            expected = Reason.UNKNOWN_KEY if index < 2 else Reason.FORGED
            assert decoded.reason == expected, (index, bit)
            assert decoded.ticket_id is None


def test_every_character_replaced_is_refused(ticket):
    token = ticket.qr_token
    for index, char in enumerate(token):
        for replacement in ("A", "z", "-", ".", "é"):
            if replacement == char:
                continue
            altered = token[:index] + replacement + token[index + 1 :]
            decoded = decode_token(altered)
            assert not decoded.ok, (index, replacement)
            assert decoded.ticket_id is None


def test_every_truncation_and_an_extension_are_malformed(ticket):
    token = ticket.qr_token
    for length in range(len(token)):
        assert decode_token(token[:length]).reason == Reason.MALFORMED, length
    assert decode_token(token + "A").reason == Reason.MALFORMED
    assert decode_token(" " + token).reason == Reason.MALFORMED


def test_an_unknown_format_version_is_named(ticket):
    rest = ticket.qr_token.removeprefix("T1.")
    assert decode_token(f"T2.{rest}").reason == Reason.UNKNOWN_VERSION
    assert decode_token(f"T99.{rest}").reason == Reason.UNKNOWN_VERSION
    assert decode_token("T7.anything").reason == Reason.UNKNOWN_VERSION


def test_an_unknown_campaign_is_named(ticket, campaign):
    token = ticket.qr_token.replace(campaign.public_id, "nosuchid", 1)
    assert decode_token(token) == DecodedToken(Reason.UNKNOWN_CAMPAIGN)


def test_a_token_of_another_campaign_is_wrong_campaign_only_when_authentic(ticket, campaign):
    other = CampaignFactory()
    assert decode_token(ticket.qr_token, expected_campaign_id=other.pk) == DecodedToken(
        Reason.WRONG_CAMPAIGN,
        campaign_id=campaign.pk,
        key_version=1,
        ticket_id=ticket.pk,
        scans_allowed=6,
    )
    # Relabelled with the other campaign's public id it no longer authenticates.
    moved = ticket.qr_token.replace(campaign.public_id, other.public_id, 1)
    assert decode_token(moved).reason == Reason.FORGED
    assert decode_token(moved, expected_campaign_id=other.pk).reason == Reason.FORGED


def test_a_token_sealed_with_another_key_is_forged(ticket, campaign):
    forged = encode_token(
        campaign_id=campaign.pk,
        public_id=campaign.public_id,
        key_version=1,
        key=new_key(),
        ticket_id=ticket.pk,
        scans_allowed=99,
    )
    assert decode_token(forged) == DecodedToken(Reason.FORGED, campaign_id=campaign.pk)


def test_after_rotation_old_tokens_decode_and_a_relabelled_one_is_forged(ticket, campaign):
    old_token = ticket.qr_token
    CampaignKey.objects.create(
        campaign=campaign, version=2, secret=base64.b64encode(new_key()).decode()
    )
    assert decode_token(old_token).ok
    prefix, raw = _body_bytes(old_token)
    relabelled = _with_body(prefix, (2).to_bytes(2, "big") + raw[2:])
    assert decode_token(relabelled) == DecodedToken(Reason.FORGED, campaign_id=campaign.pk)


def test_random_garbage_and_non_text_are_malformed(campaign):
    generator = random.Random(6)
    alphabet = string.ascii_letters + string.digits + "-_."
    for _ in range(300):
        garbage = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 100)))
        assert decode_token(garbage).reason == Reason.MALFORMED
    for value in (None, 42, b"T1.abc", ["T1"], "", "\x00" * 68):
        assert decode_token(value).reason == Reason.MALFORMED


def test_random_bodies_under_a_real_campaign_are_forged_or_of_unknown_keys(campaign):
    generator = random.Random(7)
    reasons = set()
    for _ in range(200):
        raw = bytes([0, 1]) + generator.randbytes(40)
        reasons.add(decode_token(_with_body(f"T1.{campaign.public_id}", raw)).reason)
        raw = generator.randbytes(42)
        reasons.add(decode_token(_with_body(f"T1.{campaign.public_id}", raw)).reason)
    assert reasons == {Reason.FORGED, Reason.UNKNOWN_KEY}


def test_huge_input_is_refused_before_any_work(django_assert_num_queries, ticket):
    huge = ticket.qr_token + "A" * 10_000_000
    with django_assert_num_queries(0):
        assert decode_token(huge).reason == Reason.MALFORMED
        assert decode_token("T1." + "A" * (MAX_TOKEN_LENGTH - 2)).reason == Reason.MALFORMED


def test_rotation_adds_a_version_reissues_valid_tickets_and_is_audited(
    confirm, holder, table_type, campaign
):
    booking = confirm(holder, table_type, quantity=2, issuance="separate")
    first, second = booking.tickets.order_by("pk")
    Ticket.objects.filter(pk=second.pk).update(status=Ticket.Status.VOID)
    old_first, old_second = first.qr_token, second.qr_token

    assert campaign_qr_key_rotate(campaign_id=campaign.pk) == (2, 1)

    assert list(campaign.keys.values_list("version", flat=True)) == [2, 1]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.qr_key_version == 2
    assert first.qr_token != old_first
    assert decode_token(first.qr_token).key_version == 2
    assert (second.qr_key_version, second.qr_token) == (1, old_second)
    event = AuditEvent.objects.get(action="campaign.key_rotated")
    assert (event.target_id, event.metadata) == (
        str(campaign.pk),
        {"version": 2, "previous_version": 1},
    )


def test_a_reissued_ticket_refuses_its_old_token_as_superseded(ticket, campaign):
    old_token = ticket.qr_token
    assert ticket_for_token(old_token) == (decode_token(old_token), ticket)

    campaign_qr_key_rotate(campaign_id=campaign.pk)
    ticket.refresh_from_db()

    decoded, found = ticket_for_token(old_token)
    assert (decoded.reason, decoded.ticket_id, found) == (Reason.SUPERSEDED, ticket.pk, None)
    decoded, found = ticket_for_token(ticket.qr_token, expected_campaign_id=campaign.pk)
    assert (decoded.ok, decoded.key_version, found) == (True, 2, ticket)


def test_a_token_of_a_deleted_ticket_is_unknown(ticket, campaign):
    token = ticket.qr_token
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert ticket_for_token(token) == (
        DecodedToken(Reason.UNKNOWN_TICKET, campaign_id=campaign.pk),
        None,
    )
