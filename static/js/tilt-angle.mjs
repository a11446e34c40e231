// The phone as an inclinometer: pure maths on DeviceOrientationEvent angles (degrees).
// No DOM and no globals: tilt-measure.js drives it, tests/js/tilt-angle.test.mjs checks it.
//
// W3C device orientation: the device frame (x to the screen's right, y to its top, z out of
// the screen) turns into the earth frame by R = Rz(alpha)·Rx(beta)·Ry(gamma). Earth's "up" seen
// from the device is R's third row, u = (-sin γ cos β, sin β, cos β cos γ): alpha (the compass
// heading) never enters, so the angles hold whichever way the patient faces.

export const STEADY_WINDOW_MS = 2000;
// The service's STEADY_SPREAD_DEG: readings within ±0.5° over the window.
export const STEADY_SPREAD_DEG = 1.0;
// A floor zero further than this from flat is a phone that was not lying on the floor.
export const MAX_ZERO_DEG = 5;

// Where the phone may sit for each measurement, and which way its screen faces (+1: out of the
// front of the leg, -1: out of the back). Portrait and landscape read the same: the maths takes
// the tilt of the phone's whole back, not of one of its edges (see lungeAngle).
export const PLACEMENTS = {
  lunge: {
    "shin-portrait": { screen: 1 },
    "shin-landscape": { screen: 1 },
    heel: { screen: -1 },
  },
  slr: {
    "shin-foot": { screen: 1 },
  },
};

const DEG = Math.PI / 180;

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** Degrees into [-180, 180). */
export function wrap180(degrees) {
  return ((((degrees + 180) % 360) + 360) % 360) - 180;
}

