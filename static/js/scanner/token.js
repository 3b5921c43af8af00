// Opens a ticket's QR token on the device, as bookings/tickets/qr.py does on the server:
// `T1.<campaign public id>.<body>`, the body base64url of key version (2 bytes, big-endian)
// || nonce (12) || AES-256-GCM(ticket id u64, scans allowed u32) with its 16-byte tag, the
// associated data `T1|<campaign id>|<public id>|<key version>`.
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const SHAPE = /^T1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{56})$/;

  function fromBase64(text) {
    let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  // The token's parts, or null when it is not a token of this format at all.
  function parse(text) {
    const match = typeof text === "string" ? SHAPE.exec(text) : null;
    if (!match) return null;
    const raw = fromBase64(match[2]);
    return {
      publicId: match[1],
      keyVersion: (raw[0] << 8) | raw[1],
      nonce: raw.slice(2, 14),
      sealed: raw.slice(14),
    };
  }

  function importKey(base64Key) {
    return crypto.subtle.importKey("raw", fromBase64(base64Key), "AES-GCM", false, ["decrypt"]);
  }

  // {ticketId, scansAllowed} when the token authenticates under `key` for the campaign
  // `campaignId`; null when it was altered, forged, or sealed for another campaign.
  async function open(parsed, { campaignId, key }) {
    const aad = new TextEncoder().encode(
      `T1|${campaignId}|${parsed.publicId}|${parsed.keyVersion}`
    );
    let plain;
    try {
      plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: parsed.nonce, additionalData: aad, tagLength: 128 },
        key,
        parsed.sealed
      );
    } catch (error) {
      return null;
    }
    const view = new DataView(plain);
    return { ticketId: Number(view.getBigUint64(0)), scansAllowed: view.getUint32(8) };
  }

  Door.token = { parse, open, importKey };
})();
