// What the audience deck (slides.js) and the presenter view (presenter.js) share: scaling the
// 1280×720 stage, shrinking over-full slides, the light/dark switch, and keeping two windows
// on the same slide. Plain JavaScript with no dependencies, so decks work offline and from file://.
(function () {
  "use strict";

  var STAGE_WIDTH = 1280;
  var STAGE_HEIGHT = 720;

  /** Scales `stage` (1280×720) to fit inside `box`; returns the scale used. */
  function fitStage(stage, box) {
    var scale = Math.min(box.clientWidth / STAGE_WIDTH, box.clientHeight / STAGE_HEIGHT);
    if (!(scale > 0)) scale = 1;
    stage.style.setProperty("--scale", String(scale));
    return scale;
  }

  /**
   * Shrinks the text of a slide whose content runs past the bottom of the stage, in small
   * steps down to half size; an author who writes too much still gets a readable slide.
   */
  function fitSlide(slide) {
    var fit = 1;
    slide.style.setProperty("--fit", "1");
    while (slide.scrollHeight > slide.clientHeight + 1 && fit > 0.5) {
      fit = Math.round((fit - 0.05) * 100) / 100;
      slide.style.setProperty("--fit", String(fit));
    }
  }

  function bindThemeToggle(button) {
    if (!button) return;
    var root = document.documentElement;
    button.addEventListener("click", function () {
      var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("devoops-theme", next); } catch (e) { /* not remembered */ }
    });
    // The other window follows a theme switch (the `storage` event fires in other windows only).
    window.addEventListener("storage", function (event) {
      if (event.key === "devoops-theme" && event.newValue) root.setAttribute("data-theme", event.newValue);
    });
  }

  /**
   * A message line between the windows showing one deck. Three ways, because no single one
   * works everywhere: BroadcastChannel (same origin, e.g. `devoops serve`), `storage` events
   * (also from file:// in Chromium), and postMessage to the window that opened us or that we
   * opened (works even where file:// pages count as different origins). Every message has an
   * id, so one that arrives by two ways is handled once.
   */
  function Sync(deckKey, onMessage) {
    var me = Math.random().toString(36).slice(2);
    var count = 0;
    var seen = [];
    var peers = [];
    var storageKey = "devoops-deck-message:" + deckKey;
    var channel = null;

    function receive(message) {
      if (!message || message.deck !== deckKey || message.from === me) return;
      if (seen.indexOf(message.id) !== -1) return;
      seen.push(message.id);
      if (seen.length > 100) seen.shift();
      onMessage(message);
    }

    try {
      channel = new BroadcastChannel("devoops-deck:" + deckKey);
      channel.onmessage = function (event) { receive(event.data); };
    } catch (e) { channel = null; }
    window.addEventListener("storage", function (event) {
      if (event.key !== storageKey || !event.newValue) return;
      try { receive(JSON.parse(event.newValue)); } catch (e) { /* not ours */ }
    });
    window.addEventListener("message", function (event) { receive(event.data); });
    if (window.opener) peers.push(window.opener);

    this.addPeer = function (win) { if (win && peers.indexOf(win) === -1) peers.push(win); };
    this.send = function (message) {
      message.deck = deckKey;
      message.from = me;
      message.id = me + ":" + (++count);
      if (channel) {
        try { channel.postMessage(message); } catch (e) { /* closed */ }
      }
      try { localStorage.setItem(storageKey, JSON.stringify(message)); } catch (e) { /* storage off */ }
      peers.forEach(function (peer) {
        try { if (!peer.closed) peer.postMessage(message, "*"); } catch (e) { /* gone */ }
      });
    };
  }

  /** The slide number in a `#12` hash, as a 0-based index, or null. */
  function indexFromHash(hash) {
    var match = /^#(\d+)$/.exec(hash || "");
    return match ? parseInt(match[1], 10) - 1 : null;
  }

  /** True when a key press belongs to a form field rather than to the deck. */
  function isTyping(event) {
    var target = event.target;
    return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  /** Maps a key press to a move: +1, -1, "first", "last", or null. */
  function moveForKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return null;
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": case "PageDown":
        return 1;
      case "ArrowLeft": case "ArrowUp": case "PageUp":
        return -1;
      case " ": case "Spacebar":
        return event.shiftKey ? -1 : 1;
      case "Home": return "first";
      case "End": return "last";
      default: return null;
    }
  }

  /**
   * Calls `turn(+1)` for a mostly horizontal swipe of 50px or more to the left on `element`,
   * `turn(-1)` for one to the right: a phone in the hand turns the slides.
   */
  function onSwipe(element, turn) {
    var start = null;
    element.addEventListener("touchstart", function (event) {
      start = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
    }, { passive: true });
    element.addEventListener("touchend", function (event) {
      if (!start) return;
      var touch = event.changedTouches[0];
      var dx = touch.clientX - start.x;
      var dy = touch.clientY - start.y;
      start = null;
      if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) turn(dx < 0 ? 1 : -1);
    });
  }

  /**
   * The steps of a slide's `::: fragments` blocks, in order: each item of a list, or each
   * other block, directly inside a `.fragments` div.
   */
  function fragmentSteps(slide) {
    var steps = [];
    Array.prototype.forEach.call(slide.querySelectorAll(".fragments"), function (box) {
      Array.prototype.forEach.call(box.children, function (child) {
        if (/^(UL|OL)$/.test(child.tagName)) {
          Array.prototype.forEach.call(child.children, function (item) { steps.push(item); });
        } else {
          steps.push(child);
        }
      });
    });
    return steps;
  }

  /** Shows the first `shown` steps of `slide` and hides the rest (`pendingClass` on them). */
  function showFragments(slide, shown, pendingClass) {
    fragmentSteps(slide).forEach(function (step, i) {
      step.classList.toggle(pendingClass || "fragment-hidden", i >= shown);
    });
  }

  /**
   * Where a move lands: `{ index, shown }` for +1, -1, "first" or "last" from slide `index`
   * with `shown` fragments out. Next and previous reveal or hide fragments before they turn
   * the slide; `shown` is left undefined for a plain turn (see `shownOnArrival`).
   * `count(i)` is slide i's number of fragments, `slides` the number of slides.
   */
  function moveTarget(direction, index, shown, slides, count) {
    if (direction === "first") return { index: 0, shown: 0 };
    if (direction === "last") return { index: slides - 1, shown: count(slides - 1) };
    if (direction > 0 && shown < count(index)) return { index: index, shown: shown + 1 };
    if (direction < 0 && shown > 0) return { index: index, shown: shown - 1 };
    return { index: index + direction, shown: undefined };
  }

  /**
   * How many of `total` fragments show on arriving at slide `index` from slide `from` with
   * `step` out: as asked, else none going forward, all going back, unchanged when staying.
   */
  function shownOnArrival(asked, index, from, step, total) {
    var shown = typeof asked === "number" ? asked : index < from ? total : index === from ? step : 0;
    return Math.max(0, Math.min(total, shown));
  }

  window.DevoopsDeck = {
    moveTarget: moveTarget,
    shownOnArrival: shownOnArrival,
    fragmentSteps: fragmentSteps,
    showFragments: showFragments,
    onSwipe: onSwipe,
    fitStage: fitStage,
    fitSlide: fitSlide,
    bindThemeToggle: bindThemeToggle,
    Sync: Sync,
    indexFromHash: indexFromHash,
    isTyping: isTyping,
    moveForKey: moveForKey
  };
})();
