// The phone as an inclinometer: a "Measure with this phone" button beside every
// input[data-tilt-measure] ("lunge" or "slr"). The panel (templates/_tilt_panel.html) reads the
// tilt sensor, captures once the phone has been still for 2 s, and writes the angle, the
// method ("phone") and the readings' spread into the form. The maths is tilt-angle.mjs.
// Without a sensor, a permission or a secure context it says so and leaves the typing.

const panel = document.querySelector("[data-tilt-panel]");
const tilt = panel ? await import(panel.dataset.tiltAngleModule) : null;

// Every sentence this script shows, in one place: the page's JSON block `tilt-words` carries them
// in the reader's language (assessments/tilt_words.py); these are the English defaults.
const ENGLISH = {
  button: "Measure with this phone",
  side: { left: "left", right: "right" },
  title: { lunge: "Shin angle, {side}", slr: "Leg raise, {side}" },
  waiting: "Waiting for the tilt sensor…",
  place: "Place the phone and hold still.",
  moving: "Hold still…",
  outOfRange: "{angle}° is outside {min}° to {max}°: is the phone placed as shown?",
  captured: "Captured: {angle}°.",
  capturedNote: "The readings stayed within {spread}° over 2 seconds.",
  used: "Measured with the phone: {angle}° (readings within {spread}°).",
  insecure: "This page is not on a secure connection (https), so the browser does not share the tilt sensor.",
  noApi: "This browser has no tilt sensor.",
  noSensor: "No tilt sensor answered on this device.",
  denied: "The tilt sensor was not allowed: allow motion access and try again.",
  typeInstead: "Type the angle instead.",
  // A self-test's angle is the phone's own reading (its input is read-only): nothing to type.
  phoneOnly: "The angle needs a phone's tilt sensor; your distances save without it.",
  zeroPlace: "Lay the phone flat on the floor, screen up, and let go of it…",
  zeroSet: "Zero set from the floor ({beta}°, {gamma}°): kept in this browser.",
  zeroNotFlat: "The phone is not lying flat: put it on a level floor, screen up.",
  zeroNone: "No zero set: the phone's own level is used.",
  zeroCleared: "Zero cleared: the phone's own level is used.",
};
const wordsNode = document.getElementById("tilt-words");
const STRINGS = { ...ENGLISH, ...(wordsNode ? JSON.parse(wordsNode.textContent) : {}) };

const SAMPLE_MS = 100; // the sensor's last reading, sampled: a still phone may send no events
const NO_SENSOR_MS = 2000;
const KEEP_MS = tilt ? tilt.STEADY_WINDOW_MS + 500 : 0;
const ZERO_KEY = "dorsi.tilt.zero";
const PLACEMENT_KEY = "dorsi.tilt.placement";

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
}

function deg(value) {
  return value.toFixed(1);
}

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage switched off: no zero kept
  }
}

function store(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Nothing to keep it in: the zero lasts this visit only.
  }
}

const els = panel && {
  title: panel.querySelector("[data-tilt-title]"),
  close: panel.querySelector("[data-tilt-close]"),
  live: panel.querySelector("[data-tilt-live]"),
  steady: panel.querySelector("[data-tilt-steady]"),
  status: panel.querySelector("[data-tilt-status]"),
  result: panel.querySelector("[data-tilt-result]"),
  liveOnly: panel.querySelectorAll("[data-tilt-live-only]"),
  resultOnly: panel.querySelectorAll("[data-tilt-result-only]"),
  captured: panel.querySelector("[data-tilt-captured]"),
  capturedNote: panel.querySelector("[data-tilt-captured-note]"),
  use: panel.querySelector("[data-tilt-use]"),
  retake: panel.querySelector("[data-tilt-retake]"),
  zero: panel.querySelector("[data-tilt-zero]"),
  zeroClear: panel.querySelector("[data-tilt-zero-clear]"),
  zeroNote: panel.querySelector("[data-tilt-zero-note]"),
};

// One measurement at a time: the input it is for and what the sensor said.
let session = null;
let audio = null;
let zero = tilt ? tilt.parseZero(stored(ZERO_KEY)) : null;

function placement() {
  if (session.mode === "slr") return "shin-foot";
  const checked = panel.querySelector("input[name=tilt-placement]:checked");
  return checked ? checked.value : "shin-portrait";
}

function showPlacement() {
  const current = placement();
  panel.querySelectorAll("[data-tilt-guide]").forEach((guide) => {
    guide.hidden = guide.dataset.tiltGuide !== current;
  });
  panel.querySelectorAll("[data-tilt-figure]").forEach((figure) => {
    figure.hidden = figure.dataset.tiltFigure !== (current === "heel" ? "heel" : "shin");
  });
  const guide = panel.querySelector(`[data-tilt-guide="${current}"]`);
  if (guide) panel.setAttribute("aria-describedby", guide.id);
}

