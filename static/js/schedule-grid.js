// The schedule grid's one enhancement: drag an appointment onto a free slot of the same
// therapist to move it. The drop posts the same form the appointment's page posts ("Move"),
// so the reschedule service checks the slot and a refusal is shown there, with its reason.
// Without this file (or without a mouse) each appointment's page offers the free slots.
(function () {
  "use strict";

  var grid = document.querySelector("[data-schedule-grid]");
  var form = document.getElementById("grid-move");
  if (!grid || !form) return;
  var dragged = null;

  function slotFor(target) {
    var slot = target.closest ? target.closest("a[data-slot]") : null;
    if (!slot || !dragged) return null;
    return slot.getAttribute("data-therapist") === dragged.getAttribute("data-therapist")
      ? slot
      : null;
  }

  function clearTargets() {
    grid.querySelectorAll(".drop-target").forEach(function (slot) {
      slot.classList.remove("drop-target");
    });
  }

  grid.addEventListener("dragstart", function (event) {
    var appointment = event.target.closest && event.target.closest("a[data-move-url]");
    if (!appointment) return;
    dragged = appointment;
    appointment.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", appointment.getAttribute("data-move-url"));
  });

  grid.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  grid.addEventListener("dragover", function (event) {
    var slot = slotFor(event.target);
    if (!slot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!slot.classList.contains("drop-target")) {
      clearTargets();
      slot.classList.add("drop-target");
    }
  });

  grid.addEventListener("drop", function (event) {
    var slot = slotFor(event.target);
    if (!slot) return;
    event.preventDefault();
    var who = dragged.getAttribute("data-who");
    // "Book with Maya Okafor, Tuesday 1 December, 09:30": the day and time as people read them.
    var when = slot.getAttribute("aria-label").split(", ").slice(1).join(", ");
    // The question comes translated from the template: "Move {who} to {when}?"
    var question = grid
      .getAttribute("data-move-confirm")
      .replace("{who}", function () {
        return who;
      })
      .replace("{when}", function () {
        return when;
      });
    if (!window.confirm(question)) {
      clearTargets();
      return;
    }
    form.action = dragged.getAttribute("data-move-url");
    form.querySelector("[name=starts_at]").value = slot.getAttribute("data-slot");
    form.submit();
  });
})();
