#!/usr/bin/env python3
"""Build real and real-world-like mdBook books with devoops and mdBook in one run; print, per
book, the two page sets, the broken links in each site and the devoops/mdBook ratios of wall
time and peak memory.

    python3 benches/real_books.py [--runs 3] [--book DIR ...] [--only-given]

The books:
  guide      mdBook's own user guide (tests/fixtures/mdbook-guide, vendored),
  examples   generated like Rust by Example: 240 short chapters in nested folders, Rust code
             with hidden lines, `{{#include}}`s of .rs files with anchors, `{{#playground}}`,
  reference  generated like the Cargo book or the Reference: 120 long chapters of tables,
             footnotes, links between chapters and to `../std/…`, and a redirect table,
plus every `--book DIR` given (a checkout of a real book, e.g. one `fetch` brought).

Each book is copied first and its external preprocessors and renderers are removed from the
copy's book.toml (a plain mdBook install cannot run them; devoops does not run them). Each tool
builds it once to warm up and then --runs times, alternating which goes first; the medians of
wall time and peak RSS (from wait4) are compared. The machines are shared and noisy: quote the
ratios, not the times. Without mdbook installed only devoops' figures are printed.

"Broken" counts, in each tool's site, the links in chapter content (`<main>` or `<article>`) to
a file of the site that is not there, or to an `#id` the target page does not have.
"""

import argparse
import html
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
sys.path.insert(0, str(REPO / "tests/support"))
from compare_mdbook import measure  # noqa: E402
from mdbook_expectation import buildable_by_plain_mdbook  # noqa: E402

LINK = re.compile(r'<a\s[^>]*?href="([^"]*)"')
ID = re.compile(r'\s(?:id|name)="([^"]*)"')


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def gen_examples(root, chapters=240):
    """A book shaped like Rust by Example."""
    write(root / "book.toml", '[book]\ntitle = "Examples"\n\n[output.html.playground]\neditable = true\n')
    summary = ["# Summary", "", "[Introduction](index.md)", ""]
    write(root / "src/index.md", "# Introduction\n\nExamples of the language, one idea per page.\n")
    for i in range(chapters):
        topic, sub = divmod(i, 8)
        folder = f"topic{topic:02}"
        name = "index" if sub == 0 else f"part{sub}"
        rel = f"{folder}/{name}.md"
        indent = "" if sub == 0 else "    "
        summary.append(f"{indent}- [Topic {topic} part {sub}]({rel})")
        code = (
            f"// ANCHOR: all\nfn helper_{i}(x: u32) -> u32 {{\n    // ANCHOR: body\n"
            f"    x * {i + 1}\n    // ANCHOR_END: body\n}}\n// ANCHOR_END: all\n"
        )
        write(root / "src" / folder / f"ex{sub}.rs", code)
        prev = f"[the previous part](part{sub - 1}.md)" if sub > 1 else "[the start](../index.md)"
        write(
            root / "src" / rel,
            f"# Topic {topic}, part {sub}\n\nSee {prev} first --- it sets up what follows.\n\n"
            "```rust,editable\n# #![allow(unused)]\n# fn main() {\n"
            f"let total: u32 = (0..{i + 10}).sum();\n"
            'println!("{total}");\n## [derive(Debug)] is written with one hash\n# }\n```\n\n'
            f"The helper, from a file:\n\n```rust\n{{{{#include ex{sub}.rs:all}}}}\n```\n\n"
            f"Just its body: `{{{{#include ex{sub}.rs:body}}}}`.\n\n"
            f"{{{{#playground ex{sub}.rs editable}}}}\n\n"
            "### Activity\n\n1. Change the range.\n2. Make `main` return a `Result`.\n",
        )
    write(root / "src/SUMMARY.md", "\n".join(summary) + "\n")


def gen_reference(root, chapters=120):
    """A book shaped like the Cargo book or the Reference."""
    redirects = "\n".join(f'"/old/ch{i}.html" = "../ch{i}.html"' for i in range(0, chapters, 10))
    write(root / "book.toml", f'[book]\ntitle = "Reference"\n\n[output.html.redirect]\n{redirects}\n')
    summary = ["# Summary", ""]
    for i in range(chapters):
        summary.append(f"- [Chapter {i}](ch{i}.md)")
        sections = []
        for s in range(12):
            rows = "\n".join(f"| `key-{s}-{r}` | {r} | the {r}th setting[^n{s}] |" for r in range(6))
            sections.append(
                f"## Section {s}: \"quoted\" -- options\n\n"
                f"Read [chapter {(i + 1) % chapters}](ch{(i + 1) % chapters}.md#section-{s}-quoted--options)"
                f" and [`Vec`](../std/vec/struct.Vec.html) before this.\n\n"
                f"| Key | Value | Meaning |\n|---|---|---|\n{rows}\n\n"
                f"[^n{s}]: Note {s} of chapter {i}.\n\n"
                "```toml\n[package]\nname = \"example\"\nversion = \"0.1.0\"\n```\n"
            )
        write(root / f"src/ch{i}.md", f"# Chapter {i}\n\n" + "\n".join(sections))
    write(root / "src/SUMMARY.md", "\n".join(summary) + "\n")


