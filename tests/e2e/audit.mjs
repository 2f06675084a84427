// Audits a built devoops site in one real headless Chromium: axe-core on every page type in
// both themes at desktop and phone widths, page width and control placement at phone and
// tablet widths, print colours in the dark theme, and a screenshot of each page type.
//
//   node audit.mjs <base-url> <screenshot-dir>
//   AUDIT_ONLY=layout,print node audit.mjs …    (run only some sections: axe, layout, print, colours, features)
//   AUDIT_TIMES=1 node audit.mjs …              (show how long each axe audit took)
//
// Prints one line per check and exits non-zero when any check fails. tests/browser_audit.rs
// builds the site, serves it on 127.0.0.1 and runs this script.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const axeSource = require("axe-core").source;

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error("usage: node audit.mjs <base-url> <screenshot-dir>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const DESKTOP = { name: "desktop", width: 1280, height: 800 };
const PHONE = { name: "phone", width: 390, height: 844 };
const LAYOUT_WIDTHS = [360, 390, 768];
const THEMES = ["light", "dark"];
const STEP_TIMEOUT_MS = 20000;

// Every kind of page the site has. `ready` is a script that is true once the page has
// finished its own set-up; `open` does what a reader does to get there (type a query).
const PAGES = [
  { name: "index", path: "index.html" },
  { name: "chapter", path: "linux-ha.html", ready: "!!document.querySelector('pre code') && !!document.querySelector('.chapter img, .chapter svg')" },
  { name: "lab", path: "labs/02-dockerfile.html" },
  { name: "search", path: "index.html", open: openSearch },
  { name: "long-urls", path: "further-reading.html" },
  { name: "404", path: "404.html" },
  { name: "print", path: "print.html#all" },
  { name: "deck", path: "slides/linux-ha.html#2", ready: "document.body.classList.contains('ready')" },
  { name: "lab-deck", path: "slides/labs/02-dockerfile.html#2", ready: "document.body.classList.contains('ready')" },
  { name: "presenter", path: "slides/linux-ha.presenter.html#2", ready: "document.body.classList.contains('ready')" },
];

async function openSearch(page) {
  await page.focus("#search-input");
  await page.keyboard.type("container");
  await page.waitForFunction(() => document.querySelectorAll("#search-results .search-result").length > 0, null, { timeout: STEP_TIMEOUT_MS });
}

const only = process.env.AUDIT_ONLY ? process.env.AUDIT_ONLY.split(",") : null;
/** True when section `name` should run; prints when it starts, to see where the time goes. */
const section = (name) => {
  const now = Date.now();
  console.log(`# ${name}: starts ${((now - started) / 1000).toFixed(1)} s in`);
  return !only || only.includes(name);
};
const started = Date.now();

let failures = 0;
let passes = 0;
function report(ok, name, detail) {
  if (ok) passes++; else failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ": " + detail : ""}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

/** A fresh tab in `theme` at `size`, with the page loaded and ready. */
async function open(context, spec, size) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.setViewportSize({ width: size.width, height: size.height });
  await page.goto(base + spec.path, { waitUntil: "load" });
  if (spec.ready) await page.waitForFunction(spec.ready);
  if (spec.open) await spec.open(page);
  return { page, errors };
}

async function newContext(theme, size) {
  const context = await browser.newContext({
    viewport: { width: size.width, height: size.height },
    isMobile: size.width < 800,
    hasTouch: size.width < 800,
    colorScheme: theme,
  });
  // The theme toggle's stored choice, set before any page script runs; print.html opens the
  // print dialog on load, which a test has no use for.
  await context.addInitScript((t) => {
    try { localStorage.setItem("devoops-theme", t); } catch (e) { /* storage off */ }
    window.print = () => {};
  }, theme);
  return context;
}

