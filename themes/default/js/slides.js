// The audience deck: one slide at a time on a 16:9 stage scaled to the screen, driven by
// keyboard, buttons, touch swipes and the presenter window. The slide number lives in the URL
// hash (`#3`), so a reload or a shared link lands on the same slide.
(function () {
  "use strict";
  var D = window.DevoopsDeck;
  var body = document.body;
  var viewport = document.getElementById("viewport");
  var stage = document.getElementById("stage");
  var frames = Array.prototype.slice.call(stage.querySelectorAll(".frame"));
  var counter = document.getElementById("counter");
  var progress = document.getElementById("progress-bar");
  var blackout = document.getElementById("blackout");
  var help = document.getElementById("help");
  var gotoForm = document.getElementById("goto");
  var gotoInput = document.getElementById("goto-input");
  var handbookLink = document.getElementById("handbook-link");
  var talkLink = document.getElementById("talk-link");
  var talkStart = talkLink ? D.indexFromHash(talkLink.hash) : null;
  var talkBase = talkLink ? talkLink.href.replace(/#.*$/, "") : "";
  var current = 0;
  var step = 0; // how many fragments of the current slide are shown
  var presenterWindow = null;

  var sync = new D.Sync(body.getAttribute("data-deck"), function (message) {
    if (message.type === "goto" || message.type === "state") go(message.index, true, message.step);
    if (message.type === "blank") setBlank(message.on, true);
    if (message.type === "hello") sendState();
  });

  function sendState() {
    sync.send({ type: "state", index: current, step: step, blank: !blackout.hidden });
  }

  function fragmentCount(index) {
    return D.fragmentSteps(frames[index].querySelector(".slide")).length;
  }

  /**
   * Shows slide `index` with `shown` of its fragments (default: none when moving forward, all
   * when moving back); `quiet` is for moves that came from the other window.
   */
  function go(index, quiet, shown) {
    if (!frames.length) return;
    index = Math.max(0, Math.min(frames.length - 1, index));
    shown = D.shownOnArrival(shown, index, current, step, fragmentCount(index));
    var changed = index !== current || shown !== step || !frames[index].classList.contains("current");
    step = shown;
    D.showFragments(frames[index].querySelector(".slide"), step);
    frames.forEach(function (frame, i) {
      frame.classList.toggle("current", i === index);
      frame.classList.toggle("past", i < index);
      frame.setAttribute("aria-hidden", i === index ? "false" : "true");
    });
    current = index;
    counter.textContent = (index + 1) + " / " + frames.length;
    progress.style.width = (frames.length > 1 ? (index / (frames.length - 1)) * 100 : 100) + "%";
    handbookLink.href = frames[index].getAttribute("data-handbook");
    if (talkLink && talkStart !== null) talkLink.href = talkBase + "#" + (talkStart + index + 1);
    var hash = "#" + (index + 1);
    if (location.hash !== hash) history.replaceState(null, "", hash);
    if (body.classList.contains("overview")) frames[index].scrollIntoView({ block: "nearest" });
    if (changed && !quiet) sync.send({ type: "goto", index: index, step: step });
  }

  /** Next and previous reveal the current slide's fragments one by one before turning. */
  function move(direction) {
    var target = D.moveTarget(direction, current, step, frames.length, fragmentCount);
    go(target.index, false, target.shown);
  }

  function setBlank(on, quiet) {
    blackout.hidden = !on;
    if (!quiet) sync.send({ type: "blank", on: on });
  }

  function layout() {
    if (body.classList.contains("overview")) {
      var columns = Math.max(2, Math.floor(viewport.clientWidth / 300));
      var thumb = (viewport.clientWidth - 48 - (columns - 1) * 16) / columns / 1280;
      body.style.setProperty("--columns", String(columns));
      body.style.setProperty("--thumb", String(thumb));
    } else {
      D.fitStage(stage, viewport);
    }
  }

  function toggleOverview(on) {
    if (on === undefined) on = !body.classList.contains("overview");
    body.classList.toggle("overview", on);
    layout();
    if (on) frames[current].scrollIntoView({ block: "center" });
  }

  function showDialog(dialog, on) {
    dialog.hidden = !on;
    if (on) (dialog.querySelector("input") || dialog.querySelector("button")).focus();
    else document.activeElement && document.activeElement.blur && document.activeElement.blur();
  }

  function openPresenter() {
    var url = body.getAttribute("data-presenter") + "#" + (current + 1);
    presenterWindow = window.open(url, "devoops-presenter:" + body.getAttribute("data-deck"), "popup,width=1280,height=760");
    if (presenterWindow) {
      sync.addPeer(presenterWindow);
    } else {
      // A blocked pop-up: go there in this tab instead; the presenter opens the deck back.
      window.location.href = url;
    }
  }

  function toggleFullscreen() {
    var root = document.documentElement;
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen().catch(function () { /* refused */ });
  }

  function openGoto() {
    gotoInput.value = "";
    showDialog(gotoForm, true);
  }

  gotoForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var n = parseInt(gotoInput.value, 10);
    showDialog(gotoForm, false);
    if (n > 0) go(n - 1);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (!help.hidden) return showDialog(help, false);
      if (!gotoForm.hidden) return showDialog(gotoForm, false);
      if (document.fullscreenElement) return; // the browser leaves full screen
      event.preventDefault();
      return toggleOverview();
    }
    if (D.isTyping(event)) return;
    var step = D.moveForKey(event);
    if (step !== null) {
      event.preventDefault();
      return move(step);
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var handled = true;
    switch (event.key) {
      case "o": case "O": toggleOverview(); break;
      case "Enter": if (body.classList.contains("overview")) toggleOverview(false); else handled = false; break;
      case "f": case "F": toggleFullscreen(); break;
      case "b": case "B": case ".": setBlank(blackout.hidden); break;
      case "g": case "G": openGoto(); break;
      case "s": case "S": openPresenter(); break;
      case "h": case "H": window.location.href = handbookLink.href; break;
      case "?": showDialog(help, help.hidden); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (button) {
      var action = button.getAttribute("data-action");
      if (action === "prev") move(-1);
      if (action === "next") move(1);
      if (action === "overview") toggleOverview();
      if (action === "presenter") openPresenter();
      if (action === "fullscreen") toggleFullscreen();
      if (action === "help") showDialog(help, help.hidden);
      if (action === "close") showDialog(help, false);
      return;
    }
    var frame = event.target.closest(".frame");
    if (frame && body.classList.contains("overview")) {
      go(frames.indexOf(frame));
      toggleOverview(false);
    }
  });

  D.onSwipe(viewport, function (step) {
    if (!body.classList.contains("overview")) move(step);
  });

  // The controls show while the mouse moves, and stay out of the audience's way otherwise.
  var idle = null;
  document.addEventListener("mousemove", function () {
    body.classList.add("show-controls");
    clearTimeout(idle);
    idle = setTimeout(function () { body.classList.remove("show-controls"); }, 2500);
  });

  window.addEventListener("hashchange", function () {
    var index = D.indexFromHash(location.hash);
    if (index !== null && index !== current) go(index);
  });
  window.addEventListener("resize", layout);

  /** Where to start: `#12` is slide 12; `#h=<id>` is the slide covering that handbook section. */
  function startIndex() {
    var fromNumber = D.indexFromHash(location.hash);
    if (fromNumber !== null) return fromNumber;
    var section = /^#h=(.+)$/.exec(location.hash);
    if (section) {
      var id = decodeURIComponent(section[1]);
      for (var i = 0; i < frames.length; i++) {
        if ((" " + frames[i].getAttribute("data-sections") + " ").indexOf(" " + id + " ") !== -1) return i;
      }
    }
    return 0;
  }

  D.bindThemeToggle(document.getElementById("theme-toggle"));
  layout();
  // A link to a given slide (or a reload) moves an open presenter view there; a plain link
  // to the deck asks the other windows where the talk is, and joins it.
  var placeGiven = location.hash.length > 1;
  go(startIndex(), true);
  if (placeGiven) sendState();
  else sync.send({ type: "hello" });
  frames.forEach(function (frame) { D.fitSlide(frame.querySelector(".slide")); });
  window.addEventListener("load", function () {
    frames.forEach(function (frame) { D.fitSlide(frame.querySelector(".slide")); });
  });
  body.classList.add("ready");
})();
