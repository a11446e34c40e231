// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // "Copy" buttons next to read-only link fields.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Ask before irreversible-feeling actions (discharge, revoke).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // The site menu. Without this file the nav is simply shown; with it, narrow screens get a
  // "Menu" button (CSS hides the button where the nav fits) and the nav starts collapsed.
  var header = document.querySelector(".site-header");
  var toggle = header && header.querySelector(".menu-toggle");
  var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  function menuSet(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function moreClose(details, refocus) {
    details.open = false;
    if (refocus) details.querySelector("summary").focus();
  }
  if (toggle && nav) {
    toggle.hidden = false;
    menuSet(false);
    header.classList.add("has-menu-toggle");
    toggle.addEventListener("click", function () {
      menuSet(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      // Innermost first: an open "More" closes before the whole menu does.
      var more = nav.querySelector(".nav-more details[open]");
      if (more) {
        moreClose(more, more.contains(document.activeElement));
        return;
      }
      var menuShown = getComputedStyle(toggle).display !== "none";
      if (menuShown && toggle.getAttribute("aria-expanded") === "true") {
        var inside = nav.contains(document.activeElement) || document.activeElement === toggle;
        menuSet(false);
        if (inside) toggle.focus();
      }
    });
    // A click or focus outside "More" closes it, as any pop-up menu would.
    ["click", "focusin"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        nav.querySelectorAll(".nav-more details[open]").forEach(function (details) {
          if (!details.contains(event.target)) moreClose(details, false);
        });
      });
    });
  }

  // Tables become cards on narrow screens (dorsi.css): each cell is labelled with its column's
  // heading. The ARIA roles keep the table's meaning for screen readers once CSS has made its
  // rows blocks (some browsers drop it). A table marked data-keep-table (a matrix read across
  // and down) stays a table and scrolls in its box. Without this file, every table stays one.
  function visibleText(cell) {
    var copy = cell.cloneNode(true);
    copy.querySelectorAll(".visually-hidden").forEach(function (hidden) { hidden.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function tablesAsCards(root) {
    root.querySelectorAll("table.data:not([data-keep-table]):not(.stacks)").forEach(function (table) {
      var headRows = table.tHead ? table.tHead.rows : [];
      var labels = [];
      if (headRows.length) {
        Array.prototype.forEach.call(headRows[headRows.length - 1].cells, function (th) {
          for (var i = 0; i < th.colSpan; i++) labels.push(visibleText(th));
        });
      }
      table.setAttribute("role", "table");
      Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (group) {
        group.setAttribute("role", "rowgroup");
      });
      Array.prototype.forEach.call(table.rows, function (row) {
        row.setAttribute("role", "row");
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var inHead = cell.parentElement.parentElement.tagName === "THEAD";
          if (cell.tagName === "TH") {
            var across = inHead ? cell.scope === "row" : cell.scope !== "col";
            cell.setAttribute("role", across ? "rowheader" : "columnheader");
          } else {
            cell.setAttribute("role", "cell");
          }
          if (!inHead) {
            var label = labels[column];
            if (label && !cell.hasAttribute("data-label") && cell.colSpan < labels.length) {
              cell.setAttribute("data-label", label);
              // One box for whatever the cell holds (text, links, a form), beside its label.
              var value = document.createElement("div");
              value.className = "cell-value";
              while (cell.firstChild) value.appendChild(cell.firstChild);
              cell.appendChild(value);
            }
            if (!cell.textContent.trim() && !cell.querySelector("img, svg, input, button, select")) {
              cell.classList.add("cell-empty");
            }
          }
          column += cell.colSpan;
        });
      });
      table.classList.add("stacks");
    });
  }
  tablesAsCards(document);
  document.addEventListener("htmx:afterSettle", function () { tablesAsCards(document); });

  // A table wider than its card scrolls inside it: such a box becomes a tab stop, so the
  // keyboard can scroll it too (WCAG 2.1.1); one that fits is left out of the tab order.
  function reachableScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (wrap.getAttribute("tabindex") === null) {
          wrap.setAttribute("tabindex", "0");
          wrap.dataset.scrollStop = "";
        }
        if (!wrap.getAttribute("aria-labelledby") && !wrap.getAttribute("aria-label")) {
          var heading = wrap.querySelector("caption, h2, h3");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", heading ? heading.textContent.trim() : "Table");
        }
      } else if (wrap.dataset.scrollStop !== undefined) {
        wrap.removeAttribute("tabindex");
        delete wrap.dataset.scrollStop;
      }
    });
  }
  reachableScrollers();
  window.addEventListener("resize", reachableScrollers);
  document.addEventListener("htmx:afterSettle", reachableScrollers);
})();
