// Handbook page behaviour: theme toggle, sidebar on small screens, arrow-key navigation.
// Plain JavaScript, no dependencies: the site must work offline and from file://.
(function () {
  "use strict";
  var root = document.documentElement;

  var themeButton = document.getElementById("theme-toggle");
  if (themeButton) {
    themeButton.addEventListener("click", function () {
      var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("devoops-theme", next); } catch (e) { /* private mode: not remembered */ }
    });
  }

  var sidebarButton = document.getElementById("sidebar-toggle");
  if (sidebarButton) {
    sidebarButton.addEventListener("click", function () {
      var open = document.body.classList.toggle("sidebar-open");
      sidebarButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Bring the current chapter into view inside the sidebar only: scrollIntoView would also
  // scroll the page itself away from its top.
  var sidebar = document.getElementById("sidebar");
  var current = sidebar && sidebar.querySelector("[aria-current=page]");
  if (current) {
    var offset = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
    sidebar.scrollTop += offset - sidebar.clientHeight / 2;
  }

  // A copy button on every code block, as mdBook has.
  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text) && done(); });
    } else if (fallbackCopy(text)) {
      done();
    }
  }
  // Plain http:// pages (serve --bind on a LAN) have no clipboard API: copy through a selection.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  var blocks = document.querySelectorAll(".content pre");
  Array.prototype.forEach.call(blocks, function (pre) {
    var code = pre.querySelector("code") || pre;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.title = "Copy to the clipboard";
    button.setAttribute("aria-label", "Copy code");
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      copyText(code.innerText.replace(/\n$/, ""), function () {
        button.textContent = "Copied";
        button.classList.add("copied");
        setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 1500);
      });
    });
    pre.appendChild(button);
  });

  // A code block or table that scrolls sideways can be scrolled with the keyboard too.
  function markScrollable() {
    var boxes = document.querySelectorAll(".content pre, .content table");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", box.tagName === "PRE" ? "Code, scrolls sideways" : "Table, scrolls sideways");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var link = null;
    if (event.key === "ArrowLeft") link = document.querySelector(".page-nav a[rel=prev]");
    if (event.key === "ArrowRight") link = document.querySelector(".page-nav a[rel=next]");
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });
})();
