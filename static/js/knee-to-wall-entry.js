// Knee-to-wall entry: unit toggle, could-not-reach switch and validation as you type.
// The server checks everything again; this only saves a round trip.
(function () {
  "use strict";
  var form = document.querySelector("[data-entry-form]");
  if (!form) return;
  var UM = { cm: 10000, in: 25400 };
  var DECIMALS = { cm: 2, in: 2 };
  // The words come from the page, in the reader's language ({% entry_words_script %},
  // assessments/entry_words.py); these English ones stand in when the page has none.
  var WORDS = {
    required: "Enter the toe-to-wall distance.",
    number: "Enter a number (0 or more).",
    atMost: "At most {max} {unit}.",
    decimals: {
      cm: "Use at most 2 decimal places for centimetres (0.1 mm).",
      in: "Use inches to 2 decimal places (4.75) or in eighths (4.125).",
    },
    between: "Between {min} and {max}.",
    pain: "Pain is rated from 0 (none) to 10 (worst imaginable).",
    unit: { cm: "cm", in: "in" },
  };
  var block = document.getElementById("entry-words");
  if (block) {
    try {
      var given = JSON.parse(block.textContent);
      Object.keys(given).forEach(function (key) {
        WORDS[key] = given[key];
      });
    } catch (error) {
      // Malformed words: keep the English ones.
    }
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function unit() {
    var checked = form.querySelector("input[name=unit]:checked");
    return checked ? checked.value : "cm";
  }

  function decimals(text) {
    var dot = text.indexOf(".");
    return dot < 0 ? 0 : text.length - dot - 1;
  }

  function message(input) {
    var value = input.value.trim();
    if (input.disabled) return "";
    if (value === "") {
      if (input.dataset.required === "true") return WORDS.required;
      return "";
    }
    if (!/^\d+(\.\d+)?$/.test(value)) return WORDS.number;
    var number = parseFloat(value);
    if (input.dataset.maxUm) {
      var max = Number(input.dataset.maxUm) / UM[unit()];
      if (number > max) return fill(WORDS.atMost, { max: +max.toFixed(3), unit: WORDS.unit[unit()] });
      var eighths = unit() === "in" && Number.isInteger(number * 8);
      if (decimals(value) > DECIMALS[unit()] && !eighths) {
        return WORDS.decimals[unit()];
      }
      return "";
    }
    var min = input.min === "" ? -Infinity : Number(input.min);
    var maxPlain = input.max === "" ? Infinity : Number(input.max);
    if (number < min || number > maxPlain) return fill(WORDS.between, { min: input.min, max: input.max });
    if (/_pain$/.test(input.name) && decimals(value) > 0) return WORDS.pain;
    return "";
  }

  function validate(input, submitting) {
    if (input.type !== "number") return true;
    if (!submitting && input.value.trim() === "") {
      show(input, "");
      return true;
    }
    var text = message(input);
    show(input, text);
    return text === "";
  }

  function show(input, text) {
    input.setCustomValidity(text);
    input.setAttribute("aria-invalid", text ? "true" : "false");
    var live = document.getElementById(input.id + "_live");
    if (live) live.textContent = text;
  }

  function syncReach(side) {
    var notReached = form.elements[side + "_not_reached"];
    var distance = form.elements[side + "_distance"];
    var gap = form.elements[side + "_gap"];
    if (!notReached || !distance || !gap) return;
    distance.disabled = notReached.checked;
    gap.disabled = !notReached.checked;
    distance.dataset.required = notReached.checked ? "false" : "true";
    distance.closest(".side-grid-cell").classList.toggle("is-disabled", distance.disabled);
    gap.closest(".side-grid-cell").classList.toggle("is-disabled", gap.disabled);
    validate(distance, false);
    validate(gap, false);
  }

  function syncUnit() {
    var current = unit();
    form.querySelectorAll(".unit-label").forEach(function (label) {
      label.textContent = "(" + current + ")";
    });
    form.querySelectorAll("input[data-max-um]").forEach(function (input) {
      input.max = +(Number(input.dataset.maxUm) / UM[current]).toFixed(3);
      validate(input, false);
    });
  }

  form.addEventListener("input", function (event) {
    validate(event.target, false);
  });
  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "unit") syncUnit();
    var match = name.match(/^(left|right)_not_reached$/);
    if (match) syncReach(match[1]);
  });
  form.addEventListener("submit", function (event) {
    var firstBad = null;
    form.querySelectorAll("input[type=number]").forEach(function (input) {
      if (!validate(input, true) && !firstBad) firstBad = input;
    });
    if (firstBad) {
      event.preventDefault();
      firstBad.focus();
    }
  });

  syncReach("left");
  syncReach("right");
  syncUnit();
})();
