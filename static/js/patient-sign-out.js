// After a patient signs out: forget what the phone kept to open the routine offline. The
// response's Clear-Site-Data header does it already where the browser supports it; this is the
// same for the others (and harmless twice).
(function () {
  "use strict";
  if (window.caches) {
    caches.keys().then(function (names) {
      names.forEach(function (name) {
        if (name.indexOf("dorsi-") === 0) caches.delete(name);
      });
    });
  }
  if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      registrations.forEach(function (registration) { registration.unregister(); });
    });
  }
  try {
    Object.keys(window.localStorage).forEach(function (name) {
      if (name.indexOf("dorsi.offline.") === 0) window.localStorage.removeItem(name);
    });
  } catch (error) {
    /* storage refused: nothing was kept */
  }
})();
