// The routine with no network (issue 20 §1). Registers the service worker that keeps this page
// and its files for the next visit with no signal; a session logged while the phone is offline
// waits in localStorage with its client token and goes to the API when the network is back
// (and at each page load). The server records a client token once, so sending a waiting
// session twice (two tabs, a retry after a lost answer) records it once. The words shown come
// translated from the page's data attributes.
(function () {
  "use strict";
  var box = document.querySelector("[data-offline-status]");
  var form = document.getElementById("log");
  if (!box || !form) return;
  var words = box.querySelector("[data-offline-words]");
  var data = box.dataset;
  var QUEUE = "dorsi.offline." + data.key + ".queue";
  var LAST = "dorsi.offline." + data.key + ".last";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(data.worker, { scope: data.scope, updateViaCache: "none" })
      .catch(function () { /* no worker: the page still works online */ });
  }

  function read(name, fallback) {
    try {
      var value = window.localStorage.getItem(name);
      return value ? JSON.parse(value) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function write(name, value) {
    try {
      window.localStorage.setItem(name, JSON.stringify(value));
      return true;
    } catch (error) {
      return false;
    }
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? values[name] : match;
    });
  }

  function clockTime(iso) {
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  }

  function sameDay(iso) {
    return new Date(iso).toDateString() === new Date().toDateString();
  }

  var problem = ""; // why the waiting sessions cannot go now, beyond the network
  // Set just before this page reloaded itself to show a routine changed while offline.
  var CHANGED = "dorsi.offline.changed";
  var changedShown = false;
  try {
    changedShown = window.sessionStorage.getItem(CHANGED) === "1";
    window.sessionStorage.removeItem(CHANGED);
  } catch (error) {
    /* no session storage: the new routine shows without the words */
  }

  function render() {
    var queue = read(QUEUE, []);
    var last = read(LAST, null);
    var lines = changedShown ? [data.changedShown] : [];
    if (queue.length === 1) lines.push(data.waitingOne);
    else if (queue.length > 1) lines.push(fill(data.waitingMany, { count: queue.length }));
    if (queue.length && problem) lines.push(problem);
    if (!queue.length && !navigator.onLine) lines.push(data.offlineNow);
    if (last && sameDay(last.at)) {
      lines.push(
        last.refused
          ? fill(data.refused, { reason: last.refused })
          : fill(data.sent, { time: clockTime(last.at) })
      );
    }
    words.replaceChildren.apply(words, lines.map(function (line) {
      var paragraph = document.createElement("p");
      paragraph.textContent = line;
      return paragraph;
    }));
    box.hidden = !lines.length;
    box.dataset.waiting = String(queue.length);
    box.classList.toggle("is-refused", Boolean(last && last.refused && sameDay(last.at)));
  }

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); });
    return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)]
      .map(function (part) { return part.join(""); })
      .join("-");
  }

  // The form as the session-log API takes it: every exercise's status, or null if one is missing.
  function sessionFromForm() {
    var entries = [];
    var complete = true;
    form.querySelectorAll("fieldset[data-status-for]").forEach(function (fieldset) {
      var checked = fieldset.querySelector("input[type=radio]:checked");
      if (!checked) complete = false;
      else entries.push({ item: Number(fieldset.dataset.statusFor), status: checked.value });
    });
    if (!complete) return null;
    var pain = form.elements.pain.value.trim();
    return {
      version: Number(form.elements.version.value),
      client_token: form.elements.client_token.value,
      session_date: form.elements.session_date.value || null,
      pain: pain === "" ? null : Number(pain),
      comment: form.elements.comment.value,
      entries: entries,
    };
  }

  function csrfToken() {
    var cookie = document.cookie.split("; ").filter(function (part) {
      return part.indexOf("csrftoken=") === 0;
    })[0];
    if (cookie) return cookie.slice("csrftoken=".length);
    var field = form.elements.csrfmiddlewaretoken;
    return field ? field.value : "";
  }

  // The first reason the server gave, whatever field it is about.
  function reasonOf(body) {
    var found = "";
    (function walk(value) {
      if (found || value === null || value === undefined) return;
      if (typeof value === "string") found = value;
      else if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === "object") Object.keys(value).forEach(function (k) { walk(value[k]); });
    })(body);
    return found;
  }

  function settle(token, outcome) {
    write(QUEUE, read(QUEUE, []).filter(function (entry) { return entry.client_token !== token; }));
    write(LAST, outcome);
  }

  var sending = null;

  // Sends what waits, in the order it was logged; stops at the first that cannot go now.
  function flush() {
    if (sending) return sending;
    problem = "";
    sending = read(QUEUE, []).reduce(function (previous, entry) {
      return previous.then(function (goOn) {
        if (!goOn) return false;
        return send(entry);
      });
    }, Promise.resolve(true)).then(function () {
      sending = null;
      render();
    });
    return sending;
  }

  function send(entry) {
    return fetch(data.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(entry),
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        settle(entry.client_token, { at: new Date().toISOString() });
        return true;
      }
      if (response.status === 400) {
        // Refused by today's rules (a routine changed meanwhile, a day already full): it will
        // never be accepted, so it leaves the queue with the server's reason.
        return response.json().then(function (body) {
          settle(entry.client_token, { at: new Date().toISOString(), refused: reasonOf(body) });
          return true;
        });
      }
      if (response.status === 401 || response.status === 403) problem = data.signInAgain;
      return false;
    }, function () {
      return false; // still no network: the next `online` event tries again
    });
  }

  // Back online: the page the patient has may be an old copy. If the routine changed meanwhile,
  // show the new one (at once, unless the timer is running).
  function checkRoutine() {
    return fetch(data.routineUrl + location.search, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) return;
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.querySelector("[data-offline-status]");
          var now = fresh ? fresh.dataset.routine : "none";
          if (now === data.routine) return;
          var timer = document.querySelector("[data-timer]");
          if (!timer || !timer.classList.contains("is-running")) {
            try {
              window.sessionStorage.setItem(CHANGED, "1");
            } catch (error) {
              /* the page still reloads */
            }
            location.reload();
            return;
          }
          var notice = document.createElement("p");
          var link = document.createElement("a");
          link.href = data.routineUrl;
          link.textContent = data.showNew;
          notice.className = "routine-changed";
          notice.append(data.changed + " ", link);
          box.append(notice);
          box.hidden = false;
        });
      }, function () { /* offline again */ });
  }

  function keep() {
    var session = sessionFromForm();
    if (!session) {
      words.textContent = data.sayEach;
      box.hidden = false;
      box.scrollIntoView({ block: "center" });
      return;
    }
    var queue = read(QUEUE, []);
    queue.push(session);
    write(QUEUE, queue);
    // The next session logged from this page is another one, with a token of its own.
    form.reset();
    form.elements.client_token.value = newToken();
    form.elements.session_date.value = session.session_date || "";
    render();
    box.scrollIntoView({ block: "center" });
  }

  // Online, the form goes as it would without this script; only a network that fails on the
  // way (a signal that comes and goes) turns it into a session kept for later. Posted by
  // fetch: a redirect means it was recorded and the patient's home page says so; any other
  // answer is the same form posted again the ordinary way (nothing was recorded, so the
  // server shows its errors; the client token makes even a wrong guess harmless).
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!navigator.onLine) {
      keep();
      return;
    }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
    }).then(function (response) {
      if (response.type === "opaqueredirect") location.assign(data.scope);
      else form.submit();
    }, keep);
  });

  window.addEventListener("online", function () {
    flush().then(checkRoutine);
  });
  window.addEventListener("offline", render);
  // A signal lost on the way while the phone believes it is online fires no `online` event.
  window.setInterval(function () {
    if (navigator.onLine && read(QUEUE, []).length) flush();
  }, 30000);
  window.addEventListener("pageshow", render);
  // A copy kept from an earlier day still proposes that day's date: today, on the phone's
  // calendar, unless the patient chose a date themselves.
  (function () {
    var field = form.elements.session_date;
    var age = Date.now() - Number(data.rendered) * 1000;
    var now = new Date();
    var today = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
      String(now.getDate()).padStart(2, "0");
    if (field && age > 10 * 60 * 1000 && field.value === field.defaultValue && field.value < today) {
      field.value = today;
    }
  })();
  render();
  if (changedShown) box.scrollIntoView({ block: "center" });
  if (navigator.onLine) flush();
})();
