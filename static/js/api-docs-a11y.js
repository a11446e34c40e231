// What Swagger UI's markup lacks for WCAG 2.2 AA, added as it renders (it redraws parts of the
// page at every click, so an observer keeps watching): a name for the server picker and the
// dialog's close button, and accessible names that contain the words on the button.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root) return;
  function mend() {
    var servers = root.querySelector("select#servers:not([aria-label])");
    if (servers) servers.setAttribute("aria-label", "Server");
    root.querySelectorAll("button.close-modal:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Close");
    });
    root.querySelectorAll("button[aria-label]").forEach(function (button) {
      var text = button.textContent.trim();
      var label = button.getAttribute("aria-label");
      if (text && label.toLowerCase().indexOf(text.toLowerCase()) < 0) {
        button.setAttribute("aria-label", text + ": " + label.toLowerCase());
      }
    });
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  mend();
})();
