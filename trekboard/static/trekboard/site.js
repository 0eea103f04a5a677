// Small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";

  // A reply form opened in place: put the cursor in it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList.contains("comment__reply-slot")) {
      var textarea = target.querySelector("textarea");
      if (textarea) textarea.focus();
    }
  });

  // A comment just posted: bring it into view and give it focus for screen readers.
  document.addEventListener("htmx:afterSettle", function () {
    var fresh = document.querySelector(".comment--new:not([data-seen])");
    if (!fresh) return;
    fresh.setAttribute("data-seen", "");
    fresh.setAttribute("tabindex", "-1");
    fresh.scrollIntoView({ block: "center", behavior: "smooth" });
    fresh.focus({ preventScroll: true });
  });

  // "Cancel" on an in-place reply form closes it instead of leaving the page.
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-cancel-reply]");
    if (!cancel) return;
    var slot = cancel.closest(".comment__reply-slot");
    if (!slot) return;
    event.preventDefault();
    slot.innerHTML = "";
  });
})();
