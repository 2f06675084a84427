#!/usr/bin/env python3
"""Build the same synthetic book with devoops and mdBook in one run and print the ratios.

    python3 benches/compare_mdbook.py [--pages 1000] [--runs 5] [--check]

Steps: generate the book with benches/gen_book.py, build devoops in release mode, then
build the book's mdBook folder with each tool in turn (a warm-up each, then --runs timed
rounds, alternating which tool goes first). Each build runs as a child process and its wall
time, CPU time (user + system) and peak resident memory come from wait4()'s rusage. The
medians are compared as devoops/mdBook ratios, converted to devoops/Zola through the
Zola/mdBook ratios measured on the same book (shared/bench/README.md), since Zola cannot be
installed here. The search indexes are compared raw and gzipped.

The machines are shared and noisy: quote the ratios, not the absolute times.
With --check the exit status is 1 when a goal of issue 8 is missed.
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Zola/mdBook on the same 1,000-page book, from shared/bench/README.md (median of 5).
ZOLA_OVER_MDBOOK = {"wall": 0.534, "cpu": 0.730, "rss": 0.326}
# Zola's search index on that book, raw and gzipped, over mdBook's (34.3/51.7 MB, 3.70/7.06 MB).
ZOLA_INDEX_OVER_MDBOOK = {"raw": 34.3 / 51.7, "gzip": 3.70 / 7.06}

# Goals from issue 8: devoops/mdBook at most these.
GOALS = {"wall": 0.2, "rss": 0.1, "index_gzip": 0.2}
STRETCH = {"index_gzip": 0.1}


def find_gen_book(explicit):
    candidates = [explicit] if explicit else []
    candidates += [REPO / "benches/gen_book.py"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    sys.exit("gen_book.py not found: pass --gen-book PATH (it lives in benches/)")


def find_mdbook(explicit):
    for c in [explicit, shutil.which("mdbook"), Path.home() / ".cargo/bin/mdbook"]:
        if c and Path(c).is_file():
            return Path(c)
    sys.exit("mdbook not found: install it with `cargo install mdbook --locked` or pass --mdbook PATH")


def measure(cmd):
    """Runs cmd; returns wall seconds, CPU seconds and peak RSS in MiB (from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{stderr.decode(errors='replace')}")
    # Linux reports ru_maxrss in KiB.
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def index_sizes(paths):
    raw = b"".join(p.read_bytes() for p in paths)
    return {"raw": len(raw), "gzip": len(gzip.compress(raw, compresslevel=9))}


def mdbook_index(site):
    found = sorted(site.glob("searchindex*.js")) or sorted(site.glob("searchindex*.json"))
    if not found:
        sys.exit(f"no mdBook search index in {site}")
    return found[:1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per tool (median; at least 3)")
    ap.add_argument("--gen-book", type=Path)
    ap.add_argument("--mdbook", type=Path)
    ap.add_argument("--devoops", type=Path, help="a devoops binary (default: cargo build --release)")
    ap.add_argument("--work", type=Path, help="scratch folder for the book and sites (default: a temp folder)")
    ap.add_argument("--json", type=Path, help="also write the medians and ratios here")
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args()
    if args.runs < 3:
        sys.exit("--runs must be at least 3 (the median of fewer is not worth quoting)")

    gen_book = find_gen_book(args.gen_book)
    mdbook = find_mdbook(args.mdbook)
    devoops = args.devoops
    if devoops is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "devoops"], cwd=REPO, check=True)
        devoops = REPO / "target/release/devoops"

    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="devoops-bench-", dir=args.work))
    try:
        subprocess.run([sys.executable, str(gen_book), "--pages", str(args.pages), "--out", str(work / "book")],
                       check=True, stdout=subprocess.DEVNULL)
        book = work / "book/mdbook"
        out = {"devoops": work / "site-devoops", "mdbook": work / "site-mdbook"}
        commands = {
            "devoops": [str(devoops), "build", "--quiet", str(book), "--dest-dir", str(out["devoops"])],
            "mdbook": [str(mdbook), "build", str(book), "--dest-dir", str(out["mdbook"])],
        }

        trash = work / "trash"
        trash.mkdir()

        def run(tool):
            # Move the previous output aside instead of deleting it: on ext4 without a journal,
            # new inodes skip recently freed ones one by one, so deleting thousands of files
            # just before a build makes the next build's file creation quadratic. That would
            # time the harness's `rm -rf`, not the tools. The trash goes when the run is over.
            if out[tool].exists():
                out[tool].rename(trash / f"{tool}-{len(list(trash.iterdir()))}")
            return measure(commands[tool])

        print(f"{args.pages}-page book; devoops {devoops}; mdBook {mdbook}; {args.runs} rounds + warm-up",
              file=sys.stderr)
        for tool in commands:
            run(tool)  # warm-up: page cache, first-run costs
        samples = {tool: [] for tool in commands}
        for i in range(args.runs):
            order = list(commands) if i % 2 == 0 else list(reversed(commands))
            for tool in order:
                samples[tool].append(run(tool))
                s = samples[tool][-1]
                print(f"  round {i + 1} {tool:8} wall {s['wall']:6.2f} s  cpu {s['cpu']:6.2f} s  rss {s['rss']:7.1f} MiB",
                      file=sys.stderr)

        median = {tool: {k: statistics.median(s[k] for s in samples[tool]) for k in ("wall", "cpu", "rss")}
                  for tool in commands}
        ratio = {k: median["devoops"][k] / median["mdbook"][k] for k in ("wall", "cpu", "rss")}
        # Each round runs the two tools back to back, under about the same load from other
        # users of the machine: the median of per-round ratios is steadier than a ratio of
        # medians when that load swings.
        paired = {k: statistics.median(d[k] / m[k] for d, m in zip(samples["devoops"], samples["mdbook"]))
                  for k in ("wall", "cpu", "rss")}
        vs_zola = {k: ratio[k] / ZOLA_OVER_MDBOOK[k] for k in ratio}
        idx = {"devoops": index_sizes([out["devoops"] / "searchindex.js"]),
               "mdbook": index_sizes(mdbook_index(out["mdbook"]))}
        idx_ratio = {k: idx["devoops"][k] / idx["mdbook"][k] for k in ("raw", "gzip")}
        idx_vs_zola = {k: idx_ratio[k] / ZOLA_INDEX_OVER_MDBOOK[k] for k in idx_ratio}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"Median of {args.runs} on {args.pages} pages     devoops     mdBook   devoops/mdBook  devoops/Zola*")
    labels = {"wall": ("wall time", "s"), "cpu": ("CPU (user+sys)", "s"), "rss": ("peak RSS", "MiB")}
    for k, (label, unit) in labels.items():
        print(f"  {label:24} {median['devoops'][k]:9.2f} {median['mdbook'][k]:9.2f} {unit:3}  {ratio[k]:10.3f}  {vs_zola[k]:12.3f}")
    for k in ("raw", "gzip"):
        print(f"  search index ({k:4})      {idx['devoops'][k] / 1e6:9.3f} {idx['mdbook'][k] / 1e6:9.3f} MB   "
              f"{idx_ratio[k]:10.3f}  {idx_vs_zola[k]:12.3f}")
    print("  * through Zola/mdBook ratios measured on the same book (shared/bench/README.md)")
    print()
    print("Median of per-round ratios (both tools back to back in each round):")
    for k, (label, _) in labels.items():
        print(f"  {label:24} devoops/mdBook {paired[k]:.3f}   devoops/Zola* {paired[k] / ZOLA_OVER_MDBOOK[k]:.3f}")
    print(f"  load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

    results = [
        ("full build wall ≤ 0.2× mdBook (per-round median)", paired["wall"], GOALS["wall"]),
        ("peak memory ≤ 0.1× mdBook", ratio["rss"], GOALS["rss"]),
        ("search index gzip ≤ 1/5 of mdBook's", idx_ratio["gzip"], GOALS["index_gzip"]),
        ("stretch: search index gzip ≤ 1/10", idx_ratio["gzip"], STRETCH["index_gzip"]),
    ]
    print()
    for name, got, goal in results:
        print(f"  {'met   ' if got <= goal else 'MISSED'} {name}: {got:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, "runs": args.runs, "median": median, "ratio": ratio, "paired_ratio": paired,
                                         "ratio_vs_zola": vs_zola, "index": idx, "index_ratio": idx_ratio,
                                         "index_ratio_vs_zola": idx_vs_zola}, indent=2))
    if args.check and any(got > goal for _, got, goal in results[:3]):
        sys.exit(1)


if __name__ == "__main__":
    main()
