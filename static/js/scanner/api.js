// Calls to the validation API as a signed-in manager (session cookie and CSRF token) or as
// a paired device (X-Device-Token). A call that cannot reach the server throws `Offline`,
// without a request when the browser already knows it has no network.
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const TIMEOUT_MS = 6000;

  class Offline extends Error {}

  const auth = { base: "/api/v1/", deviceToken: null };

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function online() {
    return navigator.onLine !== false;
  }

  // {status, data}: `data` is the JSON body (every answer of the API is JSON), or null.
  async function request(method, path, body) {
    if (!online()) throw new Offline("no network");
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth.deviceToken) headers["X-Device-Token"] = auth.deviceToken;
    else if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(auth.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: auth.deviceToken ? "omit" : "same-origin",
        signal: controller.signal,
      });
    } catch (error) {
      throw new Offline(String(error));
    } finally {
      clearTimeout(timer);
    }
    if (response.status >= 502 && response.status <= 504) throw new Offline(`${response.status}`);
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return { status: response.status, data };
  }

  function detail(data, fallback) {
    return (data && data.detail) || fallback;
  }

  Door.api = {
    Offline,
    auth,
    online,
    detail,
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
  };
})();
