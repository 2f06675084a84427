#!/usr/bin/env python3
"""Writes what real mdBook builds from a book: its HTML pages and the links in each chapter.

    python3 tests/support/mdbook_expectation.py tests/fixtures/mdbook-guide

Builds a copy of the book with `mdbook build` (preprocessors and renderers that are external
programs are removed first, as devoops does not run them either) and writes `expected-by-mdbook.txt` into
the book's folder:

    page <path>            one per .html file of the site
    link <page> <href>     one per href inside a page's <main> (the chapter's content)

tests/mdbook_compat.rs reads the same facts from devoops' build and compares them.
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Only real links: mdBook leaves quotes unescaped in code, where `href="…"` is text.
HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')


def content_links(page_html):
    start = page_html.find("<main>")
    end = page_html.find("</main>", start)
    if start < 0 or end < 0:
        return []
    return [html.unescape(h) for h in HREF.findall(page_html[start:end])]


def buildable_by_plain_mdbook(toml_text):
    """book.toml without the preprocessors and other renderers a plain mdBook install cannot
    run (they are external programs; devoops does not run them either)."""
    out, skipping = [], False
    for line in toml_text.splitlines():
        if line.startswith("["):
            table = line.strip("[] ")
            skipping = table.startswith("preprocessor.") or (
                table.startswith("output.") and not table.startswith("output.html")
            )
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def main():
    book = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "book")
        shutil.copytree(book, copy)
        toml = os.path.join(copy, "book.toml")
        with open(toml) as f:
            text = f.read()
        with open(toml, "w") as f:
            f.write(buildable_by_plain_mdbook(text))
        site = os.path.join(tmp, "site")
        subprocess.run(["mdbook", "build", copy, "-d", site], check=True)
        lines = []
        for root, _, files in os.walk(site):
            for name in files:
                if not name.endswith(".html"):
                    continue
                path = os.path.relpath(os.path.join(root, name), site).replace(os.sep, "/")
                lines.append(f"page {path}")
                if path in ("print.html", "toc.html", "404.html"):
                    continue
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    for href in sorted(set(content_links(f.read()))):
                        lines.append(f"link {path} {href}")
    with open(os.path.join(book, "expected-by-mdbook.txt"), "w") as f:
        f.write("\n".join(sorted(lines)) + "\n")


if __name__ == "__main__":
    main()