async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}) ${v.nodes.length}× e.g. ${v.nodes.slice(0, 3).map((n) => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.split("\n").slice(1).join(" ").trim() + "]" : "")).join("; ")}`);
  });
}

// ---- axe-core on every page type, both themes, desktop and phone; screenshots ----
for (const theme of section("axe") ? THEMES : []) {
  for (const size of [DESKTOP, PHONE]) {
    const context = await newContext(theme, size);
    for (const spec of PAGES) {
      const label = `axe ${spec.name} ${theme} ${size.name}`;
      try {
        const { page, errors } = await open(context, spec, size);
        const t0 = Date.now();
        const violations = await axe(page);
        report(violations.length === 0, label, violations.join(" | ") + (process.env.AUDIT_TIMES ? ` (${Date.now() - t0} ms)` : ""));
        report(errors.length === 0, `no script errors ${spec.name} ${theme} ${size.name}`, errors.join(" | "));
        await page.screenshot({ path: join(shots, `${spec.name}-${size.name}-${theme}.png`) });
        await page.close();
      } catch (e) {
        report(false, label, String(e).split("\n")[0]);
      }
    }
    await context.close();
  }
}

// ---- layout at phone and tablet widths ----
/** Boxes that must lie inside the viewport, by page type. */
const MUST_FIT = {
  search: ["#search-results", "#search-input"],
  presenter: ["[data-action=prev]", "[data-action=next]", "#pv-elapsed"],
  deck: ["#deck-controls [data-action=prev]", "#deck-controls [data-action=next]"],
  "lab-deck": ["#deck-controls [data-action=prev]", "#deck-controls [data-action=next]"],
};
for (const width of section("layout") ? LAYOUT_WIDTHS : []) {
  const size = { name: `${width}px`, width, height: 800 };
  const context = await newContext("light", size);
  for (const spec of PAGES) {
    const label = `layout ${spec.name} at ${width}px`;
    try {
      const { page } = await open(context, spec, size);
      const found = await page.evaluate((selectors) => {
        const vw = document.documentElement.clientWidth;
        const problems = [];
        const wide = document.documentElement.scrollWidth;
        if (wide > vw) {
          // Name the widest culprit, so the failure says what to fix.
          let worst = null;
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > vw + 1 && (!worst || r.right > worst.right)) worst = { right: Math.round(r.right), what: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") };
          }
          problems.push(`page is ${wide}px wide in a ${vw}px viewport (widest: ${worst ? worst.what + " to " + worst.right + "px" : "?"})`);
        }
        for (const sel of selectors) {
          const el = document.querySelector(sel);
          if (!el) { problems.push(`${sel} missing`); continue; }
          const r = el.getBoundingClientRect();
          if (r.width === 0) { problems.push(`${sel} not shown`); continue; }
          if (r.left < -0.5 || r.right > vw + 0.5 || r.top < -0.5 || r.bottom > window.innerHeight + 0.5) {
            problems.push(`${sel} at x ${Math.round(r.left)}..${Math.round(r.right)}, y ${Math.round(r.top)}..${Math.round(r.bottom)} outside ${vw}×${window.innerHeight}`);
          }
        }
        // The top bar shows the book title, not just its first letter.
        const title = document.querySelector(".topbar .book-title");
        if (title && title.getBoundingClientRect().width < 80) problems.push(`the top-bar title is squeezed to ${Math.round(title.getBoundingClientRect().width)}px`);
        return problems;
      }, MUST_FIT[spec.name] || []);
      report(found.length === 0, label, found.join("; "));
      if (spec.name === "deck" || spec.name === "presenter") await checkSwipe(page, spec, label);
      await page.close();
    } catch (e) {
      report(false, label, String(e).split("\n")[0]);
    }
  }
  await context.close();
}

/** A swipe from right to left moves to the next slide, on the deck and the presenter view. */
async function checkSwipe(page, spec, label) {
  const before = await page.evaluate(() => location.hash);
  const session = await page.context().newCDPSession(page);
  const y = 400;
  const touch = (type, x) => session.send("Input.dispatchTouchEvent", { type, touchPoints: type === "touchEnd" ? [] : [{ x, y }] });
  await touch("touchStart", 300);
  for (const x of [250, 200, 150, 100]) await touch("touchMove", x);
  await touch("touchEnd", 100);
  await session.detach();
  const moved = await page.waitForFunction((h) => location.hash !== h, before, { timeout: 3000 }).then(() => true, () => false);
  const after = await page.evaluate(() => location.hash);
  report(moved, `${label}: swipe left turns to the next slide`, moved ? "" : `still ${after}`);
  if (moved) await page.evaluate((h) => { location.hash = h; }, before);
}

// ---- print: the dark theme prints dark text on light paper ----
const printing = section("print");
for (const spec of PAGES.filter((p) => printing && ["chapter", "print", "lab", "deck"].includes(p.name))) {
  const label = `print ${spec.name} in the dark theme`;
  const context = await newContext("dark", DESKTOP);
  try {
    const { page } = await open(context, spec, DESKTOP);
    await page.emulateMedia({ media: "print" });
    const found = await page.evaluate(() => {
      function rgb(text) {
        const m = text.match(/[\d.]+/g).map(Number);
        return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 };
      }
      function luminance({ r, g, b }) {
        const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      }
      /** The colour behind `el`: the first opaque background up the tree, paper white at the top. */
      function background(el) {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.a > 0.5) return c;
        }
        return { r: 255, g: 255, b: 255, a: 1 };
      }
      const problems = [];
      const seen = new Set();
      const texts = ["p", "li", "td", "pre", "pre span", "h1", "h2", "a", "code"];
      for (const el of document.querySelectorAll(texts.map((t) => `.content ${t}, .slide ${t}`).join(", "))) {
        if (!el.textContent.trim() || el.getClientRects().length === 0) continue;
        const fg = luminance(rgb(getComputedStyle(el).color));
        const bg = luminance(background(el));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        const key = getComputedStyle(el).color + " on " + getComputedStyle(document.body).backgroundColor;
        if ((bg < 0.5 || fg > bg || ratio < 4.5) && !seen.has(key)) {
          seen.add(key);
          problems.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${getComputedStyle(el).color} on ${JSON.stringify(background(el))} (${ratio.toFixed(1)}:1)`);
        }
      }
      return problems.slice(0, 8);
    });
    report(found.length === 0, label, found.join("; "));
    if (spec.name === "chapter") await page.screenshot({ path: join(shots, "chapter-print-dark.png") });
  } catch (e) {
    report(false, label, String(e).split("\n")[0]);
  }
  await context.close();
}

