// Continuous QR reading from the phone's back camera with jsQR (vendored). The same code is
// ignored while it stays in view and for DEBOUNCE_MS after it leaves, so one ticket held in
// front of the phone is one scan; the torch is offered when the camera track has one.
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const DEBOUNCE_MS = 2000;
  const EVERY_MS = 120;
  const MAX_WIDTH = 640;

  const state = { stream: null, timer: null, onCode: null, paused: () => false, last: { code: null, seen: 0 } };
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });

  function track() {
    return state.stream ? state.stream.getVideoTracks()[0] : null;
  }

  function read(video) {
    if (video.readyState < 2 || !video.videoWidth) return null;
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return found && found.data ? found.data : null;
  }

  function tick(video) {
    const code = read(video);
    const now = Date.now();
    if (code) {
      if (code === state.last.code && now - state.last.seen < DEBOUNCE_MS) {
        state.last.seen = now;
      } else if (!state.paused()) {
        state.last = { code, seen: now };
        state.onCode(code);
      }
    }
    state.timer = setTimeout(() => tick(video), EVERY_MS);
  }

  // Starts the camera into `video`; `onCode(text)` gets each new code while `paused()` is
  // false. Resolves {torch}: whether the track can light a torch.
  async function start(video, { onCode, paused }) {
    stop();
    state.onCode = onCode;
    state.paused = paused || (() => false);
    state.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    video.srcObject = state.stream;
    await video.play();
    tick(video);
    const capabilities = track().getCapabilities ? track().getCapabilities() : {};
    return { torch: Boolean(capabilities.torch) };
  }

  function stop() {
    clearTimeout(state.timer);
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    state.stream = null;
  }

  async function torch(on) {
    await track().applyConstraints({ advanced: [{ torch: on }] });
  }

  Door.camera = { start, stop, torch, running: () => state.stream !== null };
})();
