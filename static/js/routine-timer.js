// Guided routine timer: counts each bout, cues "into tension" / "ease off" in the in-and-out
// style, switches sides, pauses, beeps and vibrates where the browser allows, and fills the
// log form at the end. The page works without it: the timer is hidden until this script shows
// it, in place of the words on doing the routine with a clock, and the patient logs by hand.
// A polite live region says each phase once ("Into tension, 10 seconds", "Switch sides: right
// side", "Done"), never each second; the buttons keep the keyboard's focus where it was.
(function () {
  "use strict";
  var root = document.querySelector("[data-timer]");
  var dataNode = document.getElementById("routine-data");
  if (!root || !dataNode) return;
  var items = JSON.parse(dataNode.textContent);
  if (!items.length) return;
  // The words in the patient's language, from the page (exercises/timer_words.py).
  var wordsNode = document.getElementById("routine-words");
  var words = wordsNode ? JSON.parse(wordsNode.textContent) : {};
  function say(key, values) {
    return (words[key] || key).replace(/%\((\w+)\)s/g, function (_, name) {
      return values && name in values ? values[name] : "";
    });
  }
  root.hidden = false;
  var byClock = document.querySelector("[data-no-timer]");
  if (byClock) byClock.hidden = true;
  // ?speed=N runs the clock N times faster: for tests and demonstrations only.
  var speed = Math.min(Math.max(Number(new URLSearchParams(location.search).get("speed")) || 1, 1), 200);

  var el = {
    exercise: root.querySelector("[data-exercise]"),
    where: root.querySelector("[data-where]"),
    clock: root.querySelector("[data-clock]"),
    cue: root.querySelector("[data-cue]"),
    progress: root.querySelector("[data-progress]"),
    start: root.querySelector("[data-start]"),
    pause: root.querySelector("[data-pause]"),
    next: root.querySelector("[data-next]"),
    announce: root.querySelector("[data-announce]"),
  };

  // One step per bout and side, in order.
  var steps = [];
  items.forEach(function (item, index) {
    var sides = item.perSide ? [say("leftSide"), say("rightSide")] : [""];
    sides.forEach(function (side) {
      for (var bout = 1; bout <= item.bouts; bout++) {
        steps.push({ item: index, side: side, bout: bout, seconds: item.seconds });
      }
    });
  });
  var stepsPerItem = items.map(function (_, index) {
    return steps.filter(function (step) { return step.item === index; }).length;
  });
  var completed = items.map(function () { return 0; });
  var started = items.map(function () { return false; });

  var current = -1;
  var elapsed = 0; // seconds into the current step, at the chosen speed
  var last = null;
  var running = false;
  var lastCue = "";
  var announcedStep = -1; // the step whose start was last announced
  var wakeLock = null;
  var audio = null;

  function beep(times) {
    if (navigator.vibrate) navigator.vibrate(times > 1 ? [120, 80, 120] : 150);
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      for (var n = 0; n < times; n++) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.frequency.value = 880;
        gain.gain.value = 0.15;
        oscillator.connect(gain);
        gain.connect(audio.destination);
        var at = audio.currentTime + n * 0.25;
        oscillator.start(at);
        oscillator.stop(at + 0.15);
      }
    } catch (error) {
      /* no sound: the cue text and vibration still show the change */
    }
  }

  function format(seconds) {
    var whole = Math.max(0, Math.ceil(seconds));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function cueFor(step, into) {
    var item = items[step.item];
    if (item.style === "in_and_out") {
      var cycle = item.into + item.ease;
      return into % cycle < item.into ? say("into") : say("ease");
    }
    return item.cues && item.cues.length ? item.cues[0] : say("keepGoing");
  }

  // Seconds left in the current in-and-out phase, cut short where the bout ends first; null
  // for a static hold, whose only clock is the big one.
  function phaseLeft(step, into) {
    var item = items[step.item];
    if (item.style !== "in_and_out") return null;
    var cycle = item.into + item.ease;
    var at = into % cycle;
    var left = at < item.into ? item.into - at : cycle - at;
    return Math.min(left, step.seconds - into);
  }

  // The phase's own countdown beside the cue. Kept out of the cue's live region: a screen
  // reader announces each phase once, not every second.
  var phaseClock = document.createElement("span");
  phaseClock.className = "timer-phase-clock";
  phaseClock.setAttribute("aria-hidden", "true");
  phaseClock.dataset.phaseClock = "";
  el.cue.insertAdjacentElement("afterend", phaseClock);

  function announce(text) {
    if (el.announce) el.announce.textContent = text;
  }

  // What changed since the last step announced: the exercise, the side or the bout.
  function stepWords(index) {
    var step = steps[index];
    var item = items[step.item];
    var before = announcedStep >= 0 ? steps[announcedStep] : null;
    var side = step.side ? step.side.toLowerCase() : "";
    if (!before || before.item !== step.item) {
      return say("exerciseOf", { n: step.item + 1, total: items.length }) + ": " + item.name +
        (side ? ", " + side : "") + ". ";
    }
    if (before.side !== step.side) return say("switchSides", { side: side }) + " ";
    return say("boutOfSaid", { n: step.bout, total: item.bouts }) + " ";
  }

  function seconds(value) {
    var whole = Math.max(1, Math.ceil(value));
    return say(whole === 1 ? "second" : "seconds", { n: whole });
  }

  function announcePhase(step, cue) {
    var left = phaseLeft(step, elapsed);
    var words = current !== announcedStep ? stepWords(current) : "";
    announcedStep = current;
    announce(words + cue + ", " + seconds(left === null ? step.seconds - elapsed : left));
  }

  function render() {
    if (current < 0) return;
    if (current >= steps.length) {
      el.exercise.textContent = say("wellDone");
      el.where.textContent = say("complete");
      el.clock.textContent = "0:00";
      el.cue.textContent = say("logBelow");
      phaseClock.textContent = "";
      el.progress.style.width = "100%";
      return;
    }
    var step = steps[current];
    var item = items[step.item];
    el.exercise.textContent = item.name;
    var where = say("exerciseOf", { n: step.item + 1, total: items.length });
    if (step.side) where += " · " + step.side;
    if (item.bouts > 1) where += " · " + say("boutOf", { n: step.bout, total: item.bouts });
    el.where.textContent = where;
    el.clock.textContent = format(step.seconds - elapsed);
    var cue = running ? cueFor(step, elapsed) : say("paused");
    if (cue !== lastCue) {
      if (running && lastCue && lastCue !== say("paused")) beep(1);
      el.cue.textContent = cue;
      el.cue.dataset.phase = cue === say("into") ? "into" : cue === say("ease") ? "ease" : "";
      lastCue = cue;
      if (running) {
        announcePhase(step, cue);
      } else {
        // Skipped while paused: the new exercise is said with it.
        announce((current !== announcedStep ? stepWords(current) : "") + say("paused"));
        announcedStep = current;
      }
    }
    var left = running ? phaseLeft(step, elapsed) : null;
    phaseClock.textContent = left === null ? "" : Math.max(1, Math.ceil(left)) + " s";
    el.progress.style.width = Math.min(100, (elapsed / step.seconds) * 100) + "%";
  }

  function advance() {
    completed[steps[current].item] += 1;
    current += 1;
    elapsed = 0;
    lastCue = "";
    fillLog();
    if (current >= steps.length) {
      finish();
      return;
    }
    var previous = steps[current - 1];
    var step = steps[current];
    started[step.item] = true;
    if (step.item !== previous.item) highlight(step.item);
    beep(2); // a new side, bout or exercise
  }

  function tick(now) {
    if (!running) return;
    if (last !== null) elapsed += ((now - last) / 1000) * speed;
    last = now;
    while (running && current < steps.length && elapsed >= steps[current].seconds) {
      var overflow = elapsed - steps[current].seconds;
      advance();
      elapsed = current < steps.length ? overflow : 0;
    }
    render();
    if (running) requestAnimationFrame(tick);
  }

  function highlight(index) {
    document.querySelectorAll(".exercise-step").forEach(function (card, position) {
      card.classList.toggle("is-current", position === index);
      if (position === index) {
        var details = card.querySelector("details");
        if (details) details.open = true;
      }
    });
  }

  function start() {
    if (current < 0) {
      current = 0;
      started[0] = true;
      highlight(0);
      beep(2);
    }
    running = true;
    last = null;
    lastCue = "";
    root.classList.add("is-running");
    el.start.hidden = true;
    el.pause.hidden = false;
    el.pause.textContent = say("pause");
    el.next.hidden = false;
    // The Start button is gone: the keyboard's focus goes to Pause, not back to the page top.
    if (document.activeElement === el.start || document.activeElement === document.body) {
      el.pause.focus();
    }
    if (navigator.wakeLock && !wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }, function () {});
    }
    requestAnimationFrame(tick);
  }

  function togglePause() {
    running = !running;
    el.pause.textContent = running ? say("pause") : say("resume");
    last = null;
    lastCue = running ? "" : lastCue;
    if (running) requestAnimationFrame(tick);
    else render();
  }

  function nextExercise() {
    if (current < 0 || current >= steps.length) return;
    var item = steps[current].item;
    while (current < steps.length && steps[current].item === item) current += 1;
    elapsed = 0;
    lastCue = "";
    if (current >= steps.length) {
      fillLog();
      finish();
      return;
    }
    started[steps[current].item] = true;
    fillLog();
    highlight(steps[current].item);
    beep(2);
    render();
  }

  function finish() {
    running = false;
    root.classList.remove("is-running");
    el.pause.hidden = true;
    el.next.hidden = true;
    if (wakeLock) wakeLock.release();
    beep(3);
    render();
    announce(say("doneSaid"));
    var log = document.getElementById("log");
    if (log) log.scrollIntoView({ behavior: "smooth", block: "start" });
    // Pause and Next are gone: the focus moves on to the log, where the routine continues.
    var heading = document.getElementById("log-h");
    var focus = document.activeElement;
    if (heading && (focus === document.body || root.contains(focus))) {
      heading.focus({ preventScroll: true });
    }
  }

  // Pre-fill the log for the exercises behind us (all of them at the end): done when every
  // bout was counted, partly when started, skipped otherwise. The patient can still change it.
  function fillLog() {
    var upTo = current >= steps.length ? items.length : steps[current].item;
    for (var index = 0; index < upTo; index++) {
      var status = completed[index] >= stepsPerItem[index]
        ? "done"
        : completed[index] > 0 || started[index] ? "partly" : "skipped";
      var radio = document.querySelector(
        'input[name="status_' + items[index].item + '"][value="' + status + '"]'
      );
      if (radio) radio.checked = true;
    }
  }

  el.start.addEventListener("click", start);
  el.pause.addEventListener("click", togglePause);
  el.next.addEventListener("click", nextExercise);
})();