// ---- every text colour of the theme against every background it is used on, both themes ----
if (section("colours")) {
  for (const theme of THEMES) {
    const context = await newContext(theme, DESKTOP);
    try {
      const { page } = await open(context, PAGES[0], DESKTOP);
      const low = await page.evaluate(() => {
        const probe = document.createElement("span");
        document.body.appendChild(probe);
        const css = (value) => { probe.style.color = value; const m = getComputedStyle(probe).color.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
        const v = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
        const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
        const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
        const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
        const bg = css(v("--bg"));
        const backgrounds = { bg: bg, sidebar: css(v("--sidebar-bg")), code: css(v("--code-bg")), "accent-soft": over(css(v("--accent-soft")), bg) };
        const found = [];
        for (const text of ["--fg", "--muted", "--accent", "--note", "--tip", "--important", "--warning", "--caution"]) {
          for (const [name, under] of Object.entries(backgrounds)) {
            const r = ratio(css(v(text)), under);
            if (r < 4.5) found.push(`${text} on ${name}: ${r.toFixed(2)}:1`);
          }
        }
        probe.remove();
        return found;
      });
      report(low.length === 0, `every theme text colour reaches 4.5:1 on every theme background (${theme})`, low.join("; "));
      await page.close();
    } catch (e) {
      report(false, `theme colours ${theme}`, String(e).split("\n")[0]);
    }
    await context.close();
  }
}

// ---- what readers and presenters use: copy buttons, search words on arrival, the clocks ----
if (section("features")) {
  const context = await newContext("light", DESKTOP);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(base).origin });
  try {
    const { page } = await open(context, PAGES[1], DESKTOP);
    const counts = await page.evaluate(() => [document.querySelectorAll(".content pre").length, document.querySelectorAll(".content pre > .copy-button").length]);
    report(counts[0] > 0 && counts[0] === counts[1], "every code block has a copy button", `${counts[1]} buttons on ${counts[0]} blocks`);
    const pre = page.locator(".content pre").first();
    await pre.hover();
    await pre.locator(".copy-button").click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const shown = await page.evaluate(() => document.querySelector(".content pre code").innerText.replace(/\n$/, ""));
    report(copied === shown && copied.length > 0, "the copy button copies the block's code", copied === shown ? "" : `copied ${JSON.stringify(copied.slice(0, 60))}, block ${JSON.stringify(shown.slice(0, 60))}`);
    report(await pre.locator(".copy-button").textContent() === "Copied", "the copy button says it copied");
    await page.close();
  } catch (e) {
    report(false, "copy button", String(e).split("\n")[0]);
  }
  try {
    const { page } = await open(context, PAGES[0], DESKTOP);
    await page.focus("#search-input");
    await page.keyboard.type("corosync");
    await page.waitForFunction(() => document.querySelectorAll("#search-results .search-result").length > 0);
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    const marks = await page.evaluate(() => [].map.call(document.querySelectorAll(".content mark.search-hit"), (m) => m.textContent));
    report(marks.length > 0 && marks.every((m) => /^corosync/i.test(m)), "the search words are marked on the page a result opens", JSON.stringify(marks.slice(0, 5)));
    await page.reload();
    const again = await page.evaluate(() => document.querySelectorAll("mark.search-hit").length);
    report(again === 0, "the marks are gone when the page is opened again", `${again} marks`);
    await page.close();
  } catch (e) {
    report(false, "search words marked on arrival", String(e).split("\n")[0]);
  }
  try {
    const { page } = await open(context, { path: "slides/index.presenter.html#1", ready: "document.body.classList.contains('ready')" }, { width: 1280, height: 720 });
    const clock = await page.evaluate(() => {
      // The clock may have been drawn in the minute before this one.
      const hhmm = (d) => String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
      const now = Date.now();
      return [document.getElementById("pv-wallclock").textContent, hhmm(new Date(now)), hhmm(new Date(now - 2000))];
    });
    report(clock[0] === clock[1] || clock[0] === clock[2], "the presenter view shows the time of day", `${clock[0]} at ${clock[1]}`);
    const sticky = await page.evaluate(() => {
      const box = document.querySelector(".pv-budget");
      box.scrollTop = box.scrollHeight;
      const header = box.querySelector("thead th").getBoundingClientRect();
      return { scrolled: box.scrollTop, headerTop: Math.round(header.top), boxTop: Math.round(box.getBoundingClientRect().top) };
    });
    report(sticky.scrolled > 0 && sticky.headerTop >= sticky.boxTop && sticky.headerTop <= sticky.boxTop + 2, "the time table keeps its header in sight when it scrolls", JSON.stringify(sticky));
    await page.close();
  } catch (e) {
    report(false, "presenter clocks", String(e).split("\n")[0]);
  }
  // `::: fragments`: next reveals the items one by one, then turns; the presenter drives it.
  try {
    const deck = (await open(context, { path: "slides/hard-truths.html#2", ready: "document.body.classList.contains('ready')" }, { width: 1280, height: 720 })).page;
    const shown = () => deck.evaluate(() => [location.hash, [].filter.call(document.querySelectorAll(".frame.current .fragments li"), (li) => getComputedStyle(li).visibility === "visible").length, document.querySelectorAll(".frame.current .fragments li").length]);
    const steps = [await shown()];
    for (let i = 0; i < 6; i++) {
      await deck.keyboard.press("ArrowRight");
      steps.push(await shown());
    }
    const total = steps[0][2];
    const expected = [];
    for (let i = 0; i <= total; i++) expected.push(["#2", i, total]);
    expected.push(["#3", 0, 0]);
    report(total > 1 && JSON.stringify(steps.slice(0, total + 2)) === JSON.stringify(expected), "next reveals a slide's fragments one by one, then turns the slide", JSON.stringify(steps));
    await deck.keyboard.press("ArrowLeft");
    const back = await shown();
    report(back[0] === "#2" && back[1] === total, "going back shows the previous slide with every fragment", JSON.stringify(back));
    for (let i = 0; i < total; i++) await deck.keyboard.press("ArrowLeft");
    const presenter = (await open(context, { path: "slides/hard-truths.presenter.html#2", ready: "document.body.classList.contains('ready')" }, { width: 1280, height: 720 })).page;
    await presenter.waitForFunction((t) => document.getElementById("pv-counter").textContent.includes("0/" + t + " shown"), total, { timeout: 5000 });
    await presenter.keyboard.press("ArrowRight");
    await presenter.keyboard.press("ArrowRight");
    const followed = await deck.waitForFunction(() => [].filter.call(document.querySelectorAll(".frame.current .fragments li"), (li) => getComputedStyle(li).visibility === "visible").length === 2, null, { timeout: 5000 }).then(() => true, () => false);
    const pending = await presenter.evaluate(() => document.querySelectorAll("#pv-current .fragment-pending").length);
    report(followed && pending === total - 2, "the presenter view steps the audience's fragments and dims the ones to come", `deck followed: ${followed}, dimmed in presenter: ${pending}`);
    const handbook = (await open(context, { path: "hard-truths.html" }, DESKTOP)).page;
    const leaked = await handbook.evaluate(() => document.querySelectorAll(".fragments").length + (document.body.innerText.includes("Choosing tools for your CV") ? 1 : 0));
    report(leaked === 0, "fragments stay out of the handbook", `${leaked}`);
    await Promise.all([deck.close(), presenter.close(), handbook.close()]);
  } catch (e) {
    report(false, "fragments", String(e).split("\n")[0]);
  }
  await context.close();
}

await browser.close();
console.log(`# done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
