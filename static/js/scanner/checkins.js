// The check-in list on the device: guests found by name, booking reference or e-mail
// (validation/campaigns/{id}/checkins/?q=; offline, by name or type in the offline list), a
// button to check one in by hand, and the counts of checked in / sold per ticket type,
// pushed over the door's websocket (polled without it).
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const POLL_MS = 15000;
  const REVOKED = 4401; // the close code of a revoked device's socket
  const $ = (id) => document.getElementById(id);
  const state = { campaign: null, socket: null, poll: null, retry: 1000, query: null };

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function showCounts(counts) {
    $("door-counts").querySelector("tbody").replaceChildren(
      ...counts.map((row) => {
        const tr = document.createElement("tr");
        tr.dataset.ticketType = row.ticket_type;
        const name = cell(row.ticket_type_name || String(row.ticket_type));
        name.dataset.label = "Ticket type";
        const checkedIn = cell(String(row.checked_in), "num");
        checkedIn.dataset.label = "Checked in";
        checkedIn.dataset.checkedIn = "";
        const sold = cell(String(row.sold), "num");
        sold.dataset.label = "Sold";
        tr.append(name, checkedIn, sold);
        return tr;
      })
    );
  }

  function guest(row) {
    const item = document.createElement("li");
    item.dataset.ticket = row.ticket;
    const about = document.createElement("span");
    const name = document.createElement("strong");
    name.textContent = row.holder_name || "No name given";
    const facts = document.createElement("small");
    facts.className = "muted";
    facts.textContent = [
      row.ticket_type_name,
      row.booking_reference,
      row.holder_email,
      `${row.scans_used} of ${row.scans_allowed} entries used`,
      row.status === "valid" ? "" : row.status,
    ].filter(Boolean).join(" · ");
    about.append(name, document.createElement("br"), facts);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button--secondary";
    button.dataset.checkIn = row.ticket;
    button.textContent = "Check in";
    button.setAttribute("aria-label", `Check in ${row.holder_name || `ticket ${row.ticket}`}`);
    button.disabled = row.status !== "valid" || row.scans_used >= row.scans_allowed;
    item.append(about, button);
    return item;
  }

  async function search(q) {
    if (q !== null) state.query = q;
    const note = $("door-search-note");
    let reply;
    try {
      reply = await Door.api.get(`validation/campaigns/${state.campaign}/checkins/?q=${encodeURIComponent(q || "")}`);
    } catch (error) {
      if (!(error instanceof Door.api.Offline)) throw error;
      if (q !== null) searchOffline(q);
      return;
    }
    if (reply.status !== 200) {
      note.textContent = Door.api.detail(reply.data, "The list could not be read.");
      return;
    }
    showCounts(reply.data.counts);
    if (q === null) return;
    const results = reply.data.results;
    note.textContent = results.length ? `${results.length} found` : "Nobody found.";
    $("door-results").replaceChildren(...results.map(guest));
  }

  // Without the network: the same search in this phone's offline list (names and types only).
  function searchOffline(q) {
    const note = $("door-search-note");
    const results = Door.offline.findGuests(q);
    if (results === null) {
      note.textContent = "Searching needs the network, or this phone's offline list: connect once to download it.";
      return;
    }
    note.textContent = `${results.length ? `${results.length} found` : "Nobody found"} in this phone's offline list.`;
    $("door-results").replaceChildren(...results.map(guest));
  }

  // Devices cannot set headers on a websocket: the token travels as a subprotocol, which
  // the server does not echo (validation/consumers.py).
  function connect() {
    const url = document.getElementById("scanner").dataset.liveUrl;
    if (!url || !("WebSocket" in window)) return false;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const token = Door.api.auth.deviceToken;
    const socket = new WebSocket(
      scheme + window.location.host + url.replace("{campaign}", state.campaign),
      token ? ["tickets.door", `device-token.${token}`] : []
    );
    state.socket = socket;
    socket.onopen = () => {
      state.retry = 1000;
      $("door-checkins").dataset.live = "on";
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "counts") showCounts(message.counts);
    };
    socket.onclose = (event) => {
      if (state.socket !== socket) return;
      $("door-checkins").dataset.live = "off";
      if (event.code === REVOKED) return; // a revoked device hears nothing more
      const again = () => state.socket === socket && connect();
      if (!Door.api.online()) {
        window.addEventListener("online", again, { once: true });
        return;
      }
      setTimeout(again, state.retry);
      state.retry = Math.min(state.retry * 2, 30000);
    };
    return true;
  }

  function use({ campaign }) {
    state.campaign = campaign;
    state.query = null;
    if (state.socket) {
      const old = state.socket;
      state.socket = null;
      old.close();
    }
    clearInterval(state.poll);
    search(null);
    if (!connect()) state.poll = setInterval(() => document.hidden || search(null), POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("door-search");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      search($("door-q").value.trim());
    });
  });

  // The last search again, so a guest just checked in shows their entries used.
  function again() {
    return state.query === null ? Promise.resolve() : search(state.query);
  }

  Door.checkins = { use, search, again };
})();
