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

  // Older spoilers (span.spoiler, in pages cached before migration 0011) show
  // on focus without JavaScript; a click, Enter or Space keeps one revealed
  // after focus moves on. A click that reveals never follows a link inside.
  function reveal(spoiler) {
    spoiler.classList.add("is-revealed");
    spoiler.removeAttribute("title");
  }

  document.addEventListener("click", function (event) {
    var spoiler = event.target.closest("span.spoiler:not(.is-revealed)");
    if (!spoiler) return;
    event.preventDefault();
    reveal(spoiler);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var spoiler = event.target;
    if (!spoiler.matches || !spoiler.matches("span.spoiler:not(.is-revealed)")) return;
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

  // A request that got no answer we can show (a lost connection, a proxy's
  // 502, a 500): say so beside the form or button that sent it, and leave the
  // page and what was typed as they are. 400, 403 and 429 carry their own
  // message and are swapped in place by htmx (base.html's htmx-config).
  function failureText(status) {
    if (!status) {
      return "Couldn't send that: the connection failed. Nothing was lost; try again in a moment.";
    }
    if (status === 404) {
      return "That isn't there any more (it may have been removed). " +
        "Reload the page to see the discussion as it is now.";
    }
    return "Couldn't send that: the server had a problem (" + status + "). " +
      "Nothing was lost; try again in a moment.";
  }

  function requestNote(elt) {
    var anchor = elt.closest("form") || elt;
    var note = anchor.querySelector(":scope > .request-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "form-errors request-failed";
      note.setAttribute("role", "alert");
      anchor.insertBefore(note, anchor.firstChild);
    }
    return note;
  }

  function showFailure(event) {
    var elt = event.detail.elt;
    if (!elt || !elt.isConnected) return;
    var xhr = event.detail.xhr;
    requestNote(elt).textContent = failureText(event.type === "htmx:sendError" ? 0 : xhr && xhr.status);
  }

  document.addEventListener("htmx:sendError", showFailure);
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var anchor = elt && (elt.closest("form") || elt);
    var note = anchor && anchor.querySelector(":scope > .request-failed");
    if (note) note.remove();
  });

  // --- Accessibility (issue 12.4) -------------------------------------------

  // A spoiler is a checkbox in a label (comments/sanitize.py): Space and a
  // click reveal it without this file; Enter does too, as it always has.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var box = event.target;
    if (!box.matches || !box.matches(".spoiler__switch:not(:checked)")) return;
    event.preventDefault();
    box.click();
  });

  // Open, a comment's header line folds it on a click that isn't on a link,
  // as the whole line did when it was the <summary>.
  document.addEventListener("click", function (event) {
    var header = event.target.closest(".comment__meta");
    if (!header || event.target.closest("a, button, input, label")) return;
    var fold = header.parentElement;
    if (!fold || !fold.matches("details.comment__fold[open]")) return;
    if (String(window.getSelection ? window.getSelection() : "")) return;
    fold.open = false;
  });

  // Say politely what changed in place (base.html's #live-status): a post, a
  // like, a flag, a deletion. The region is emptied first so the same words
  // twice are still read out.
  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function countText() {
    var title = document.getElementById("comments-title");
    return title ? " " + title.textContent.trim() + "." : "";
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    var target = event.detail.target;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    var fresh = document.querySelector(".comment--new:not([data-announced])");
    if (fresh) {
      fresh.setAttribute("data-announced", "");
      var reply = fresh.parentElement && fresh.parentElement.closest(".comment");
      announce((reply ? "Your reply was posted." : "Your comment was posted.") + countText());
      return;
    }
    if (target && target.matches && target.matches("form.like")) {
      var button = target.querySelector(".like__button");
      var count = target.querySelector(".like__count");
      if (!button) return;
      var n = count ? parseInt(count.textContent, 10) : NaN;
      var likes = isNaN(n) ? "" : " " + n + (n === 1 ? " like." : " likes.");
      announce((button.getAttribute("aria-pressed") === "true" ? "Liked." : "Like taken back.") + likes);
      return;
    }
    if (target && target.matches && target.matches(".comment__reply-slot")) {
      var thanks = target.querySelector(".notice--success");
      if (thanks) announce(thanks.textContent.trim());
      return;
    }
    if (elt && elt.matches && elt.matches("[hx-post$='/delete/']")) {
      announce("Your comment was deleted." + countText());
    }
  });
})();
