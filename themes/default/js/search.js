// Search box: finds sections of the book in searchindex.js (built by devoops), offline and
// from file://. The index is a <script> (not fetched JSON) because browsers refuse fetch() on
// file:// pages. Press "/" or "s" to search, arrow keys to pick, Enter to open, Esc to close.
(function () {
  "use strict";

  var FIELD_WEIGHT = [0, 1, 4, 8]; // body, section heading, page title
  var PREFIX_FACTOR = 0.6;         // a term the query word only starts
  var MAX_EXPANSION = 200;         // terms one prefix may stand for
  var MAX_RESULTS = 20;
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  // A term's postings (src/search/encode.rs): body hits as "!" + a bitmap (six sections per
  // digit, first in the high bit) or as gaps between sections; then "." and heading/title
  // hits as gap * 2 + (1 if title). Numbers: five bits per digit, low first, >= 32 continues.
  function numbers(text) {
    var out = [], n = 0, shift = 0;
    for (var i = 0; i < text.length; i++) {
      var d = DIGITS.indexOf(text.charAt(i));
      n += (d & 31) * Math.pow(2, shift);
      if (d >= 32) { shift += 5; continue; }
      out.push(n);
      n = 0; shift = 0;
    }
    return out;
  }

  // [section, field, section, field, ...] with field 1 body, 2 heading, 3 title.
  function decode(text) {
    var out = [], dot = text.indexOf("."), body = dot < 0 ? text : text.slice(0, dot);
    var previous = -1, i, list;
    if (body.charAt(0) === "!") {
      for (i = 1; i < body.length; i++) {
        var bits = DIGITS.indexOf(body.charAt(i));
        for (var b = 0; b < 6; b++) if (bits & (32 >> b)) out.push((i - 1) * 6 + b, 1);
      }
    } else {
      list = numbers(body);
      for (i = 0; i < list.length; i++) { previous += list[i] + 1; out.push(previous, 1); }
    }
    if (dot >= 0) {
      list = numbers(text.slice(dot + 1));
      previous = -1;
      for (i = 0; i < list.length; i++) {
        previous += Math.floor(list[i] / 2) + 1;
        out.push(previous, list[i] % 2 ? 3 : 2);
      }
    }
    return out;
  }

  // Same rule as the Rust side (markdown::slugify) for the ASCII headings whose anchor the
  // index leaves out.
  function slugify(text) {
    var out = "", t = text.trim().toLowerCase();
    for (var i = 0; i < t.length; i++) {
      var c = t.charAt(i);
      if (/[a-z0-9_-]/.test(c)) out += c;
      else if (/\s/.test(c)) out += "-";
    }
    return out;
  }

  function prepare(index) {
    if (index.termList) return index;
    index.termList = index.terms.split(" ");
    index.postingList = index.postings.split(" ");
    index.decoded = {};
    index.stopSet = {};
    for (var i = 0; i < index.stop.length; i++) index.stopSet[index.stop[i]] = true;
    return index;
  }

  function queryWords(index, query) {
    var words = query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 0; });
    var kept = words.filter(function (w, i) {
      // The word being typed may still grow into something useful; finished stop words go.
      return !index.stopSet[w] || i === words.length - 1 && query.slice(-1) !== " ";
    });
    return kept.length ? kept : words;
  }

  // First index of a term >= word (terms are sorted by code point, like Rust's String order).
  function lowerBound(terms, word) {
    var lo = 0, hi = terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (terms[mid] < word) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // doc -> score for one query word, over every term it equals or starts.
  function wordScores(index, word) {
    var scores = {}, total = index.docs.length;
    var at = lowerBound(index.termList, word);
    for (var k = 0; k < MAX_EXPANSION && at + k < index.termList.length; k++) {
      var term = index.termList[at + k];
      if (term.lastIndexOf(word, 0) !== 0) break;
      var hits = index.decoded[term] || (index.decoded[term] = decode(index.postingList[at + k]));
      var df = hits.length / 2;
      var weight = Math.log(1 + total / df) * (term === word ? 1 : PREFIX_FACTOR);
      for (var h = 0; h < hits.length; h += 2) {
        var s = FIELD_WEIGHT[hits[h + 1]] * weight;
        if (!(scores[hits[h]] >= s)) scores[hits[h]] = s;
      }
    }
    return scores;
  }

  // The best sections for `query`: every word must match (else any word may), ranked by field
  // and rarity; ties keep book order.
  function search(index, query) {
    prepare(index);
    var words = queryWords(index, query);
    if (!words.length) return [];
    var perWord = words.map(function (w) { return wordScores(index, w); });
    var combined = {};
    perWord.forEach(function (scores) {
      for (var doc in scores) {
        var c = combined[doc] || (combined[doc] = { matched: 0, score: 0 });
        c.matched += 1;
        c.score += scores[doc];
      }
    });
    var docs = Object.keys(combined);
    var all = docs.filter(function (d) { return combined[d].matched === words.length; });
    if (all.length) docs = all;
    docs.sort(function (a, b) {
      var x = combined[a], y = combined[b];
      return y.matched - x.matched || y.score - x.score || a - b;
    });
    return docs.slice(0, MAX_RESULTS).map(function (d) {
      var doc = index.docs[d], page = index.pages[doc[0]];
      var anchor = doc[1] === 0 ? slugify(doc[2]) : doc[1];
      return {
        path: page[0] + (anchor ? "#" + anchor : ""),
        title: page[1],
        heading: doc[2],
        teaser: doc[3],
        score: combined[d].score,
        words: words
      };
    });
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { search: search, decode: decode, slugify: slugify };
  }
  if (typeof document === "undefined") return;

  // ---- The page's search box ----
  var script = document.currentScript;
  var root = script ? script.src.replace(/js\/search\.js([?#].*)?$/, "") : "";
  var input = document.getElementById("search-input");
  var panel = document.getElementById("search-results");
  if (!input || !panel) return;
  var index = null, loading = false, selected = -1, results = [];

  function load(then) {
    if (window.devoopsSearchIndex) { index = window.devoopsSearchIndex; then(); return; }
    if (loading) return;
    loading = true;
    var tag = document.createElement("script");
    tag.src = root + "searchindex.js";
    tag.onload = function () { index = window.devoopsSearchIndex; then(); };
    tag.onerror = function () { show("The search index is missing: rebuild the book with search enabled."); };
    document.head.appendChild(tag);
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Marks each word of the teaser that starts with a query word.
  function mark(text, words) {
    var html = escapeHtml(text);
    words.forEach(function (w) {
      var re = new RegExp("(^|[^\\p{L}\\p{N}])(" + w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[\\p{L}\\p{N}]*)", "giu");
      html = html.replace(re, "$1<mark>$2</mark>");
    });
    return html;
  }

  function show(message) {
    panel.hidden = false;
    panel.innerHTML = '<p class="search-empty">' + escapeHtml(message) + "</p>";
  }

  function render() {
    var query = input.value.trim();
    if (!query) { panel.hidden = true; panel.innerHTML = ""; return; }
    if (!index) { load(render); return; }
    results = search(index, query);
    selected = results.length ? 0 : -1;
    if (!results.length) { show("No results for \u201c" + query + "\u201d"); return; }
    panel.hidden = false;
    panel.innerHTML = '<ol class="search-list">' + results.map(function (r, i) {
      var where = r.heading && r.heading !== r.title ? " \u203a " + escapeHtml(r.heading) : "";
      return '<li><a class="search-result" id="search-result-' + i + '" href="' + escapeHtml(root + r.path) + '">' +
        '<span class="search-result-title">' + escapeHtml(r.title) + where + "</span>" +
        (r.teaser ? '<span class="search-result-teaser">' + mark(r.teaser, r.words) + "</span>" : "") +
        "</a></li>";
    }).join("") + "</ol>";
    highlight();
  }

  function highlight() {
    var links = panel.querySelectorAll(".search-result");
    for (var i = 0; i < links.length; i++) {
      links[i].classList.toggle("selected", i === selected);
      if (i === selected && links[i].scrollIntoView) links[i].scrollIntoView({ block: "nearest" });
    }
  }

  // The words of the search travel to the page it opens (in this tab's sessionStorage, so
  // links stay clean), where they are marked.
  var HIT_KEY = "devoops-search-hit";
  function remember(link) {
    try { sessionStorage.setItem(HIT_KEY, JSON.stringify({ href: link.href.split("#")[0], words: queryWords(prepare(index), input.value.trim()) })); } catch (e) { /* storage off */ }
  }

  function markArrival() {
    var hit = null;
    try { hit = JSON.parse(sessionStorage.getItem(HIT_KEY)); sessionStorage.removeItem(HIT_KEY); } catch (e) { return; }
    if (!hit || hit.href !== location.href.split("#")[0] || !hit.words || !hit.words.length) return;
    var article = document.querySelector(".content");
    if (!article) return;
    var pattern = new RegExp("(^|[^\\p{L}\\p{N}])((?:" + hit.words.slice(0, 10).map(function (w) {
      return String(w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("|") + ")[\\p{L}\\p{N}]*)", "giu");
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentNode.closest("script, style, mark, .copy-button") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var texts = [];
    // Bounded: a page with thousands of hits marks the first 500.
    while (walker.nextNode() && texts.length < 5000) texts.push(walker.currentNode);
    var marked = 0;
    texts.forEach(function (node) {
      if (marked >= 500) return;
      var text = node.nodeValue, last = 0, match, parts = [];
      pattern.lastIndex = 0;
      while ((match = pattern.exec(text)) && marked < 500) {
        var start = match.index + match[1].length;
        parts.push(document.createTextNode(text.slice(last, start)));
        var mark = document.createElement("mark");
        mark.className = "search-hit";
        mark.textContent = match[2];
        parts.push(mark);
        last = start + match[2].length;
        marked++;
      }
      if (!parts.length) return;
      parts.push(document.createTextNode(text.slice(last)));
      var fragment = document.createDocumentFragment();
      parts.forEach(function (p) { fragment.appendChild(p); });
      node.parentNode.replaceChild(fragment, node);
    });
    // A result for a whole page has no anchor: bring the first hit into view instead.
    var first = article.querySelector("mark.search-hit");
    if (first && !location.hash && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }
  markArrival();

  function close() {
    panel.hidden = true;
    input.blur();
  }

  input.addEventListener("focus", function () { load(function () { if (input.value.trim()) render(); }); });
  input.addEventListener("input", render);
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!results.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      selected = (selected + step + results.length) % results.length;
      highlight();
    } else if (event.key === "Enter") {
      var link = panel.querySelector(".search-result.selected") || panel.querySelector(".search-result");
      if (link) { event.preventDefault(); remember(link); window.location.href = link.href; }
    } else if (event.key === "Escape") {
      close();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "/" || event.key === "s" || event.key === "S") {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  panel.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".search-result");
    if (link) { remember(link); panel.hidden = true; }
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && event.target !== input) panel.hidden = true;
  });
})();
