/* Trekboard's embed: put on a page of an allowed site,
     <script src="https://BOARD/embed.js" data-url="https://blog.example.org/post/42/" async></script>
   and the page's discussion opens where the tag is, in a frame served by the
   board: at the page's width, as tall as the discussion, light or dark as the
   page is (or as data-theme says). Nothing of the reader's crosses into this
   page: the frame is the board's, and it only ever tells this page its height. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var board = new URL(script.src, document.baseURI).origin;

  function canonical() {
    var link = document.querySelector('link[rel="canonical"]');
    return (link && link.href) || location.href.split("#")[0];
  }

  function luminance(color) {
    var m = /rgba?\(([\d.]+)[, ]+([\d.]+)[, ]+([\d.]+)(?:[, /]+([\d.]+))?/.exec(color || "");
    if (!m || (m[4] !== undefined && parseFloat(m[4]) === 0)) return null; // transparent
    return (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255;
  }

  // The host page's own look: the first opaque background behind the tag.
  function hostTheme() {
    for (var el = script.parentElement; el; el = el.parentElement) {
      var l = luminance(getComputedStyle(el).backgroundColor);
      if (l !== null) return l < 0.5 ? "dark" : "light";
    }
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  var asked = (script.getAttribute("data-theme") || "").toLowerCase();
  function theme() { return asked === "light" || asked === "dark" ? asked : hostTheme(); }

  var params = new URLSearchParams();
  params.set("url", script.getAttribute("data-url") || canonical());
  params.set("title", script.getAttribute("data-title") || document.title || "");
  params.set("theme", theme());
  var hash = /^#comment-(\d+)$/.exec(location.hash);
  if (hash) params.set("comment", hash[1]);

  var frame = document.createElement("iframe");
  frame.src = board + "/embed/?" + params.toString();
  frame.title = "Comments";
  frame.className = "trekboard-embed";
  frame.setAttribute("loading", "lazy");
  frame.setAttribute("scrolling", "no");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "480px";
  frame.style.colorScheme = "normal";
  frame.style.display = "block";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== board || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "trekboard:height" && typeof data.height === "number") {
      frame.style.height = Math.max(120, Math.ceil(data.height)) + "px";
    } else if (data.type === "trekboard:scroll" && typeof data.top === "number") {
      window.scrollTo({ top: frame.getBoundingClientRect().top + window.scrollY + data.top - 16 });
    }
  });

  // Follow the host page if its theme follows the system's.
  if (!asked && window.matchMedia) {
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: "trekboard:theme", theme: theme() }, board);
    });
  }
})();
