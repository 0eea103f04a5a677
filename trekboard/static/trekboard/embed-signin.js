/* The sign-in pop-up of the discussion widget: hand the new token to the frame
   that opened this window (a window of this site only), then close. */
(function () {
  "use strict";
  var holder = document.getElementById("embed-signin-key");
  if (!holder) return;
  var key = holder.getAttribute("data-key");
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage({ type: "trekboard:signed-in", key: key }, window.location.origin);
    holder.removeAttribute("data-key");
    window.setTimeout(function () { window.close(); }, 300);
  } else {
    document.getElementById("embed-signin-orphan").hidden = false;
  }
})();