function showResult(shown) {
  els.liveOnly.forEach((element) => {
    element.hidden = shown;
  });
  els.resultOnly.forEach((element) => {
    element.hidden = !shown;
  });
}

function say(text) {
  if (els.status.textContent !== text) els.status.textContent = text;
}

function showZero(text) {
  els.zeroClear.hidden = !zero;
  els.zeroNote.textContent = text || (zero ? format(STRINGS.zeroSet, zero) : STRINGS.zeroNone);
}

// --- Feedback -----------------------------------------------------------------------------

function unlockAudio() {
  // Created from the click itself: browsers only let a page make sound after a gesture.
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

function beep() {
  if (audio) {
    try {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch {
      // No sound: the vibration and the screen still say it.
    }
  }
  if (navigator.vibrate) navigator.vibrate(150);
}

// --- Readings -----------------------------------------------------------------------------

function onOrientation(event) {
  if (!session || event.beta === null || event.gamma === null) return;
  session.latest = { alpha: event.alpha, beta: event.beta, gamma: event.gamma };
  if (!session.sensed) {
    session.sensed = true;
    say(STRINGS.place);
  }
}

function sample() {
  if (!session || !session.latest || session.phase === "captured") return;
  const now = performance.now();
  const { beta, gamma } = session.latest;
  if (session.phase === "zero") {
    session.samples.push({ t: now, beta, gamma, value: beta });
    trim(now);
    els.steady.value = Math.min(tilt.steadyFor(session.samples), tilt.STEADY_WINDOW_MS);
    return takeZero();
  }
  const value = tilt.measureAngle(session.mode, session.latest, { placement: placement(), zero });
  session.samples.push({ t: now, value });
  trim(now);
  els.live.textContent = value === null ? "–" : deg(tilt.round1(value));
  const state = tilt.steadiness(session.samples);
  const held = Math.min(tilt.steadyFor(session.samples), tilt.STEADY_WINDOW_MS);
  els.steady.value = held;
  const allowed = state.steady && tilt.inRange(state.mean, session.min, session.max);
  panel.classList.toggle("is-steady", state.steady);
  if (state.steady && !allowed) {
    say(format(STRINGS.outOfRange, { angle: deg(tilt.round1(state.mean)), min: session.min, max: session.max }));
  } else if (allowed) {
    capture(state); // steady for the whole window: captured at once, with a tone
  } else {
    say(session.samples.length > 1 ? STRINGS.moving : STRINGS.place);
  }
}

function trim(now) {
  while (session.samples.length && session.samples[0].t < now - KEEP_MS) session.samples.shift();
}

function capture(state) {
  const value = tilt.captureValue(state);
  if (!value) return;
  session.phase = "captured";
  session.value = value;
  els.captured.textContent = deg(value.angle);
  els.capturedNote.textContent = format(STRINGS.capturedNote, { spread: deg(value.spread) });
  showResult(true);
  say(format(STRINGS.captured, { angle: deg(value.angle) }));
  beep();
  els.use.focus();
}

function retake() {
  session.phase = "measure";
  session.samples = [];
  session.value = null;
  showResult(false);
  els.steady.value = 0;
  panel.classList.remove("is-steady");
  say(STRINGS.place);
  els.title.focus();
}

function takeZero() {
  const result = tilt.zeroFromSamples(session.samples);
  if (result.error === "moving") return;
  if (result.error === "not-flat") {
    showZero(STRINGS.zeroNotFlat);
    return;
  }
  zero = result;
  store(ZERO_KEY, JSON.stringify(zero));
  showZero();
  session.phase = "measure";
  session.samples = [];
  say(STRINGS.place);
}

// --- Opening, using and closing -----------------------------------------------------------

function noteFor(input) {
  return document.getElementById(`${input.id}_tilt_note`);
}

function fallback(input, text) {
  if (panel.open) panel.close();
  const note = noteFor(input);
  if (note) note.textContent = `${text} ${input.readOnly ? STRINGS.phoneOnly : STRINGS.typeInstead}`;
  input.focus();
}

async function open(input, button) {
  const note = noteFor(input);
  if (note) note.textContent = "";
  if (!window.isSecureContext) return fallback(input, STRINGS.insecure);
  if (typeof window.DeviceOrientationEvent === "undefined") return fallback(input, STRINGS.noApi);
  unlockAudio();
  // iOS (and newer Chromium) asks first, and only from a tap: this click is that tap.
  if (typeof DeviceOrientationEvent.requestPermission === "function") {
    let answer = "denied";
    try {
      answer = await DeviceOrientationEvent.requestPermission();
    } catch {
      answer = "denied";
    }
    if (answer !== "granted") return fallback(input, STRINGS.denied);
  }
  const mode = input.dataset.tiltMeasure === "slr" ? "slr" : "lunge";
  const side = STRINGS.side[input.dataset.tiltSide] || input.dataset.tiltSide || "";
  session = {
    input,
    button,
    mode,
    min: input.min === "" ? null : Number(input.min),
    max: input.max === "" ? null : Number(input.max),
    phase: "measure",
    samples: [],
    latest: null,
    sensed: false,
    value: null,
  };
  els.title.textContent = format(STRINGS.title[mode], { side });
  panel.querySelectorAll("[data-tilt-for]").forEach((block) => {
    block.hidden = block.dataset.tiltFor !== mode;
  });
  showPlacement();
  showZero();
  els.live.textContent = "–";
  showResult(false);
  els.steady.value = 0;
  panel.classList.remove("is-steady");
  say(STRINGS.waiting);
  panel.showModal();
  window.addEventListener("deviceorientation", onOrientation);
  session.timer = window.setInterval(sample, SAMPLE_MS);
  session.noSensor = window.setTimeout(() => {
    if (session && !session.sensed) fallback(input, STRINGS.noSensor);
  }, NO_SENSOR_MS);
}

function stop() {
  if (!session) return;
  window.removeEventListener("deviceorientation", onOrientation);
  window.clearInterval(session.timer);
  window.clearTimeout(session.noSensor);
  session = null;
}

function use() {
  const { input, value } = session;
  const method = document.getElementById(input.dataset.tiltMethodInput);
  const spread = document.getElementById(input.dataset.tiltSpreadInput);
  input.value = deg(value.angle);
  if (method) method.value = "phone";
  if (spread) spread.value = deg(value.spread);
  input.setCustomValidity("");
  input.removeAttribute("aria-invalid");
  panel.close();
  const note = noteFor(input);
  if (note) note.textContent = format(STRINGS.used, { angle: deg(value.angle), spread: deg(value.spread) });
  input.focus();
}

function enhance(input) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary tilt-open";
  button.textContent = STRINGS.button;
  const side = STRINGS.side[input.dataset.tiltSide];
  if (side) {
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` (${side})`;
    button.append(hidden);
  }
  const note = document.createElement("p");
  note.className = "tilt-note";
  note.id = `${input.id}_tilt_note`;
  note.setAttribute("role", "status");
  const anchor = document.getElementById(`${input.id}_live`) || input;
  anchor.after(button, note);
  button.addEventListener("click", () => open(input, button));
  const method = document.getElementById(input.dataset.tiltMethodInput);
  if (method && method.tagName === "SELECT") {
    method.addEventListener("change", () => {
      // Another instrument chosen: the phone's spread no longer belongs to this angle.
      const spread = document.getElementById(input.dataset.tiltSpreadInput);
      if (spread && method.value !== "phone") spread.value = "";
    });
  }
  input.addEventListener("input", (event) => {
    // Typed by hand: no longer a capture. The method stays as chosen.
    if (!event.isTrusted) return;
    const spread = document.getElementById(input.dataset.tiltSpreadInput);
    if (spread) spread.value = "";
    note.textContent = "";
  });
}

if (panel) {
  const saved = stored(PLACEMENT_KEY);
  const radio = saved && panel.querySelector(`input[name=tilt-placement][value="${saved}"]`);
  if (radio) radio.checked = true;
  panel.addEventListener("change", (event) => {
    if (event.target.name !== "tilt-placement") return;
    store(PLACEMENT_KEY, event.target.value);
    showPlacement();
    if (session && session.phase === "measure") session.samples = [];
  });
  panel.addEventListener("close", () => {
    const button = session && session.button;
    const input = session && session.input;
    stop();
    // Back where the panel was opened from, unless a fallback or "use" moved focus on.
    if (button && input && document.activeElement !== input) button.focus();
  });
  els.close.addEventListener("click", () => panel.close());
  els.retake.addEventListener("click", retake);
  els.use.addEventListener("click", use);
  els.zero.addEventListener("click", () => {
    if (!session) return;
    session.phase = "zero";
    session.samples = [];
    showResult(false);
    els.live.textContent = "–";
    els.steady.value = 0;
    showZero(STRINGS.zeroPlace);
    say(STRINGS.zeroPlace);
  });
  els.zeroClear.addEventListener("click", () => {
    zero = null;
    store(ZERO_KEY, null);
    showZero(STRINGS.zeroCleared);
    if (session) session.samples = [];
  });
  document.querySelectorAll("input[data-tilt-measure]").forEach(enhance);
}
