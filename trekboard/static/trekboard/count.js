/* Trekboard's comment counts for a page of links:
     <a href="/post/42/#comments" data-trekboard-count data-url="https://blog.example.org/post/42/">Comments</a>
     <script src="https://BOARD/count.js" async></script>
   fills each such element with "12 Comments" (or "1 Comment", "No comments yet"),
   in one request for the whole page. data-url defaults to the link's own href. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var board = new URL(script.src, document.baseURI).origin;

  function run() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-trekboard-count]"));
    var urls = {};
    nodes.forEach(function (node) {
      var url = node.getAttribute("data-url") || (node.href ? node.href.split("#")[0] : "");
      if (url) { node.setAttribute("data-trekboard-for", url); urls[url] = true; }
    });
    // One request per 100 addresses, and per 3,000 characters of query: web
    // servers refuse longer request lines (gunicorn's limit is 4 KB).
    var batch = [], length = 0;
    Object.keys(urls).forEach(function (url) {
      var part = "url=" + encodeURIComponent(url);
      if (batch.length && (batch.length === 100 || length + part.length > 3000)) {
        ask(batch, nodes);
        batch = [];
        length = 0;
      }
      batch.push(part);
      length += part.length + 1;
    });
    if (batch.length) ask(batch, nodes);
  }

  function ask(parts, nodes) {
    fetch(board + "/api/v1/counts?" + parts.join("&"), { credentials: "omit", mode: "cors" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        nodes.forEach(function (node) {
          var n = counts[node.getAttribute("data-trekboard-for")];
          if (typeof n !== "number") return;
          node.textContent = n === 0 ? "No comments yet" : n === 1 ? "1 Comment" : n.toLocaleString("en") + " Comments";
        });
      })
      .catch(function () {}); // the links keep their own words
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
