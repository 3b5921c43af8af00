// The booking page's hold countdown (m:ss), until the seats may be released.
(function () {
  "use strict";
  var hold = document.getElementById("hold");
  if (!hold) return;
  var ends = new Date(hold.dataset.expiresAt).getTime();
  var out = document.getElementById("countdown");
  function tick() {
    var left = Math.max(0, Math.floor((ends - Date.now()) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) {
      hold.textContent = "The hold has ended; the seats may be released.";
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
