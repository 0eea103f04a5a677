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
    if (!elt || !elt.isConnected || elt.hasAttribute("data-live-poll")) return;
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
  // --- Writing (issue 15) ---------------------------------------------------
  // On every comment form, those htmx brings in later too: the formatting
  // toolbar, a character count near the limit, and a draft kept in this
  // browser (per article and parent) until the comment is posted. Without
  // this file the forms take Markdown typed by hand and Preview still works.

  var DRAFTS = "trekboard:draft:";
  var DRAFT_DAYS = 30;
  var COUNT_FROM = 1000; // characters left when the count appears

  function store() {
    try { return window.localStorage; } catch (e) { return null; } // blocked storage: no drafts
  }

  function bodyOf(form) { return form.querySelector("textarea[name=body]"); }

  function draftKey(form) {
    var key = form.getAttribute("data-draft");
    return key ? DRAFTS + key : null;
  }

  function saveDraft(form, field) {
    var key = draftKey(form), drafts = store();
    if (!key || !drafts) return;
    try {
      if (!field.value.trim() || field.value === field.defaultValue) drafts.removeItem(key);
      else drafts.setItem(key, JSON.stringify({ text: field.value, base: field.defaultValue, at: Date.now() }));
    } catch (e) { /* storage full: the form works as before */ }
  }

  function forgetDraft(form) {
    var key = draftKey(form), drafts = store();
    if (key && drafts) drafts.removeItem(key);
  }

  // Put a draft back only over the text it was started from: a form that came
  // back from the server with other text (after logging in, a refused post)
  // keeps the server's, which is newer.
  function restoreDraft(form, field) {
    var key = draftKey(form), drafts = store(), draft = null;
    if (!key || !drafts) return;
    try { draft = JSON.parse(drafts.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft.text !== "string") return;
    if (draft.at < Date.now() - DRAFT_DAYS * 864e5) { drafts.removeItem(key); return; }
    if (draft.base !== field.defaultValue || draft.text === field.value) return;
    field.value = draft.text;
    var note = document.createElement("p");
    note.className = "comment-form__draft";
    note.setAttribute("role", "status");
    note.textContent = "Your unsent text is back. ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link-button";
    discard.setAttribute("data-discard-draft", "");
    discard.textContent = "Discard it";
    note.appendChild(discard);
    field.insertAdjacentElement("afterend", note);
  }

  function updateCount(field) {
    var form = field.form;
    var out = form && field.id && form.querySelector("[data-count-for='" + field.id + "']");
    if (!out) return;
    var limit = parseInt(field.getAttribute("maxlength"), 10) || 10000;
    var left = limit - field.value.length;
    out.textContent = left > COUNT_FROM ? "" : left >= 0
      ? left.toLocaleString("en") + (left === 1 ? " character" : " characters") + " left of " + limit.toLocaleString("en")
      : (-left).toLocaleString("en") + " characters over the limit of " + limit.toLocaleString("en");
    out.classList.toggle("is-near", left <= 100);
  }

  function startForms(root) {
    var forms = root.matches && root.matches("form[data-draft]") ? [root] : [];
    forms = forms.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("form[data-draft]") : []));
    forms.forEach(function (form) {
      var field = bodyOf(form);
      if (!field || form.hasAttribute("data-writing")) return;
      form.setAttribute("data-writing", "");
      var toolbar = form.querySelector(".md-toolbar");
      if (toolbar) toolbar.hidden = false;
      restoreDraft(form, field);
      updateCount(field);
    });
  }

  startForms(document);
  document.addEventListener("htmx:load", function (event) { startForms(event.detail.elt); });

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("form[data-draft] textarea[name=body]")) return;
    updateCount(field);
    saveDraft(field.form, field);
  });

  document.addEventListener("click", function (event) {
    var discard = event.target.closest("[data-discard-draft]");
    if (!discard) return;
    var form = discard.closest("form");
    var field = form && bodyOf(form);
    forgetDraft(form);
    if (field) {
      field.value = field.defaultValue;
      updateCount(field);
      field.focus();
    }
    discard.parentElement.remove();
  });

  // Posted (or saved): the draft has done its job. A refused post (400, 429)
  // or a lost connection keeps it. Before the response is swapped in, while
  // the form is still on the page: the fresh form that replaces it must not
  // get the posted text back as a draft.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var elt = event.detail.elt, status = event.detail.xhr && event.detail.xhr.status;
    if (!elt || !elt.matches || !elt.matches("form[data-draft]")) return;
    if (status >= 200 && status < 300) forgetDraft(elt);
  });

  // Markdown around the selection; with nothing selected, a word to type over.
  var MARKS = {
    bold: ["**", "**", "bold text"],
    italic: ["*", "*", "italic text"],
    spoiler: ["||", "||", "spoiler"],
    code: ["`", "`", "code"],
    link: ["[", "](https://)", "link text"],
    quote: ["> "],
    list: ["- "]
  };

  function format(field, kind) {
    var mark = MARKS[kind];
    var value = field.value;
    var start = field.selectionStart, end = field.selectionEnd;
    var text, pick;
    if (mark.length === 1) {
      // Every line the selection touches starts with the mark.
      start = value.lastIndexOf("\n", start - 1) + 1;
      text = value.slice(start, end).split("\n").map(function (line) { return mark[0] + line; }).join("\n");
      pick = [start + text.length, start + text.length];
    } else if (kind === "code" && value.slice(start, end).indexOf("\n") !== -1) {
      var lead = start > 0 && value[start - 1] !== "\n" ? "\n" : "";
      text = lead + "```\n" + value.slice(start, end).replace(/\n$/, "") + "\n```\n";
      pick = [start + text.length, start + text.length];
    } else {
      var inner = value.slice(start, end) || mark[2];
      text = mark[0] + inner + mark[1];
      var from = start + mark[0].length;
      pick = kind === "link" && start !== end
        ? [from + inner.length + 2, from + inner.length + mark[1].length - 1] // the "https://"
        : [from, from + inner.length];
    }
    field.focus();
    field.setSelectionRange(start, end);
    // insertText keeps the browser's undo; setRangeText where it isn't supported.
    var inserted = false;
    try { inserted = document.execCommand("insertText", false, text); } catch (e) { inserted = false; }
    if (!inserted || field.value.slice(start, start + text.length) !== text) {
      field.setRangeText(text, start, end, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
    field.setSelectionRange(pick[0], pick[1]);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".md-toolbar [data-md]");
    if (!button) return;
    var form = button.closest("form");
    var field = form && bodyOf(form);
    if (field) format(field, button.getAttribute("data-md"));
  });

  // Ctrl (or ⌘) + B, I, K in the text, as in most editors.
  var SHORTCUTS = { b: "bold", i: "italic", k: "link" };
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    var kind = SHORTCUTS[event.key && event.key.toLowerCase()];
    if (!kind || !field.matches || !field.matches("form[data-draft] textarea[name=body]")) return;
    event.preventDefault();
    format(field, kind);
  });

  // The toolbar is one stop for Tab; arrow keys, Home and End move along it.
  document.addEventListener("keydown", function (event) {
    var button = event.target.closest && event.target.closest(".md-toolbar [data-md]");
    if (!button) return;
    var buttons = Array.prototype.slice.call(button.parentElement.querySelectorAll("[data-md]"));
    var at = buttons.indexOf(button), next = null;
    if (event.key === "ArrowRight") next = buttons[(at + 1) % buttons.length];
    else if (event.key === "ArrowLeft") next = buttons[(at - 1 + buttons.length) % buttons.length];
    else if (event.key === "Home") next = buttons[0];
    else if (event.key === "End") next = buttons[buttons.length - 1];
    if (!next) return;
    event.preventDefault();
    buttons.forEach(function (other) { other.tabIndex = other === next ? 0 : -1; });
    next.focus();
  });

  // --- Live "new comments" (issue 16) -----------------------------------------
  // The poll (comments/_live_poll.html) waits while the tab is hidden, and asks
  // at once when it is shown again.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.hasAttribute("data-live-poll") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    var poll = document.getElementById("live-poll");
    if (poll && document.visibilityState === "visible" && window.htmx) htmx.trigger(poll, "live-now");
  });
  // Closing the message after "Show them": the focus goes to what was shown, the page stays put.
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-live-dismiss]");
    if (!close) return;
    var banner = document.getElementById("live-banner");
    var shown = document.querySelector(".live-new");
    if (banner) banner.innerHTML = "";
    if (shown) shown.focus({ preventScroll: true });
  });
  // "Show them" replaced the button the reader pressed: the focus stays in the banner.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "live-banner") return;
    var shown = event.detail.target.querySelector("[data-live-shown]");
    if (shown && (!document.activeElement || document.activeElement === document.body)) shown.focus();
  });
})();
