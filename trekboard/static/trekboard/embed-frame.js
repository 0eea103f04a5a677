/* Inside the discussion widget's frame (templates/embed/): who the reader is,
   the frame's height for the host page, and sign-in through a pop-up.

   Browsers that block third-party cookies never send the board's session to
   this frame, so the frame doesn't use it: the pop-up (a window of the board's
   own, where the session works) hands over a token, and every request the
   frame makes carries it as a header. It is kept in this frame's storage when
   the browser allows any, else for as long as the frame is open. */
(function () {
  "use strict";
  var body = document.body;
  var KEY = "trekboard:embed-token";
  var token = load();

  function load() { try { return window.localStorage.getItem(KEY); } catch (e) { return null; } }
  function save(value) {
    try {
      if (value) window.localStorage.setItem(KEY, value);
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* blocked storage: kept in memory only */ }
  }
  function say(text) {
    var status = document.getElementById("live-status");
    if (status) status.textContent = text;
  }

  // Signed in by a token, or by the board's own session (a frame on the board's
  // own site, where browsers send its cookies: the bar then offers "Sign out").
  function signedIn() { return !!token || !!document.querySelector("[data-embed-signout]"); }

  document.addEventListener("htmx:configRequest", function (event) {
    if (token) event.detail.headers.Authorization = "Bearer " + token;
  });

  // Draw the frame again (after signing in or out), keeping any text typed.
  function refresh(then) {
    var typed = {};
    document.querySelectorAll("form.comment-form textarea[name=body]").forEach(function (field) {
      if (field.value) typed[field.form.id] = field.value;
    });
    htmx.ajax("GET", body.getAttribute("data-embed-path"), { target: "#tb-embed", swap: "innerHTML" }).then(function () {
      Object.keys(typed).forEach(function (id) {
        var form = document.getElementById(id);
        if (form && form.elements.body) form.elements.body.value = typed[id];
      });
      var shown = !!document.querySelector("[data-embed-signout]");
      if (token && !shown) { token = null; save(null); } // expired or revoked
      if (then) then(shown);
    });
  }

  var popup = null;
  function signIn() {
    var url = body.getAttribute("data-signin-url");
    popup = window.open(url, "trekboard-signin", "popup,width=480,height=680");
    if (!popup) say("Your browser blocked the sign-in window. Allow pop-ups for this page, then press Sign in again.");
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) return;
    var data = event.data || {};
    if (data.type === "trekboard:signed-in" && typeof data.key === "string" && data.key.indexOf("tb_") === 0) {
      token = data.key;
      save(token);
      refresh(function (signedIn) { say(signedIn ? "You're signed in." : "Signing in didn't work. Try again."); });
    }
  });
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source === window.parent && data.type === "trekboard:theme" && (data.theme === "light" || data.theme === "dark")) {
      document.documentElement.setAttribute("data-theme", data.theme);
    }
  });

  function signOut() {
    var done = function () { token = null; save(null); refresh(function () { say("You're signed out."); }); };
    if (token) {
      fetch("/api/v1/tokens/current", { method: "DELETE", headers: { Authorization: "Bearer " + token }, credentials: "omit" })
        .then(done, done);
      return;
    }
    // The board's session: log out of it, with the CSRF token htmx sends.
    var headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
    fetch("/accounts/logout/", { method: "POST", headers: headers, credentials: "same-origin" }).then(done, done);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-embed-signin], [data-embed-signout], a[href^='/accounts/login/']");
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute("data-embed-signout")) signOut();
    else signIn();
  });

  // A reader who isn't signed in is asked to, instead of posting to a login page.
  document.addEventListener("htmx:confirm", function (event) {
    var verb = (event.detail.verb || "").toLowerCase();
    if (!signedIn() && verb !== "get" && !event.detail.path.startsWith("/comments/preview/")) {
      event.preventDefault();
      signIn();
    }
  });
  document.addEventListener("submit", function (event) {
    if (!signedIn() && event.target.method === "post" && !event.target.hasAttribute("hx-post")) {
      event.preventDefault();
      signIn();
    }
  });

  // The host page is told how tall the discussion is, and nothing else.
  // The content's own height: the document's is never less than the frame's.
  var main = document.getElementById("tb-embed");
  var last = 0;
  function tellHeight() {
    var height = Math.ceil(main.getBoundingClientRect().bottom + window.scrollY);
    if (height !== last && window.parent !== window) {
      last = height;
      window.parent.postMessage({ type: "trekboard:height", height: height }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(tellHeight).observe(main);
  window.addEventListener("load", tellHeight);
  document.addEventListener("htmx:afterSettle", tellHeight);

  // A link to #comment-N on the host page opens the discussion at that comment.
  var wanted = new URLSearchParams(window.location.search).get("comment");
  function showWanted() {
    var node = wanted && document.getElementById("comment-" + wanted);
    if (node && window.parent !== window) {
      window.parent.postMessage({ type: "trekboard:scroll", top: node.getBoundingClientRect().top + window.scrollY }, "*");
      node.classList.add("comment--target");
    }
  }
  window.addEventListener("load", showWanted);

  if (token) refresh();
})();
