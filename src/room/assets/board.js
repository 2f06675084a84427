// The room's board and projector view. Everything a participant sent is put on the page
// with textContent or setAttribute, never as HTML.
"use strict";

(function () {
  const root = document.documentElement;
  const mode = root.dataset.mode;
  const $ = (id) => document.getElementById(id);

  if (mode === "join") {
    $("join").hidden = false;
    $("status").textContent = "room address: " + location.href;
    $("join-command").textContent = 'lab-01-check --report ' + location.href + ' --name "Your Name"';
    return;
  }

  const base = root.dataset.events.replace(/events$/, "");
  let state = null;
  let clockOffset = 0; // room clock minus this browser's clock
  let sortBy = "name";

  $("labs").hidden = false;
  if (mode === "board") {
    $("grid-section").hidden = false;
    $("export-json").href = base + "export.json";
    $("export-csv").href = base + "export.csv";
    for (const button of document.querySelectorAll("[data-sort]")) {
      button.addEventListener("click", () => {
        sortBy = button.dataset.sort;
        for (const b of document.querySelectorAll("[data-sort]")) {
          b.setAttribute("aria-pressed", String(b === button));
        }
        render();
      });
    }
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function since(ms) {
    if (!ms) return "–";
    const seconds = Math.max(0, Math.round((Date.now() + clockOffset - ms) / 1000));
    if (seconds < 60) return seconds + " s";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function renderLabs() {
    const list = $("lab-list");
    list.replaceChildren();
    for (const lab of state.labs) {
      const item = el("li");
      item.dataset.lab = lab.id;
      item.append(el("span", lab.id, "lab-id"), " ");
      item.append(el("span", lab.done + " of " + lab.participants + " done", "done"));
      const explain = el("span", undefined, "explain");
      if (lab.most_failed) {
        explain.append("Explain next: ", el("strong", lab.most_failed.check),
          " (failing for " + lab.most_failed.failing + ")");
      } else {
        explain.textContent = "No check failing.";
      }
      item.append(explain);
      list.append(item);
    }
    const people = mode === "board" ? state.participants.length : state.participant_count;
    $("summary").textContent = people + " participants · " + state.reports + " reports";
  }

  function sorted(participants) {
    const rows = participants.slice();
    const byName = (a, b) => a.name.localeCompare(b.name);
    if (sortBy === "progress") rows.sort((a, b) => b.passed - a.passed || byName(a, b));
    else if (sortBy === "stuck") rows.sort((a, b) => a.progress_ms - b.progress_ms || byName(a, b));
    else rows.sort(byName);
    return rows;
  }

  function renderGrid() {
    const head = $("grid-head");
    head.replaceChildren(el("th", "Name"));
    for (const lab of state.labs) head.append(el("th", lab.id));
    head.append(el("th", "Since progress"));
    const body = $("grid-body");
    body.replaceChildren();
    for (const p of sorted(state.participants)) {
      const row = el("tr");
      row.append(el("th", p.name, "name"));
      for (const lab of state.labs) {
        const cell = p.cells[lab.id];
        if (!cell) {
          row.append(el("td", "–", "cell none"));
          continue;
        }
        const kind = cell.passed === cell.total ? "pass" : cell.passed > 0 ? "part" : "fail";
        const td = el("td", cell.passed + "/" + cell.total, "cell " + kind);
        if (cell.failing.length) td.setAttribute("title", "failing: " + cell.failing.join("; "));
        row.append(td);
      }
      const stuckFor = Date.now() + clockOffset - p.progress_ms;
      row.append(el("td", since(p.progress_ms), "stuck" + (stuckFor > 10 * 60 * 1000 ? " long" : "")));
      body.append(row);
    }
  }

  function render() {
    if (!state) return;
    renderLabs();
    if (mode === "board") renderGrid();
  }

  const events = new EventSource(root.dataset.events);
  events.onmessage = (event) => {
    state = JSON.parse(event.data);
    clockOffset = state.now_ms - Date.now();
    $("status").className = "";
    $("status").textContent = "live · updated " + new Date().toLocaleTimeString();
    render();
  };
  events.onerror = () => {
    $("status").className = "offline";
    $("status").textContent = "room not reachable · retrying";
  };
  setInterval(render, 5000);
})();
