// The scanner app: a signed-in manager (session) or a paired device (X-Device-Token) scans
// with the camera or by typing; answers come from the server when it is reachable and from
// the offline list otherwise, and scans made offline are synced when the network returns.
(function () {
  "use strict";
  const Door = window.Door;
  const REFRESH_MS = 5 * 60 * 1000; // the offline list is downloaded again this often
  const RETRY_MS = 30 * 1000; // scans waiting to sync are tried again this often
  const LABELS = {
    valid: "Valid",
    already_used: "Already used",
    invalid: "Invalid",
    wrong_campaign: "Wrong campaign",
    not_paid: "Not paid",
    void: "Void",
    unknown: "Cannot check offline",
  };
  const root = document.getElementById("scanner");
  const $ = (id) => document.getElementById(id);
  const app = { mode: root.dataset.mode, campaign: null, device: null, deviceId: null, busy: false };

  function problem(text) {
    $("door-problem").textContent = text || "";
    $("door-problem").hidden = !text;
  }

  function randomId(prefix) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Status line ---------------------------------------------------------------------
  async function showStatus() {
    const online = Door.api.online();
    $("door-network").textContent = online ? "Online" : "Offline";
    $("door-network").dataset.state = online ? "online" : "offline";
    $("door-network").className = `badge ${online ? "badge--success" : "badge--warning"}`;
    if (!app.campaign) return;
    const all = await Door.offline.scans();
    const waiting = Door.offline.waiting(all).length;
    $("door-pending").dataset.count = String(waiting);
    $("door-pending").textContent = waiting
      ? `${waiting} scan${waiting === 1 ? "" : "s"} waiting to sync`
      : "No scans waiting to sync";
    const record = Door.offline.state.record;
    $("door-bundle").textContent = record
      ? `Offline list of ${record.data.tickets.length} ticket${record.data.tickets.length === 1 ? "" : "s"}, ${new Date(record.fetchedAt).toLocaleTimeString()}`
      : "No offline list yet";
    showConflicts(all);
  }

  function showConflicts(all) {
    const conflicts = all.filter((scan) => scan.conflict || scan.rejected);
    $("door-conflicts").hidden = !conflicts.length;
    $("door-conflict-list").replaceChildren(
      ...conflicts.map((scan) => {
        const item = document.createElement("li");
        item.dataset.nonce = scan.nonce;
        const what = [scan.ticket_type_name, scan.holder_name].filter(Boolean).join(" · ") || "Unknown ticket";
        const when = new Date(scan.scanned_at).toLocaleTimeString();
        item.textContent = scan.conflict
          ? `${what}: admitted offline at ${when}, but it had no entry left.`
          : `${what}: scanned offline at ${when}, refused by the server: ${scan.rejected}`;
        return item;
      })
    );
  }

  // --- Answers ---------------------------------------------------------------------------
  function lines(answer) {
    const ticket = answer.ticket;
    const out = [];
    if (answer.result !== "valid") out.push(answer.reason || LABELS[answer.result]);
    if (ticket) {
      out.push([ticket.ticket_type_name, ticket.holder_name].filter(Boolean).join(" · "));
      if (answer.result === "valid") {
        const left = answer.scans_remaining;
        out.push(`${left} ${left === 1 ? "entry" : "entries"} left (${ticket.scans_used} of ${ticket.scans_allowed} used)`);
      } else {
        out.push(`Entries used ${ticket.scans_used} of ${ticket.scans_allowed}`);
      }
    }
    if (answer.offline && answer.result !== "valid") out.push("Decided offline on this phone.");
    return out;
  }

  async function answerWith(answer) {
    const kind = answer.result === "valid" ? (answer.offline ? "offline" : "admit") : "refuse";
    $("door-answer").dataset.result = answer.result;
    await Door.feedback.show(kind, lines(answer));
    $("id_qr").value = "";
    $("id_qr").focus();
  }

  // A refusal of the request itself (not of the ticket): signed out, revoked, throttled.
  function requestRefused(answer) {
    if (answer.status === 401 || answer.status === 403) {
      const what = app.mode === "device" ? "This phone can no longer scan" : "You are no longer signed in as a manager";
      problem(`${what}: ${Door.api.detail(answer.data, "access refused")}`);
    }
    return {
      result: "unknown",
      reason: Door.api.detail(answer.data, `The server refused the request (${answer.status}).`),
      ticket: null,
    };
  }

  // --- Scanning ----------------------------------------------------------------------------
  async function check(qr) {
    if (app.busy || !app.campaign) return;
    app.busy = true;
    try {
      const nonce = randomId("d-");
      const scannedAt = new Date().toISOString();
      let answer;
      try {
        const reply = await Door.api.post("validation/scan/", { qr, device_id: app.deviceId, nonce });
        if (reply.status === 200) {
          answer = reply.data;
          await Door.offline.learn(answer);
          if (!Door.offline.knowsKeyOf(qr)) refreshList();
        } else {
          answer = requestRefused(reply);
        }
      } catch (error) {
        if (!(error instanceof Door.api.Offline)) throw error;
        answer = await Door.offline.decide(qr);
        if (answer.result !== "unknown") await Door.offline.keep({ nonce, qr, scannedAt, answer });
        showStatus();
      }
      await answerWith(answer);
    } finally {
      app.busy = false;
    }
  }

  async function checkIn(ticketId) {
    const nonce = randomId("d-");
    try {
      const reply = await Door.api.post(`validation/campaigns/${app.campaign}/checkins/`, {
        ticket: ticketId,
        device_id: app.deviceId,
        nonce,
      });
      await answerWith(reply.status === 200 ? reply.data : requestRefused(reply));
    } catch (error) {
      if (!(error instanceof Door.api.Offline)) throw error;
      const answer = Door.offline.decideById(ticketId);
      const scannedAt = new Date().toISOString();
      if (answer.result !== "unknown") await Door.offline.keep({ nonce, byHand: ticketId, scannedAt, answer });
      showStatus();
      await answerWith(answer);
    }
    await Door.checkins.again();
  }

  // --- Offline list and sync ---------------------------------------------------------------
  async function refreshList() {
    try {
      const answer = await Door.offline.refresh();
      if (answer.status !== 200) requestRefused(answer);
    } catch (error) {
      if (!(error instanceof Door.api.Offline)) throw error;
    }
    showStatus();
  }

  async function syncNow() {
    try {
      const outcome = await Door.offline.sync();
      if (outcome.stopped) requestRefused(outcome.stopped);
      if (outcome.synced) await refreshList();
    } catch (error) {
      if (!(error instanceof Door.api.Offline)) throw error;
    }
    showStatus();
  }

  // --- Camera ------------------------------------------------------------------------------
  async function startCamera(onCode) {
    Door.feedback.unlock();
    $("door-camera-note").textContent = "";
    try {
      const { torch } = await Door.camera.start($("door-video"), {
        onCode,
        paused: () => app.busy || Door.feedback.showing(),
      });
      $("door-video").hidden = false;
      $("door-camera-start").hidden = true;
      $("door-camera-stop").hidden = false;
      $("door-torch").hidden = !torch;
      $("door-camera-note").textContent = "Hold the ticket's QR code in front of the camera.";
    } catch (error) {
      $("door-camera-note").textContent = `The camera could not start (${error.name || error}). Type the code below instead.`;
    }
  }

  function stopCamera() {
    Door.camera.stop();
    $("door-video").hidden = true;
    $("door-camera-start").hidden = false;
    $("door-camera-stop").hidden = true;
    $("door-torch").hidden = true;
  }

  // --- Pairing -----------------------------------------------------------------------------
  // What the pairing QR code holds (a link to this page, the token after "#pair=") is sent
  // as it is: the server reads the token out of it, or the short code typed by hand.
  const PAIR_FRAGMENT = "#pair=";

  async function pair(code) {
    const error = $("door-pair-error");
    error.hidden = true;
    if (!code) {
      error.textContent = "Enter the code shown on the door page.";
      error.hidden = false;
      return;
    }
    let reply;
    try {
      reply = await Door.api.post("validation/devices/pair/", { pairing_code: code });
    } catch (failure) {
      if (!(failure instanceof Door.api.Offline)) throw failure;
      reply = { status: 0, data: { detail: "Pairing needs the network. Connect and try again." } };
    }
    if (reply.status !== 201) {
      error.textContent = Door.api.detail(reply.data, "This code was not accepted.");
      error.hidden = false;
      $("door-pair-code").focus();
      return;
    }
    stopCamera();
    const device = { token: reply.data.token, ...reply.data.device };
    await Door.store.put("settings", device, "device");
    await startDevice(device);
  }

  async function unpair() {
    stopCamera();
    await Door.store.remove("settings", "device");
    Door.api.auth.deviceToken = null;
    app.device = null;
    app.campaign = null;
    $("door-app").hidden = true;
    $("door-checkins").hidden = true;
    $("door-pairing").hidden = false;
  }

  // --- Start -------------------------------------------------------------------------------
  async function startCampaign(campaign) {
    app.campaign = campaign;
    $("door-checkins").hidden = false;
    if (!Door.camera.running()) $("door-camera-start").hidden = false;
    await Door.offline.use({ campaign, deviceId: app.deviceId });
    Door.checkins.use({ campaign });
    await showStatus();
    if (Door.api.online()) {
      await syncNow();
      if (Door.offline.stale(REFRESH_MS)) await refreshList();
    }
  }

  async function startDevice(device) {
    app.device = device;
    app.deviceId = `device-${device.id}`;
    Door.api.auth.deviceToken = device.token;
    $("door-device-name").textContent = device.name;
    $("door-device-campaign").textContent = device.campaign_title || "";
    $("door-pairing").hidden = true;
    $("door-app").hidden = false;
    await startCampaign(device.campaign);
  }

  async function startSession() {
    let deviceId = await Door.store.get("settings", "browser-id");
    if (!deviceId) {
      deviceId = randomId("web-");
      await Door.store.put("settings", deviceId, "browser-id");
    }
    app.deviceId = deviceId;
    const select = $("door-campaign");
    const single = $("door-campaign-title");
    if (select) {
      const remembered = await Door.store.get("settings", "campaign");
      if (remembered && select.querySelector(`option[value="${remembered}"]`)) select.value = String(remembered);
      select.addEventListener("change", async () => {
        await Door.store.put("settings", Number(select.value), "campaign");
        await startCampaign(Number(select.value));
      });
      await startCampaign(Number(select.value));
    } else if (single) {
      await startCampaign(Number(single.dataset.campaign));
    }
  }

  function wire() {
    document.querySelectorAll("[data-door-hide-with-js]").forEach((e) => (e.hidden = true));
    document.addEventListener("click", () => Door.feedback.unlock(), { once: true });
    $("door-manual").addEventListener("submit", (event) => {
      event.preventDefault();
      const qr = $("id_qr").value.trim();
      if (qr) check(qr);
      else $("id_qr").focus();
    });
    $("door-answer-next").addEventListener("click", () => Door.feedback.dismiss());
    $("door-camera-start").addEventListener("click", () => startCamera(check));
    $("door-camera-stop").addEventListener("click", stopCamera);
    $("door-torch").addEventListener("click", async () => {
      const on = $("door-torch").getAttribute("aria-pressed") !== "true";
      try {
        await Door.camera.torch(on);
        $("door-torch").setAttribute("aria-pressed", String(on));
      } catch (error) {
        $("door-torch").hidden = true;
      }
    });
    $("door-sync").addEventListener("click", syncNow);
    $("door-results").addEventListener("click", (event) => {
      const button = event.target.closest("[data-check-in]");
      if (button) checkIn(Number(button.dataset.checkIn));
    });
    $("door-pair-form").addEventListener("submit", (event) => {
      event.preventDefault();
      pair($("door-pair-code").value.trim());
    });
    document.querySelector("[data-door-pair-camera]").addEventListener("click", () => {
      startCamera((text) => pair(text));
    });
    if ($("door-unpair")) $("door-unpair").addEventListener("click", unpair);
    window.addEventListener("online", () => {
      showStatus();
      if (app.campaign) syncNow();
    });
    window.addEventListener("offline", showStatus);
    setInterval(() => {
      if (!app.campaign || !Door.api.online()) return;
      syncNow();
      if (Door.offline.stale(REFRESH_MS)) refreshList();
    }, RETRY_MS);
  }

  async function start() {
    wire();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: root.dataset.scope }).catch(() => {});
    }
    if (app.mode === "session") {
      await startSession();
      return;
    }
    const device = await Door.store.get("settings", "device");
    // Opened from the pairing QR code by the phone's camera app: pair at once.
    const fromQr = window.location.hash.startsWith(PAIR_FRAGMENT) ? window.location.href : null;
    if (fromQr) history.replaceState(null, "", window.location.pathname);
    if (device) {
      await startDevice(device);
    } else {
      $("door-pairing").hidden = false;
      if (fromQr) await pair(fromQr);
    }
  }

  start().catch((error) => problem(`The scanner could not start: ${error.message || error}`));
})();
