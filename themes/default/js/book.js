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