/** One decimal, as the service stores degrees. */
export function round1(value) {
  if (!finite(value)) return null;
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** A reading's beta and gamma with the floor zero taken off, or null without a sensor. */
export function applyZero(reading, zero) {
  if (!reading || !finite(reading.beta) || !finite(reading.gamma)) return null;
  if (!zero) return { beta: reading.beta, gamma: reading.gamma };
  return { beta: wrap180(reading.beta - zero.beta), gamma: reading.gamma - zero.gamma };
}

/** Earth's up in device coordinates, a unit vector [x, y, z]; null without a sensor. */
export function upVector(reading, zero = null) {
  const angles = applyZero(reading, zero);
  if (!angles) return null;
  const b = angles.beta * DEG;
  const g = angles.gamma * DEG;
  return [-Math.sin(g) * Math.cos(b), Math.sin(b), Math.cos(b) * Math.cos(g)];
}

/**
 * The tibia's angle from vertical in the lunge, in degrees: positive when the shin leans
 * forward toward the wall, negative when it leans back. The phone lies flat on the leg, so
 * its back is the plane of the shin's front (or of the Achilles behind): the angle is that
 * plane's tilt, atan2(-s·u·z, |u in the screen plane|), s the placement's screen side. For a
 * phone exactly along the tibia this is atan2(-s·u·z, u·a), a the phone's along-the-leg
 * axis; unlike it, it does not change when the phone sits turned on the shin (portrait,
 * landscape with either edge up, or askew), which a hand-held phone always is a little.
 */
export function lungeAngle(reading, { placement = "shin-portrait", zero = null } = {}) {
  const where = PLACEMENTS.lunge[placement];
  if (!where) throw new Error(`unknown lunge placement: ${placement}`);
  const u = upVector(reading, zero);
  if (!u) return null;
  return Math.atan2(-where.screen * u[2], Math.hypot(u[0], u[1])) / DEG;
}

/**
 * The straight-leg raise: the leg's elevation above horizontal, in degrees (the hip flexion
 * of a straight leg). Patient supine, phone on the front of the shin, top toward the foot,
 * screen up: the phone's y axis runs along the leg, and its elevation is asin(u·y). That
 * stays true when the leg rolls out or in about its own axis, as a supine leg does.
 */
export function slrAngle(reading, { zero = null } = {}) {
  const u = upVector(reading, zero);
  if (!u) return null;
  return Math.asin(Math.max(-1, Math.min(1, u[1]))) / DEG;
}

/** The angle for a mode ("lunge" or "slr"), or null without a sensor. */
export function measureAngle(mode, reading, options = {}) {
  if (mode === "lunge") return lungeAngle(reading, options);
  if (mode === "slr") return slrAngle(reading, options);
  throw new Error(`unknown tilt mode: ${mode}`);
}

/**
 * Steadiness over the last windowMs of timestamped samples [{t, value}] (t in ms, oldest
 * first). Steady when the samples reach back over the whole window, none is missing, and they
 * stay within maxSpread (max - min). Returns {steady, spread, mean, covered}: covered is how
 * many ms of the window the samples span.
 */
export function steadiness(samples, { windowMs = STEADY_WINDOW_MS, maxSpread = STEADY_SPREAD_DEG } = {}) {
  const none = { steady: false, spread: null, mean: null, covered: 0 };
  if (!Array.isArray(samples) || samples.length === 0) return none;
  const last = samples[samples.length - 1].t;
  const start = last - windowMs;
  const inWindow = samples.filter((sample) => sample.t >= start);
  const covered = Math.min(windowMs, last - inWindow[0].t);
  const values = inWindow.map((sample) => sample.value);
  if (!values.every(finite)) return { ...none, covered };
  const spread = Math.max(...values) - Math.min(...values);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return { steady: covered >= windowMs && spread <= maxSpread, spread, mean, covered };
}

/**
 * How long (ms) the latest samples have stayed within maxSpread of each other, counted back
 * from the newest: the steadiness indicator fills up to windowMs with it. 0 when the newest
 * sample has no value.
 */
export function steadyFor(samples, { maxSpread = STEADY_SPREAD_DEG } = {}) {
  if (!Array.isArray(samples) || samples.length === 0) return 0;
  const last = samples[samples.length - 1];
  if (!finite(last.value)) return 0;
  let low = last.value;
  let high = last.value;
  let since = last.t;
  for (let i = samples.length - 2; i >= 0; i--) {
    const { t, value } = samples[i];
    if (!finite(value)) break;
    low = Math.min(low, value);
    high = Math.max(high, value);
    if (high - low > maxSpread) break;
    since = t;
  }
  return last.t - since;
}

/** What a steady window captures: the mean and the spread, each to one decimal. */
export function captureValue(state) {
  if (!state || !state.steady) return null;
  return { angle: round1(state.mean), spread: round1(state.spread) };
}

/** Whether an angle lies in [min, max] (either bound may be missing). */
export function inRange(angle, min, max) {
  if (!finite(angle)) return false;
  return (!finite(min) || angle >= min) && (!finite(max) || angle <= max);
}

/**
 * The floor zero from steady raw readings: {beta, gamma} means, or {error} when the phone was
 * not flat (screen up) or not still. Samples are [{t, beta, gamma}].
 */
export function zeroFromSamples(samples, options = {}) {
  const beta = steadiness(samples.map((s) => ({ t: s.t, value: s.beta })), options);
  const gamma = steadiness(samples.map((s) => ({ t: s.t, value: s.gamma })), options);
  if (!beta.steady || !gamma.steady) return { error: "moving" };
  if (Math.abs(beta.mean) > MAX_ZERO_DEG || Math.abs(gamma.mean) > MAX_ZERO_DEG) {
    return { error: "not-flat" };
  }
  return { beta: round1(beta.mean) ?? 0, gamma: round1(gamma.mean) ?? 0 };
}

/** A zero as kept in localStorage, read back; null when absent or not a usable zero. */
export function parseZero(text) {
  if (typeof text !== "string" || text === "") return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || !finite(value.beta) || !finite(value.gamma)) return null;
  if (Math.abs(value.beta) > MAX_ZERO_DEG || Math.abs(value.gamma) > MAX_ZERO_DEG) return null;
  return { beta: value.beta, gamma: value.gamma };
}
