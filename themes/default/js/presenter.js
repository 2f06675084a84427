// The presenter view: the current and next slide, the speaker notes, and the clock against the
// time budget of each chapter (front matter `minutes`). It follows the audience deck and
// drives it. The timer is kept in localStorage, so reloading this window loses no time.
(function () {
  "use strict";
  var D = window.DevoopsDeck;
  var body = document.body;
  var deckKey = body.getAttribute("data-deck");
  var handouts = Array.prototype.slice.call(document.querySelectorAll("#slide-source .handout"));
  var currentStage = document.getElementById("pv-current");
  var nextStage = document.getElementById("pv-next");
  var nextTitle = document.getElementById("pv-next-title");
  var notes = document.getElementById("pv-notes");
  var counter = document.getElementById("pv-counter");
  var elapsedLabel = document.getElementById("pv-elapsed");
  var wallClock = document.getElementById("pv-wallclock");
  var pauseButton = document.getElementById("pv-pause");
  var totalMinutes = parseInt(body.getAttribute("data-total-minutes"), 10) || 0;
  var rows = Array.prototype.slice.call(document.querySelectorAll("#pv-budget tbody tr"));
  var current = 0;
  var step = 0; // fragments of the current slide the audience sees
  var audienceWindow = null;

  var sync = new D.Sync(deckKey, function (message) {
    if (message.type === "goto" || message.type === "state") show(message.index, true, message.step);
    if (message.type === "state" || message.type === "blank") body.classList.toggle("audience-blank", !!message.blank || !!message.on);
    if (message.type === "hello") sync.send({ type: "state", index: current, step: step });
  });

  // ---- the clock ----
  var timerKey = "devoops-timer:" + deckKey;
  var MAX_GAP_MS = 2 * 60 * 1000;
  var timer = loadTimer();

  function loadTimer() {
    try {
      var stored = JSON.parse(localStorage.getItem(timerKey));
      if (stored && typeof stored.elapsed === "number") {
        // A reload mid-talk keeps counting; a window opened again after a longer break
        // (another rehearsal, the next day) starts paused where it stopped, not hours later.
        if (stored.running && Date.now() - stored.lastTick > MAX_GAP_MS) {
          stored.running = false;
          stored.lastTick = Date.now();
        }
        return stored;
      }
    } catch (e) { /* start afresh */ }
    return { elapsed: 0, running: true, lastTick: Date.now(), chapters: {}, chapter: 0 };
  }

  function saveTimer() {
    try { localStorage.setItem(timerKey, JSON.stringify(timer)); } catch (e) { /* storage off */ }
  }

  /** Adds the time since the last tick to the total and to the chapter on screen then. */
  function tick() {
    var now = Date.now();
    if (timer.running) {
      var delta = Math.max(0, now - timer.lastTick);
      timer.elapsed += delta;
      timer.chapters[timer.chapter] = (timer.chapters[timer.chapter] || 0) + delta;
    }
    timer.lastTick = now;
    saveTimer();
    drawClock();
  }

  function clock(ms) {
    var seconds = Math.floor(ms / 1000);
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var mm = (h > 0 && m < 10 ? "0" : "") + m;
    return (h > 0 ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  function budgetClass(spentMs, minutes) {
    if (!minutes) return "";
    var ratio = spentMs / (minutes * 60000);
    return ratio > 1 ? "over" : ratio > 0.8 ? "near" : "ok";
  }

  function drawClock() {
    var now = new Date();
    wallClock.textContent = (now.getHours() < 10 ? "0" : "") + now.getHours() + ":" + (now.getMinutes() < 10 ? "0" : "") + now.getMinutes();
    elapsedLabel.textContent = clock(timer.elapsed);
    elapsedLabel.className = "pv-elapsed " + budgetClass(timer.elapsed, totalMinutes);
    pauseButton.textContent = timer.running ? "Pause" : "Resume";
    body.classList.toggle("timer-paused", !timer.running);
    rows.forEach(function (row, i) {
      var spent = timer.chapters[i] || 0;
      var minutes = parseInt(row.getAttribute("data-minutes"), 10) || 0;
      row.querySelector(".spent").textContent = clock(spent);
      row.className = budgetClass(spent, minutes) + (i === timer.chapter ? " current" : "");
    });
  }

  /** Keeps the current chapter's row in sight in a long budget table. */
  function revealCurrentRow() {
    var row = rows[timer.chapter];
    if (!row) return;
    var box = row.closest(".pv-budget");
    var r = row.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += r.top - b.top - b.height / 2;
  }

  function togglePause() {
    tick();
    timer.running = !timer.running;
    tick();
  }

  function resetTimer() {
    timer = { elapsed: 0, running: true, lastTick: Date.now(), chapters: {}, chapter: timer.chapter };
    tick();
  }

  // ---- the slides ----
  function fragmentCount(index) {
    return handouts[index] ? D.fragmentSteps(handouts[index].querySelector(".slide")).length : 0;
  }

  function place(stage, index) {
    stage.textContent = "";
    var source = handouts[index];
    if (!source) {
      var end = document.createElement("div");
      end.className = "frame end-of-deck";
      end.innerHTML = "<section class=\"slide\"><p>End of the deck</p></section>";
      stage.appendChild(end);
      return;
    }
    var frame = source.querySelector(".frame").cloneNode(true);
    stage.appendChild(frame);
    D.fitSlide(frame.querySelector(".slide"));
  }

  /** Shows slide `index`, `shown` of its fragments revealed to the audience (the rest dimmed). */
  function show(index, quiet, shown) {
    if (!handouts.length) return;
    index = Math.max(0, Math.min(handouts.length - 1, index));
    var total = fragmentCount(index);
    shown = D.shownOnArrival(shown, index, current, step, total);
    var changed = index !== current || shown !== step;
    current = index;
    step = shown;
    tick();
    timer.chapter = parseInt(handouts[index].getAttribute("data-chapter"), 10) || 0;
    saveTimer();
    place(currentStage, index);
    D.showFragments(currentStage.querySelector(".slide"), step, "fragment-pending");
    place(nextStage, index + 1);
    nextTitle.textContent = handouts[index + 1] ? handouts[index + 1].getAttribute("data-title") : "(end)";
    var noteHtml = handouts[index].querySelector(".notes").innerHTML.trim();
    notes.innerHTML = noteHtml || "<p class=\"pv-empty\">No notes for this slide.</p>";
    notes.scrollTop = 0;
    counter.textContent = (index + 1) + " / " + handouts.length + (total ? " \u00b7 " + step + "/" + total + " shown" : "");
    var hash = "#" + (index + 1);
    if (location.hash !== hash) history.replaceState(null, "", hash);
    drawClock();
    revealCurrentRow();
    if (changed && !quiet) sync.send({ type: "goto", index: index, step: step });
  }

  /** Next and previous reveal the current slide's fragments one by one before turning. */
  function move(direction) {
    var target = D.moveTarget(direction, current, step, handouts.length, fragmentCount);
    show(target.index, false, target.shown);
  }

  function openAudience() {
    if (window.opener && !window.opener.closed) {
      window.opener.focus();
      return;
    }
    var url = body.getAttribute("data-audience") + "#" + (current + 1);
    audienceWindow = window.open(url, "devoops-audience:" + deckKey);
    if (audienceWindow) sync.addPeer(audienceWindow);
  }

  // Notes text size, changed with + and −, remembered for the next talk.
  var notesSize = 20;
  try { notesSize = parseInt(localStorage.getItem("devoops-notes-size"), 10) || 20; } catch (e) { /* default */ }
  function setNotesSize(px) {
    notesSize = Math.max(12, Math.min(48, px));
    notes.style.fontSize = notesSize + "px";
    try { localStorage.setItem("devoops-notes-size", String(notesSize)); } catch (e) { /* not remembered */ }
  }

  function layout() {
    D.fitStage(currentStage, currentStage.parentNode);
    D.fitStage(nextStage, nextStage.parentNode);
  }

  document.addEventListener("keydown", function (event) {
    if (D.isTyping(event)) return;
    var step = D.moveForKey(event);
    if (step !== null) {
      event.preventDefault();
      return move(step);
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "p" || event.key === "P") togglePause();
    if (event.key === "+" || event.key === "=") setNotesSize(notesSize + 2);
    if (event.key === "-" || event.key === "_") setNotesSize(notesSize - 2);
    if (event.key === "b" || event.key === "B" || event.key === ".") {
      var blank = !body.classList.contains("audience-blank");
      body.classList.toggle("audience-blank", blank);
      sync.send({ type: "blank", on: blank });
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "prev") move(-1);
    if (action === "next") move(1);
    if (action === "pause") togglePause();
    if (action === "reset") resetTimer();
    if (action === "audience") openAudience();
    if (action === "print") window.print();
  });

  // A phone as the remote: a sideways swipe anywhere turns the slide (notes still scroll).
  D.onSwipe(body, move);

  window.addEventListener("resize", layout);
  window.addEventListener("hashchange", function () {
    var index = D.indexFromHash(location.hash);
    if (index !== null && index !== current) show(index);
  });

  D.bindThemeToggle(document.getElementById("theme-toggle"));
  setNotesSize(notesSize);
  layout();
  current = -1;
  var start = D.indexFromHash(location.hash);
  show(start === null ? 0 : start, true);
  setInterval(tick, 1000);
  // Ask the deck where it is; it answers with a `state` message.
  sync.send({ type: "hello" });
  body.classList.add("ready");
})();
