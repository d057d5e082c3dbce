// mlTrainer service worker: caches the app shell and the WASM at install so
// the app loads and prices with no network. The build hook
// (scripts/stamp-service-worker.sh) replaces the two placeholders below with
// the build's hash and file list; each build gets a fresh cache.
const BUILD = "__BUILD_HASH__";
const PRECACHE = __PRECACHE_LIST__;
const CACHE = `mltrainer-${BUILD}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("mltrainer-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Server endpoints: network only, never cached and never answered from the
// cache. Offline, their fetch simply fails and the app shows its own error.
function networkOnly(pathname) {
  return (
    pathname === "/api" ||
    pathname.startsWith("/api/") ||
    pathname === "/healthz" ||
    pathname === "/readyz" ||
    pathname === "/metrics"
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only same-origin GETs of the app itself; everything else goes straight
  // to the network (no respondWith: the browser fetches as if we were not here).
  if (request.method !== "GET" || url.origin !== self.location.origin || networkOnly(url.pathname)) {
    return;
  }
  if (request.mode === "navigate") {
    // Network first for pages so a new build shows up, the cached shell offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          // Only the app page may become the offline shell.
          const html = (response.headers.get("content-type") || "").startsWith("text/html");
          if (response.ok && html) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put("/index.html", copy));
          }
          return response;
        })
        .catch(() => caches.match("/index.html", { cacheName: CACHE })),
    );
    return;
  }
  // Hashed assets never change: cache first.
  event.respondWith(
    caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)),
  );
});