def html_pages(site):
    return {
        str(p.relative_to(site)).replace(os.sep, "/")
        for p in site.rglob("*.html")
    }


def content_of(page_html):
    for start, end in (("<main>", "</main>"), ("<article", "</article>")):
        a = page_html.find(start)
        if a >= 0:
            b = page_html.find(end, a)
            return page_html[a : b if b >= 0 else len(page_html)]
    return ""


def broken_links(site):
    pages = html_pages(site)
    ids = {}

    def ids_of(page):
        if page not in ids:
            text = (site / page).read_text(errors="replace")
            ids[page] = set(ID.findall(text))
        return ids[page]

    broken = 0
    for page in pages:
        if page in ("print.html", "toc.html", "404.html"):
            continue
        text = content_of((site / page).read_text(errors="replace"))
        for href in LINK.findall(text):
            href = html.unescape(href)
            if not href or "://" in href or href.startswith(("mailto:", "/", "javascript:")):
                continue
            path, _, fragment = href.partition("#")
            path = path.split("?")[0]
            target = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if target.startswith(".."):
                continue  # another book next to this one, as `../std/` is
            full = site / target
            if full.is_dir():
                target = os.path.join(target, "index.html")
                full = site / target
            if not full.exists():
                broken += 1
            elif fragment and target.endswith(".html") and fragment not in ids_of(target):
                broken += 1
    return broken


def prepared_copy(book, work):
    copy = work / "src-book"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(book, copy, ignore=shutil.ignore_patterns("book", ".git", "target"))
    toml = copy / "book.toml"
    if toml.exists():
        toml.write_text(buildable_by_plain_mdbook(toml.read_text()))
    return copy


def run_tool(cmd):
    try:
        return measure(cmd)
    except SystemExit as failure:
        print(f"    failed: {str(failure)[:300]}")
        return None


def bench_book(name, book, devoops, mdbook, runs, work):
    copy = prepared_copy(book, work)
    tools = {"devoops": [devoops, "build", "-q", copy, "-d"], "mdbook": [mdbook, "build", copy, "-d"]}
    if not mdbook:
        del tools["mdbook"]
    samples = {tool: [] for tool in tools}
    sites = {tool: work / f"site-{tool}" for tool in tools}
    for round_no in range(runs + 1):
        order = list(tools) if round_no % 2 == 0 else list(reversed(tools))
        for tool in order:
            shutil.rmtree(sites[tool], ignore_errors=True)
            got = run_tool(tools[tool] + [sites[tool]])
            if got is None:
                samples[tool] = None
            elif samples[tool] is not None and round_no > 0:
                samples[tool].append(got)
    row = {"book": name}
    for tool in tools:
        if samples[tool]:
            row[tool] = {
                "wall": statistics.median(s["wall"] for s in samples[tool]),
                "rss": statistics.median(s["rss"] for s in samples[tool]),
                "pages": html_pages(sites[tool]),
                "broken": broken_links(sites[tool]),
            }
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--book", type=Path, action="append", default=[], help="another book's folder")
    ap.add_argument("--only-given", action="store_true", help="skip the guide and the generated books")
    ap.add_argument("--mdbook", type=Path)
    ap.add_argument("--devoops", type=Path, help="a devoops binary (default: cargo build --release)")
    args = ap.parse_args()

    mdbook = args.mdbook or shutil.which("mdbook") or (Path.home() / ".cargo/bin/mdbook")
    mdbook = Path(mdbook) if Path(mdbook).is_file() else None
    devoops = args.devoops
    if not devoops:
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=REPO, check=True)
        devoops = REPO / "target/release/devoops"
    if not mdbook:
        print("mdbook is not installed (cargo install mdbook --locked): devoops' figures only")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        books = []
        if not args.only_given:
            books.append(("mdBook guide", REPO / "tests/fixtures/mdbook-guide"))
            gen_examples(tmp / "examples")
            books.append(("generated, by-example", tmp / "examples"))
            gen_reference(tmp / "reference")
            books.append(("generated, reference", tmp / "reference"))
        books += [(b.name, b) for b in args.book]
        print(f"| book | pages devoops / mdBook | only mdBook | only devoops | broken devoops / mdBook | wall ratio | peak RSS ratio |")
        print("|---|---|---|---|---|---|---|")
        for name, book in books:
            row = bench_book(name, book, devoops, mdbook, args.runs, tmp / "work")
            d, m = row.get("devoops"), row.get("mdbook")
            if not d:
                print(f"| {name} | devoops failed | | | | | |")
                continue
            if not m:
                print(f"| {name} | {len(d['pages'])} / – | | | {d['broken']} / – | – | – |")
                continue
            only_m = sorted(m["pages"] - d["pages"])
            only_d = sorted(d["pages"] - m["pages"])
            show = lambda pages: f"{len(pages)}" + (f" ({', '.join(pages[:3])}{'…' if len(pages) > 3 else ''})" if pages else "")
            print(
                f"| {name} | {len(d['pages'])} / {len(m['pages'])} | {show(only_m)} | {show(only_d)} "
                f"| {d['broken']} / {m['broken']} | {d['wall'] / m['wall']:.2f} | {d['rss'] / m['rss']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
