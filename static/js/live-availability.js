// Keeps the "remaining" counters of a campaign page current over its websocket, and greys out
// a ticket type that sells out meanwhile. Without the socket the page keeps its numbers.
(function () {
  "use strict";
  var section = document.querySelector("[data-live-url]");
  if (!section || !("WebSocket" in window)) return;
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + window.location.host + section.dataset.liveUrl;
  var delay = 1000;

  function apply(message) {
    if (message.type !== "availability") return;
    message.ticket_types.forEach(function (row) {
      var cell = section.querySelector('[data-ticket-type="' + row.id + '"]');
      if (!cell) return;
      cell.textContent = row.remaining;
      var option = cell.closest("[data-ticket-option]");
      if (option) option.classList.toggle("is-sold-out", row.remaining === 0);
    });
  }

  function connect() {
    var socket = new WebSocket(url);
    socket.onopen = function () {
      delay = 1000;
      section.dataset.live = "on";
    };
    socket.onmessage = function (event) {
      apply(JSON.parse(event.data));
    };
    socket.onclose = function () {
      section.dataset.live = "off";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
