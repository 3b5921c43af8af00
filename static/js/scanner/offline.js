// Offline mode: the campaign's offline list (keys and tickets) kept in IndexedDB, scans
// decided on the device by the server's rules and order (invalid, wrong_campaign, void,
// not_paid, already_used, valid), guests searched by name in the list and checked in by
// hand, and the queue of those scans and check-ins, synced when the network returns
// (validation/sync/, in the order they happened, nonces making resends safe).
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const SYNC_BATCH = 500; // validation.api.MAX_SYNC_SCANS
  const MAX_FOUND = 50; // guests shown for one offline search
  const REASONS = {
    invalid: "Not one of our tickets: the code is unreadable or forged.",
    wrong_campaign: "This ticket is for another event.",
    void: "This ticket is no longer valid: it was cancelled or replaced.",
    refunded: "This ticket was refunded.",
    cancelled: "This booking was cancelled.",
    not_paid: "Not on this phone's list of paid tickets (bought after the last download, or not paid).",
    expired: "This phone's offline list has expired: connect to the network to refresh it.",
    no_bundle: "This phone has no offline list yet: connect to the network once to download it.",
  };

  const state = {
    campaign: null,
    deviceId: null,
    record: null, // {campaign, data, fetchStartedAt, fetchedAt}
    keys: new Map(), // key version -> CryptoKey
    tickets: new Map(), // ticket id -> bundle row
    localAdmits: new Map(), // ticket id -> entries admitted here and not in the list yet
    syncing: null,
  };

  async function importKeys(data) {
    state.keys.clear();
    const keys = data.keys && data.keys.length ? data.keys : [{ version: data.key_version, key: data.key }];
    for (const { version, key } of keys) state.keys.set(version, await Door.token.importKey(key));
    state.tickets = new Map(data.tickets.map((ticket) => [ticket.id, ticket]));
  }

  // A synced scan is in the list when the list was asked for after the scan was synced.
  function inList(scan) {
    return Boolean(scan.synced_at && state.record && scan.synced_at < state.record.fetchStartedAt);
  }

  async function countLocalAdmits() {
    const scans = await Door.store.byIndex("scans", "campaign", state.campaign);
    state.localAdmits.clear();
    scans
      .filter((scan) => scan.local_result === "valid" && !inList(scan))
      .forEach((scan) => state.localAdmits.set(scan.ticket_id, (state.localAdmits.get(scan.ticket_id) || 0) + 1));
    return scans;
  }

  async function use({ campaign, deviceId }) {
    state.campaign = campaign;
    state.deviceId = deviceId;
    state.record = (await Door.store.get("bundles", campaign)) || null;
    if (state.record) await importKeys(state.record.data);
    await countLocalAdmits();
  }

  function expired() {
    const until = state.record && state.record.data.expires_at;
    return Boolean(until && Date.parse(until) <= Date.now());
  }

  // Downloads the list again. Returns the API's answer ({status, data}); throws Offline.
  async function refresh() {
    const fetchStartedAt = Date.now();
    const answer = await Door.api.get(`validation/campaigns/${state.campaign}/offline-bundle/`);
    if (answer.status === 200) {
      const record = { campaign: state.campaign, data: answer.data, fetchStartedAt, fetchedAt: Date.now() };
      await importKeys(answer.data);
      await Door.store.put("bundles", record);
      state.record = record;
      await countLocalAdmits();
    }
    return answer;
  }

  function stale(maxAgeMs) {
    return !state.record || expired() || Date.now() - state.record.fetchedAt > maxAgeMs;
  }

  // An online answer keeps the list's count of a ticket current between downloads.
  async function learn(answer) {
    const ticket = answer.ticket && state.tickets.get(answer.ticket.id);
    if (!ticket || ticket.scans_used === answer.ticket.scans_used) return;
    ticket.scans_used = answer.ticket.scans_used;
    await Door.store.put("bundles", state.record);
  }

  // True when the token names a key version the list lacks: the campaign's key was rotated.
  function knowsKeyOf(qr) {
    const parsed = Door.token.parse(qr);
    return !parsed || !state.record || state.keys.has(parsed.keyVersion);
  }

  function refusal(result, reason, ticket) {
    return { result, reason: reason || REASONS[result], ticket: ticket || null, scans_remaining: ticket ? 0 : null, offline: true };
  }

  function shown(row, used) {
    return {
      id: row.id,
      ticket_type: row.ticket_type || null,
      ticket_type_name: row.ticket_type_name || `Ticket ${row.id}`,
      holder_name: row.holder_name || "",
      scans_allowed: row.scans_allowed,
      scans_used: used,
    };
  }

  // The answer the server would give, from the list and this device's own entries.
  async function decide(qr) {
    if (!state.record) return refusal("unknown", REASONS.no_bundle);
    if (expired()) return refusal("unknown", REASONS.expired);
    const data = state.record.data;
    const parsed = Door.token.parse(qr);
    if (!parsed) return refusal("invalid");
    if (data.public_id && parsed.publicId !== data.public_id) return refusal("wrong_campaign");
    const key = state.keys.get(parsed.keyVersion);
    const opened = key && (await Door.token.open(parsed, { campaignId: data.campaign, key }));
    if (!opened) return refusal("invalid");
    const row = state.tickets.get(opened.ticketId);
    if (!row) return refusal("not_paid");
    if (row.key_version !== undefined && row.key_version !== parsed.keyVersion) return refusal("invalid");
    return judge(row);
  }

  // A check-in by hand of a ticket found in the list: decided as a scan of its code.
  function decideById(ticketId) {
    if (!state.record) return refusal("unknown", REASONS.no_bundle);
    if (expired()) return refusal("unknown", REASONS.expired);
    const row = state.tickets.get(ticketId);
    return row ? judge(row) : refusal("not_paid");
  }

  function judge(row) {
    const used = row.scans_used + (state.localAdmits.get(row.id) || 0);
    if (row.status !== "valid" || ["refunded", "cancelled"].includes(row.booking_status)) {
      return refusal("void", REASONS[row.booking_status] || REASONS.void, shown(row, used));
    }
    if (row.booking_status && row.booking_status !== "confirmed") {
      return refusal("not_paid", "This booking has not been paid.", shown(row, used));
    }
    if (used >= row.scans_allowed) {
      return refusal("already_used", `No entries left: it admits ${row.scans_allowed}, all used.`, shown(row, used));
    }
    return { result: "valid", reason: null, ticket: shown(row, used + 1), scans_remaining: row.scans_allowed - used - 1, offline: true };
  }

  // Guests of the list whose name or ticket type contains `q`, in the check-in list's shape;
  // null without a usable list.
  function findGuests(q) {
    if (!state.record || expired()) return null;
    const needle = (q || "").toLocaleLowerCase();
    const found = [];
    for (const row of state.tickets.values()) {
      const text = `${row.holder_name || ""} ${row.ticket_type_name || ""}`.toLocaleLowerCase();
      if (needle && !text.includes(needle)) continue;
      const voided = row.status !== "valid" || ["refunded", "cancelled"].includes(row.booking_status);
      found.push({
        ticket: row.id,
        holder_name: row.holder_name || "",
        ticket_type_name: row.ticket_type_name || `Ticket ${row.id}`,
        scans_used: row.scans_used + (state.localAdmits.get(row.id) || 0),
        scans_allowed: row.scans_allowed,
        status: voided ? "void" : "valid",
      });
      if (found.length === MAX_FOUND) break;
    }
    return found;
  }

  // Keeps a scan decided here until the server has it: of a code (`qr`), or a check-in by
  // hand (`byHand`, the ticket's id).
  async function keep({ nonce, qr = "", byHand = null, scannedAt, answer }) {
    const scan = {
      nonce,
      qr,
      by_hand: byHand,
      scanned_at: scannedAt,
      campaign: state.campaign,
      local_result: answer.result,
      ticket_id: answer.ticket ? answer.ticket.id : null,
      ticket_type_name: answer.ticket ? answer.ticket.ticket_type_name : "",
      holder_name: answer.ticket ? answer.ticket.holder_name : "",
      synced_at: null,
      server_result: null,
      conflict: false,
      rejected: null,
    };
    await Door.store.put("scans", scan);
    if (answer.result === "valid") state.localAdmits.set(scan.ticket_id, (state.localAdmits.get(scan.ticket_id) || 0) + 1);
    return scan;
  }

  async function scans() {
    return Door.store.byIndex("scans", "campaign", state.campaign);
  }

  function waiting(all) {
    return all.filter((scan) => !scan.synced_at && !scan.rejected).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  }

  // Errors of a refused batch by index (DRF lists one object per scan, empty when fine).
  function badEntries(data) {
    const fields = (data && data.fields && data.fields.scans) || null;
    if (Array.isArray(fields)) {
      return fields.map((errors, index) => [index, errors]).filter(([, errors]) => errors && Object.keys(errors).length);
    }
    if (fields && typeof fields === "object") return Object.entries(fields).map(([index, errors]) => [Number(index), errors]);
    return [];
  }

  function describe(errors) {
    if (typeof errors === "string") return errors;
    if (Array.isArray(errors)) return errors.map(describe).join(" ");
    return Object.values(errors).map(describe).join(" ");
  }

  // Uploads what waits, batch by batch. Resolves {synced, conflicts, stopped}: `stopped` is
  // the API's refusal that ended it (a revoked device), if any. Throws Offline.
  function sync() {
    if (!state.syncing) {
      state.syncing = uploadAll().finally(() => {
        state.syncing = null;
      });
    }
    return state.syncing;
  }

  async function uploadAll() {
    let synced = 0;
    let conflicts = 0;
    let staleOnce = false;
    for (;;) {
      const batch = waiting(await scans()).slice(0, SYNC_BATCH);
      if (!batch.length) break;
      const answer = await Door.api.post("validation/sync/", {
        device_id: state.deviceId,
        campaign: state.campaign,
        ...(state.record ? { key_version: state.record.data.key_version } : {}),
        scans: batch.map((scan) =>
          scan.by_hand
            ? { nonce: scan.nonce, ticket: scan.by_hand, scanned_at: scan.scanned_at }
            : { nonce: scan.nonce, qr: scan.qr, scanned_at: scan.scanned_at }
        ),
      });
      if (answer.status === 200) {
        const now = Date.now();
        const byNonce = new Map(answer.data.results.map((result) => [result.nonce, result]));
        batch.forEach((scan) => {
          const result = byNonce.get(scan.nonce);
          scan.synced_at = now;
          scan.server_result = result ? result.result : null;
          scan.conflict = Boolean(result && result.conflict);
          if (scan.conflict) conflicts += 1;
        });
        await Door.store.putMany("scans", batch);
        synced += batch.length;
        continue;
      }
      const bad = badEntries(answer.data);
      const taken = (answer.data && answer.data.nonces) || [];
      if (answer.status === 409 && answer.data && answer.data.code === "bundle_stale" && !staleOnce) {
        // The campaign's key was rotated: fetch the new list, then send the same scans again.
        staleOnce = true;
        const refreshed = await refresh();
        if (refreshed.status !== 200) return { synced, conflicts, stopped: refreshed };
        continue;
      }
      if (answer.status === 400 && bad.length) {
        bad.forEach(([index, errors]) => {
          batch[index].rejected = describe(errors);
        });
      } else if (answer.status === 409 && taken.length) {
        batch.filter((scan) => taken.includes(scan.nonce)).forEach((scan) => {
          scan.rejected = Door.api.detail(answer.data, "Refused by the server.");
        });
      } else {
        // A revoked device: the server kept these scans for the seller and applied none.
        const refused = (answer.data && answer.data.refused) || [];
        batch.filter((scan) => refused.includes(scan.nonce)).forEach((scan) => {
          scan.rejected = Door.api.detail(answer.data, "Refused by the server.");
        });
        await Door.store.putMany("scans", batch.filter((scan) => scan.rejected));
        return { synced, conflicts, stopped: answer };
      }
      await Door.store.putMany("scans", batch.filter((scan) => scan.rejected));
    }
    return { synced, conflicts, stopped: null };
  }

  Door.offline = {
    use, refresh, stale, expired, learn, knowsKeyOf, decide, decideById, findGuests, keep, scans, waiting, sync, state,
  };
})();
