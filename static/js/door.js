// The campaign's door page (seller and assigned managers): check-in counts pushed over the
// door's websocket, and the parts the page renders on the server (scan results, scanners,
// offline conflicts, revoked scanners' scans) read again after each admission and every
// 20 seconds, so that a phone pairing, a conflict or a revocation shows without a reload.
// The pairing card says when its code has expired, and that it worked once it has.
(function () {
  "use strict";
  const door = document.getElementById("door");
  if (!door) return;
  const REFRESH_MS = 20000;
  const PARTS = ["door-results", "door-devices", "conflicts", "door-refused-section"];
  let refreshing = null;
  let soon = null;

  function showCounts(counts) {
    const body = document.querySelector("#door-counts tbody");
    counts.forEach((row) => {
      let line = body.querySelector(`[data-ticket-type="${row.ticket_type}"]`);
      if (!line) {
        line = document.createElement("tr");
        line.dataset.ticketType = row.ticket_type;
        const name = document.createElement("th");
        name.scope = "row";
        name.dataset.label = "Ticket type";
        name.textContent = row.ticket_type_name;
        line.append(name);
        ["checked_in", "sold"].forEach((field) => {
          const cell = document.createElement("td");
          cell.dataset.field = field;
          cell.dataset.label = field === "sold" ? "Sold" : "Checked in";
          line.append(cell);
        });
        body.append(line);
      }
      line.querySelector('[data-field="checked_in"]').textContent = row.checked_in;
      line.querySelector('[data-field="sold"]').textContent = row.sold;
    });
  }

  // Replaces each server-rendered part with its fresh copy (same id), keeping the rest.
  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const response = await fetch(window.location.pathname, { credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        PARTS.forEach((id) => {
          const now = document.getElementById(id);
          const next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
          else if (next && !now) {
            door.append(document.importNode(next, true));
          }
        });
        showPairing();
      } catch (error) {
        // No network: the page keeps what it shows and tries again later.
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function showPairing() {
    const card = document.getElementById("door-pairing");
    if (!card) return;
    const row = document.querySelector(`#door-devices [data-device-id="${card.dataset.deviceId}"]`);
    const note = card.querySelector("[data-pairing-state]") || document.createElement("p");
    note.dataset.pairingState = "";
    note.setAttribute("role", "status");
    if (row && row.dataset.state === "paired") {
      card.dataset.state = "paired";
      note.textContent = "Paired: the phone is ready to scan.";
    } else if (Date.parse(card.dataset.expiresAt) <= Date.now()) {
      card.dataset.state = "expired";
      note.textContent = "This code has expired: add the scanner again for a new one.";
    } else {
      return;
    }
    card.querySelectorAll(".pairing__qr, .pairing__code").forEach((part) => (part.hidden = true));
    if (!note.isConnected) card.append(note);
  }

  function connect(delay) {
    if (!("WebSocket" in window)) return;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + door.dataset.wsUrl);
    socket.onopen = () => {
      delay = 1000;
      door.dataset.live = "on";
    };
    let first = true; // the counts sent on connect: the page was just rendered
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "counts") return;
      showCounts(message.counts);
      if (first) {
        first = false;
        return;
      }
      // An admission may come with a conflict: read the page again, once per burst.
      clearTimeout(soon);
      soon = setTimeout(refresh, 500);
    };
    socket.onclose = () => {
      door.dataset.live = "off";
      const again = () => connect(Math.min(delay * 2, 30000));
      if (navigator.onLine === false) window.addEventListener("online", again, { once: true });
      else setTimeout(again, delay);
    };
  }

  connect(1000);
  setInterval(() => document.hidden || refresh(), REFRESH_MS);
  setInterval(showPairing, 5000);
  showPairing();
})();
