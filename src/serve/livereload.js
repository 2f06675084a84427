// Live reload for `devoops serve`: added to pages as they are served, never to a built site.
// Reloads this tab when the server says its page changed, and shows build errors on top of
// the last good page until they are fixed.
(function () {
  "use strict";
  var state = window.__devoopsServe || { generation: 0, error: null };

  function currentPage() {
    var path = location.pathname;
    try { path = decodeURIComponent(path); } catch (e) { /* keep it encoded */ }
    path = path.replace(/^\/+/, "");
    return path === "" || path.slice(-1) === "/" ? path + "index.html" : path;
  }

  function hideError() {
    var box = document.getElementById("devoops-build-error");
    if (box) box.parentNode.removeChild(box);
  }

  function showError(message) {
    hideError();
    var box = document.createElement("div");
    box.id = "devoops-build-error";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;z-index:2147483647;left:0;right:0;top:0;max-height:70vh;overflow:auto;" +
      "margin:0;padding:1em 1.2em;background:#2b0b0b;color:#ffe9e9;border-bottom:4px solid #e5484d;" +
      "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 4px 24px rgba(0,0,0,.4)";
    var title = document.createElement("strong");
    title.textContent = "The book failed to build. This page is the last good build; it reloads when the error is fixed.";
    var text = document.createElement("pre");
    text.style.cssText = "white-space:pre-wrap;margin:.8em 0 0;font:inherit";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.title = "Hide until the next change";
    close.style.cssText = "float:right;font-size:20px;background:none;border:0;color:inherit;cursor:pointer";
    close.addEventListener("click", hideError);
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(text);
    document.body.appendChild(box);
  }

  if (state.error) showError(state.error);

  var events = new EventSource("/__devoops/events");
  // Exposed so a curious author (or a browser test) can see the connection's state.
  window.__devoopsLiveReload = events;
  events.addEventListener("hello", function (e) {
    // A change landed between this page being served and the stream opening.
    if (Number(e.data) !== state.generation) location.reload();
  });
  events.addEventListener("reload", function (e) {
    var change = JSON.parse(e.data);
    if (change.paths.indexOf("*") >= 0 || change.paths.indexOf(currentPage()) >= 0) {
      location.reload();
    } else {
      state.generation = change.generation;
    }
  });
  events.addEventListener("build-error", function (e) {
    showError(JSON.parse(e.data));
  });
})();
