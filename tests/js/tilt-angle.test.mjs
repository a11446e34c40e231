// Unit tests of static/js/tilt-angle.mjs with node's own runner: `node --test tests/js/`
// (tests/js/test_node_units.py runs it inside the pytest suite).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  applyZero,
  captureValue,
  inRange,
  lungeAngle,
  measureAngle,
  parseZero,
  round1,
  slrAngle,
  steadiness,
  steadyFor,
  upVector,
  wrap180,
  zeroFromSamples,
} from "../../static/js/tilt-angle.mjs";

const DEG = Math.PI / 180;

// --- Building a phone's orientation from a known body angle -------------------------------
// Vectors in the earth frame: x east, y north, z up. A rotation is given by the device's three
// axes (x to the screen's right, y to its top, z out of the screen) in earth coordinates: the
// columns of R, which turns device vectors into earth vectors.

const add = (a, b) => a.map((v, i) => v + b[i]);
const scale = (a, k) => a.map((v) => v * k);
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

function matrix({ x, y, z }) {
  return [0, 1, 2].map((row) => [x[row], y[row], z[row]]);
}

function multiply(a, b) {
  return a.map((row) => [0, 1, 2].map((col) => row.reduce((sum, v, k) => sum + v * b[k][col], 0)));
}

// The W3C composition R = Rz(alpha)·Rx(beta)·Ry(gamma), written out independently of the module.
function w3c(alpha, beta, gamma) {
  const [a, b, g] = [alpha * DEG, beta * DEG, gamma * DEG];
  const rz = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
  const rx = [[1, 0, 0], [0, Math.cos(b), -Math.sin(b)], [0, Math.sin(b), Math.cos(b)]];
  const ry = [[Math.cos(g), 0, Math.sin(g)], [0, 1, 0], [-Math.sin(g), 0, Math.cos(g)]];
  return multiply(multiply(rz, rx), ry);
}

// What a browser reports for R: alpha in [0, 360), beta in [-180, 180), gamma in [-90, 90).
function euler(r) {
  if (Math.hypot(r[2][0], r[2][2]) < 1e-12) {
    // Upright (beta ±90°): gimbal lock, alpha and gamma turn about the same axis; take gamma 0.
    const beta = r[2][1] > 0 ? 90 : -90;
    const alpha = (Math.atan2(Math.sign(r[2][1]) * r[0][2], r[0][0]) / DEG + 360) % 360;
    return { alpha, beta, gamma: 0 };
  }
  const sign = r[2][2] < 0 ? -1 : 1; // cos(gamma) >= 0, so cos(beta) takes the sign of R22
  const cb = sign * Math.hypot(r[2][0], r[2][2]);
  const beta = Math.atan2(r[2][1], cb) / DEG;
  const gamma = Math.atan2(-r[2][0] / cb, r[2][2] / cb) / DEG;
  const alpha = (Math.atan2(-r[0][1] / cb, r[1][1] / cb) / DEG + 360) % 360;
  return { alpha, beta, gamma };
}

// The reading a phone would give, checked by building R back from it (the round trip).
function reading(axes) {
  const r = matrix(axes);
  const angles = euler(r);
  const back = w3c(angles.alpha, angles.beta, angles.gamma);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(back[i][j] - r[i][j]) < 1e-9, "round trip");
  }
  return angles;
}

// The patient faces `heading` degrees east of north; F forward, U up.
function body(heading) {
  const h = heading * DEG;
  return { F: [Math.sin(h), Math.cos(h), 0], U: [0, 0, 1] };
}

// Lunge: the tibia leans theta forward, from the ankle up to the knee.
function lungeAxes({ theta, placement, heading = 0, twist = 0, edge = 1 }) {
  const { F, U } = body(heading);
  const t = theta * DEG;
  const tibia = add(scale(F, Math.sin(t)), scale(U, Math.cos(t)));
  const front = add(scale(F, Math.cos(t)), scale(U, -Math.sin(t))); // out of the shin's front
  let axes;
  if (placement === "shin-portrait") {
    axes = { y: tibia, z: front, x: cross(tibia, front) };
  } else if (placement === "shin-landscape") {
    const x = scale(tibia, edge); // edge +1: the screen's right edge toward the knee
    axes = { x, z: front, y: cross(front, x) };
  } else {
    const back = scale(front, -1);
    axes = { y: tibia, z: back, x: cross(tibia, back) };
  }
  return turnInScreen(axes, twist);
}

// The phone turned on the leg by `twist` degrees about its screen's normal.
function turnInScreen({ x, y, z }, twist) {
  const w = twist * DEG;
  return {
    x: add(scale(x, Math.cos(w)), scale(y, Math.sin(w))),
    y: add(scale(x, -Math.sin(w)), scale(y, Math.cos(w))),
    z,
  };
}

