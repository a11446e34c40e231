{% autoescape off %}// Dorsi's service worker for the patient's routine (issue 20 §1), rendered for one patient.
// It answers only same-origin GETs of the routine page (network first, then the copy kept for
// this patient) and of static files (kept once fetched); everything else, staff pages and the
// API included, goes to the network untouched and is never stored.
"use strict";

var KEY = "{{ key }}";
var PAGES = "dorsi-pages-" + KEY;
var ASSETS = "dorsi-assets-{{ assets_version }}";
var PRECACHE = {{ precache_json }};
var ROUTINE = "{{ routine_path }}";
var STATIC = "{{ static_prefix }}";
var KEY_HEADER = "{{ key_header }}";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSETS).then(function (cache) { return cache.addAll(PRECACHE); })
      .then(function () { return self.skipWaiting(); })
  );
});

// Whatever another patient's worker kept on this phone, and older copies of the files, go.
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("dorsi-") === 0 && name !== PAGES && name !== ASSETS;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === ROUTINE) event.respondWith(routinePage(event));
  else if (url.pathname.indexOf(STATIC) === 0) event.respondWith(staticFile(request));
});

function routinePage(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    // Only this patient's routine as the server rendered it: never a sign-in page, an error,
    // a redirect, or the page of a patient who signed in after this worker was installed.
    if (response.ok && response.type === "basic" && !response.redirected &&
        response.headers.get(KEY_HEADER) === KEY) {
      var copy = response.clone();
      event.waitUntil(caches.open(PAGES).then(function (cache) {
        return cache.put(request.url, copy);
      }));
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true }).then(function (exact) {
        return exact || cache.match(ROUTINE, { ignoreSearch: true, ignoreVary: true });
      });
    }).then(function (kept) { return kept || Response.error(); });
  });
}

function staticFile(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      if (kept) return kept;
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") cache.put(request, response.clone());
        return response;
      });
    });
  });
}
{% endautoescape %}
