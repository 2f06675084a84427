// Handbook page → slides: the "show as slides" button opens the deck at the slide covering the
// section the reader is looking at (`#h=<heading id>`), not at the first slide.
(function () {
  "use strict";
  var link = document.getElementById("slides-link");
  if (!link) return;
  var base = link.getAttribute("href");

  /**
   * The id of the last heading whose top has scrolled above the upper third of the window.
   * Scrolled to the very end, the last sections may never get that high: then any heading
   * on screen counts.
   */
  function sectionInView() {
    var root = document.documentElement;
    var atEnd = window.innerHeight + window.scrollY >= root.scrollHeight - 2;
    var limit = atEnd ? window.innerHeight : window.innerHeight / 3;
    var headings = document.querySelectorAll(".chapter h1[id], .chapter h2[id], .chapter h3[id], .chapter h4[id], .chapter h5[id], .chapter h6[id]");
    var found = null;
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top <= limit) found = headings[i].id;
      else break;
    }
    return found;
  }

  function update() {
    var id = sectionInView();
    link.setAttribute("href", id ? base + "#h=" + encodeURIComponent(id) : base);
  }

  // Set on press, before the browser follows the link (also for middle-click and keyboard).
  link.addEventListener("mousedown", update);
  link.addEventListener("focus", update);
  link.addEventListener("click", update);
})();
