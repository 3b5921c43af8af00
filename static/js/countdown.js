// The booking page's hold countdown (m:ss). It counts the server's seconds, so a wrong clock
// on the phone changes nothing, and reloads when the hold ends: the server then shows the
// booking as expired, with no way to pay it.
(function () {
  "use strict";
  var hold = document.getElementById("hold");
  if (!hold) return;
  var ends = Date.now() + 1000 * Number(hold.dataset.secondsLeft);
  var out = document.getElementById("countdown");
  function tick() {
    var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) {
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
