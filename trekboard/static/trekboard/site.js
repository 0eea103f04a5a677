// Small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";

  // A reply, flag or edit form opened in place: put the cursor in it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (!target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target || !target.matches(".comment__reply-slot, .comment-form--edit")) return;
    var field = target.querySelector("input:not([type=hidden]), textarea");
    if (field) field.focus();
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

  // Spoilers show on focus without JavaScript; a click, Enter or Space keeps
  // one revealed after focus moves on. A click that reveals never follows a
  // link inside the spoiler.
  function reveal(spoiler) {
    spoiler.classList.add("is-revealed");
    spoiler.removeAttribute("title");
  }

  document.addEventListener("click", function (event) {
    var spoiler = event.target.closest(".spoiler:not(.is-revealed)");
    if (!spoiler) return;
    event.preventDefault();
    reveal(spoiler);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var spoiler = event.target;
    if (!spoiler.matches || !spoiler.matches(".spoiler:not(.is-revealed)")) return;
    event.preventDefault();
    reveal(spoiler);
  });

  // "Load more comments" and "N more replies" can bring back a comment that is
  // already on the page (one posted in the meantime): keep the first copy.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches(".load-more, .more-replies")) return;
    var seen = {};
    document.querySelectorAll(".comment[id]").forEach(function (comment) {
      if (seen[comment.id]) comment.remove();
      else seen[comment.id] = true;
    });
  });
})();
