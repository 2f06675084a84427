// Handbook page behaviour: theme toggle, sidebar on small screens, arrow-key navigation,
// and the button that shows a code block's hidden lines (mdBook's `# ` lines).
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

  // `[output.html.fold]`: chapters nested deeper than the level start folded, except the
  // branch of the open page; a chapter with folded children gets a button to open them.
  var list = document.querySelector(".chapter-list[data-fold-level]");
  if (list) {
    var level = parseInt(list.getAttribute("data-fold-level"), 10) || 0;
    var items = Array.prototype.slice.call(list.querySelectorAll("li.chapter-item"));
    var depthOf = function (li) { var m = /depth-(\d+)/.exec(li.className); return m ? parseInt(m[1], 10) : 0; };
    var childrenOf = function (index) {
      var depth = depthOf(items[index]), found = [];
      for (var j = index + 1; j < items.length && depthOf(items[j]) > depth; j++) {
        if (depthOf(items[j]) === depth + 1) found.push(j);
      }
      return found;
    };
    var setOpen = function (index, open) {
      items[index].classList.toggle("folded", !open);
      var button = items[index].querySelector(".fold-toggle");
      if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
      childrenOf(index).forEach(function (j) {
        items[j].hidden = !open;
        if (!open) setOpen(j, false);
      });
    };
    var current = items.findIndex(function (li) { return li.querySelector("[aria-current=page]"); });
    var openBranch = {};
    for (var k = current, d = current >= 0 ? depthOf(items[current]) + 1 : 0; k >= 0; k--) {
      if (depthOf(items[k]) < d) { openBranch[k] = true; d = depthOf(items[k]); }
    }
    items.forEach(function (li, index) {
      if (!childrenOf(index).length) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "fold-toggle";
      button.setAttribute("aria-label", "Show or hide the sections of " + li.textContent.trim());
      button.textContent = "\u203a";
      button.addEventListener("click", function () { setOpen(index, li.classList.contains("folded")); });
      li.appendChild(button);
    });
    items.forEach(function (li, index) {
      if (childrenOf(index).length && depthOf(li) >= level && !openBranch[index]) setOpen(index, false);
      else if (childrenOf(index).length) setOpen(index, true);
    });
  }

  // Blocks with hidden lines come with `hide-boring` on their <code>; the button toggles it.
  Array.prototype.forEach.call(document.querySelectorAll("pre > code.hide-boring"), function (code) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button code-toggle";
    button.textContent = "Show hidden lines";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var hiding = code.classList.toggle("hide-boring");
      button.textContent = hiding ? "Show hidden lines" : "Hide lines";
      button.setAttribute("aria-pressed", hiding ? "false" : "true");
    });
    code.parentNode.insertBefore(button, code);
  });

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
