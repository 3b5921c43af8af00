// The scanner's memory on the device (IndexedDB): settings (the device token, the chosen
// campaign), each campaign's offline list, and every scan decided offline until it is synced.
(function () {
  "use strict";
  const Door = (window.Door = window.Door || {});
  const NAME = "door-scanner";
  const VERSION = 1;
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("settings");
          db.createObjectStore("bundles", { keyPath: "campaign" });
          db.createObjectStore("scans", { keyPath: "nonce" }).createIndex("campaign", "campaign");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  }

  // Runs `work(objectStore)` in one transaction; resolves with its request's result once
  // the transaction has committed (so a resolved write is on disk).
  async function run(storeName, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = work(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  Door.store = {
    get: (storeName, key) => run(storeName, "readonly", (s) => s.get(key)),
    put: (storeName, value, key) => run(storeName, "readwrite", (s) => s.put(value, key)),
    remove: (storeName, key) => run(storeName, "readwrite", (s) => s.delete(key)),
    byIndex: (storeName, index, value) =>
      run(storeName, "readonly", (s) => s.index(index).getAll(value)),
    putMany: (storeName, values) =>
      run(storeName, "readwrite", (s) => {
        values.forEach((value) => s.put(value));
        return null;
      }),
  };
})();
