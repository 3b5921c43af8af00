// The full-screen answer a door person reads from a metre away, with a sound and a vibration
// per kind: "admit" (green), "offline" (amber: admitted, will sync), "refuse" (red).
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const KINDS = {
    admit: { title: "ADMIT", tones: [[880, 0.12], [1320, 0.18]], wave: "sine", vibrate: [120], ms: 2500 },
    offline: {
      title: "ACCEPTED OFFLINE — will sync",
      tones: [[660, 0.15], [660, 0.15]],
      wave: "triangle",
      vibrate: [80, 60, 80],
      ms: 3000,
    },
    refuse: { title: "REFUSE", tones: [[220, 0.5]], wave: "square", vibrate: [300, 100, 300], ms: 4000 },
  };
  let audio = null;
  let timer = null;
  let closing = null;

  // Browsers start sound only after a tap: the app calls this from its first click.
  function unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume().catch(() => {});
  }

  function beep(kind) {
    if (!audio || audio.state !== "running") return;
    let at = audio.currentTime;
    kind.tones.forEach(([frequency, seconds]) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = kind.wave;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + seconds);
      at += seconds + 0.05;
    });
  }

  function line(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  // Shows the answer until it is tapped, a key is pressed, or its time is up; resolves then.
  function show(kindName, lines) {
    const kind = KINDS[kindName];
    const box = document.getElementById("door-answer");
    if (closing) closing();
    box.dataset.kind = kindName;
    document.getElementById("door-answer-title").textContent = kind.title;
    document.getElementById("door-answer-detail").replaceChildren(
      ...lines.filter(Boolean).map((text, i) => line(text, i === 0 ? "door-answer__lead" : ""))
    );
    box.hidden = false;
    document.documentElement.classList.add("door-answering");
    box.focus();
    beep(kind);
    if (navigator.vibrate) navigator.vibrate(kind.vibrate);
    return new Promise((resolve) => {
      closing = () => {
        clearTimeout(timer);
        closing = null;
        box.hidden = true;
        document.documentElement.classList.remove("door-answering");
        resolve();
      };
      timer = setTimeout(closing, kind.ms);
    });
  }

  function dismiss() {
    if (closing) closing();
  }

  function showing() {
    return closing !== null;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("door-answer");
    if (!box) return;
    box.addEventListener("click", dismiss);
    box.addEventListener("keydown", (event) => {
      if (["Enter", "Escape", " "].includes(event.key)) {
        event.preventDefault();
        dismiss();
      }
    });
  });

  Door.feedback = { show, dismiss, showing, unlock };
})();