// SLR: supine, the straight leg raised phi above horizontal, phone top toward the foot, screen
// up; `roll` turns the leg (and the phone) about the leg's own axis.
function slrAxes({ phi, heading = 0, roll = 0 }) {
  const { F: toFeet, U } = body(heading);
  const p = phi * DEG;
  const leg = add(scale(toFeet, Math.cos(p)), scale(U, Math.sin(p)));
  let z = add(scale(toFeet, -Math.sin(p)), scale(U, Math.cos(p)));
  let x = cross(leg, z);
  const r = roll * DEG;
  [x, z] = [add(scale(x, Math.cos(r)), scale(z, Math.sin(r))), add(scale(z, Math.cos(r)), scale(x, -Math.sin(r)))];
  return { x, y: leg, z };
}

const close = (actual, expected, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

// --- Placements -------------------------------------------------------------------------

test("up in device coordinates is R's third row, as the W3C composition gives it", () => {
  for (const [a, b, g] of [[0, 0, 0], [30, 40, -20], [200, -130, 60], [359, 170, -89]]) {
    const r = w3c(a, b, g);
    const u = upVector({ alpha: a, beta: b, gamma: g });
    [0, 1, 2].forEach((i) => close(u[i], r[2][i], 1e-12));
  }
});

test("front of the shin, portrait, top toward the knee, screen facing forward", () => {
  for (const theta of [0, 35, -8, 38, 33, 60]) {
    for (const heading of [0, 123, 270]) {
      const r = reading(lungeAxes({ theta, placement: "shin-portrait", heading }));
      close(lungeAngle(r, { placement: "shin-portrait" }), theta);
      // The hint's formula, atan2(-u·z, u·y), agrees for a phone exactly along the tibia.
      const u = upVector(r);
      close(Math.atan2(-u[2], u[1]) / DEG, theta);
    }
  }
});

test("front of the shin, landscape, with either edge toward the knee", () => {
  for (const theta of [0, 35, -8]) {
    for (const edge of [1, -1]) {
      const r = reading(lungeAxes({ theta, placement: "shin-landscape", edge, heading: 45 }));
      close(lungeAngle(r, { placement: "shin-landscape" }), theta);
      const u = upVector(r);
      close(Math.atan2(-u[2], edge * u[0]) / DEG, theta);
    }
  }
});

test("back of the heel above the heel bone, screen facing backward", () => {
  for (const theta of [0, 35, -8]) {
    const r = reading(lungeAxes({ theta, placement: "heel", heading: 300 }));
    close(lungeAngle(r, { placement: "heel" }), theta);
    // The screen faces the other way: the same reading as a front placement has the sign
    // turned, so the placement matters.
    close(lungeAngle(r, { placement: "shin-portrait" }), -theta);
  }
});

test("a phone askew on the shin reads the same, where an edge-based formula would not", () => {
  const r = reading(lungeAxes({ theta: 35, placement: "shin-portrait", twist: 20 }));
  close(lungeAngle(r, { placement: "shin-portrait" }), 35);
  const u = upVector(r);
  assert.ok(Math.atan2(-u[2], u[1]) / DEG > 36, "the edge-based formula over-reads");
});

test("straight-leg raise: the leg's elevation above horizontal, rolled or not", () => {
  for (const phi of [0, 30, 45, 70, 85]) {
    for (const roll of [0, 15, -15]) {
      const r = reading(slrAxes({ phi, roll, heading: 80 }));
      close(slrAngle(r), phi);
      close(measureAngle("slr", r), phi);
    }
  }
  close(slrAngle({ alpha: 0, beta: 0, gamma: 0 }), 0); // lying flat: 0°
});

test("an unknown placement or mode is a programming error", () => {
  assert.throws(() => lungeAngle({ beta: 0, gamma: 0 }, { placement: "knee" }));
  assert.throws(() => measureAngle("slump", { beta: 0, gamma: 0 }));
});

// --- Zero on the floor --------------------------------------------------------------------

test("the floor zero is taken off before the maths", () => {
  const bias = { beta: 1.2, gamma: -0.8 }; // what this phone reads lying flat on the floor
  const floor = Array.from({ length: 21 }, (_, i) => ({ t: i * 100, beta: 1.2 + (i % 2) * 0.1, gamma: -0.8 }));
  const zero = zeroFromSamples(floor);
  assert.equal(zero.beta, 1.2); // 11 readings of 1.2 and 10 of 1.3: a mean of 1.248
  close(zero.gamma, -0.8);
  const r = reading(lungeAxes({ theta: 35, placement: "shin-portrait" }));
  const biased = { alpha: r.alpha, beta: r.beta + bias.beta, gamma: r.gamma + bias.gamma };
  assert.ok(Math.abs(lungeAngle(biased) - 35) > 1, "without the zero the bias shows");
  close(lungeAngle(biased, { zero: bias }), 35, 1e-9);
  close(lungeAngle(biased, { zero }), 35, 0.1);
});

test("a zero is refused when the phone is not flat or not still", () => {
  const tilted = Array.from({ length: 21 }, (_, i) => ({ t: i * 100, beta: 12, gamma: 0 }));
  assert.deepEqual(zeroFromSamples(tilted), { error: "not-flat" });
  const moving = Array.from({ length: 21 }, (_, i) => ({ t: i * 100, beta: i % 2 ? 2 : 0, gamma: 0 }));
  assert.deepEqual(zeroFromSamples(moving), { error: "moving" });
});

test("a kept zero is read back only when it is one", () => {
  assert.deepEqual(parseZero('{"beta": 1.5, "gamma": -0.5}'), { beta: 1.5, gamma: -0.5 });
  for (const text of [null, "", "nope", "{}", '{"beta": 40, "gamma": 0}', '{"beta": "1", "gamma": 0}']) {
    assert.equal(parseZero(text), null, String(text));
  }
  assert.deepEqual(applyZero({ beta: -179, gamma: 0 }, { beta: 2, gamma: 0 }), { beta: 179, gamma: 0 });
});

// --- Steadiness -----------------------------------------------------------------------------

const series = (values, step = 100) => values.map((value, i) => ({ t: 1000 + i * step, value }));

test("steady: 2 s of readings within ±0.5° capture their mean to one decimal", () => {
  const values = Array.from({ length: 21 }, (_, i) => 38 + (i % 3) * 0.4); // 38.0 .. 38.8
  const state = steadiness(series(values));
  assert.equal(state.steady, true);
  close(state.spread, 0.8, 1e-9);
  assert.deepEqual(captureValue(state), { angle: round1(state.mean), spread: 0.8 });
  close(captureValue(state).angle, 38.4, 0.05);
});

test("moving: readings that swing more than 1° are never steady", () => {
  const values = Array.from({ length: 30 }, (_, i) => (i % 2 ? 38 : 39.2));
  const state = steadiness(series(values, 200));
  assert.equal(state.steady, false);
  close(state.spread, 1.2, 1e-9);
  assert.equal(captureValue(state), null);
  // Only the last 2 s count: an early wobble does not hold the capture back.
  const settled = series([30, 45, ...Array(21).fill(38)]);
  assert.equal(steadiness(settled).steady, true);
});

test("too short: under 2 s of readings is not yet steady", () => {
  const state = steadiness(series(Array(15).fill(38))); // 1.4 s
  assert.equal(state.steady, false);
  assert.equal(state.covered, 1400);
  assert.equal(steadiness([]).steady, false);
  assert.equal(steadiness(undefined).steady, false);
});

test("the indicator fills with the time the latest readings have stayed within 1°", () => {
  assert.equal(steadyFor(series([30, 45, 38, 38.4, 38.9, 38.2])), 300);
  assert.equal(steadyFor(series(Array(31).fill(38))), 3000);
  assert.equal(steadyFor(series([38, 38, 39.5])), 0);
  assert.equal(steadyFor(series([38, null, 38, 38])), 100);
  assert.equal(steadyFor(series([38, null])), 0);
  assert.equal(steadyFor([]), 0);
});

test("a missing reading inside the window is not steady", () => {
  const values = Array(21).fill(38);
  values[10] = null;
  assert.equal(steadiness(series(values)).steady, false);
});

// --- Degenerate input -----------------------------------------------------------------------

test("a device without a sensor (null angles) gives no angle, not 0", () => {
  for (const r of [null, undefined, {}, { alpha: null, beta: null, gamma: null }, { beta: 10, gamma: null }, { beta: NaN, gamma: 0 }]) {
    assert.equal(upVector(r), null);
    assert.equal(lungeAngle(r), null);
    assert.equal(slrAngle(r), null);
  }
});

test("angles are wrapped, rounded and checked against the range", () => {
  assert.equal(wrap180(190), -170);
  assert.equal(wrap180(-180), -180);
  assert.equal(wrap180(540), -180);
  assert.equal(round1(-0.04), 0);
  assert.equal(round1(38.25), 38.3);
  assert.equal(round1(null), null);
  assert.equal(inRange(70, -10, 70), true);
  assert.equal(inRange(70.1, -10, 70), false);
  assert.equal(inRange(-10.1, -10, 70), false);
  assert.equal(inRange(85, null, undefined), true);
  assert.equal(inRange(null, -10, 70), false);
  // A phone lying flat is far outside the lunge's range, so it is never auto-captured.
  assert.equal(inRange(lungeAngle({ beta: 0, gamma: 0 }), -10, 70), false);
  close(lungeAngle({ beta: 0, gamma: 0 }), -90);
  close(lungeAngle({ beta: 90, gamma: 0 }), 0);
});
