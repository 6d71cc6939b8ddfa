#!/usr/bin/python3
"""Accuracy of `outpost lint` on the labelled development corpus.

Runs ../shared/corpus/score.py (relative to OUTPOST_SOURCE) with
`OUTPOST_BUILD/outpost lint --format json` and fails when a scored rule is
below precision 0.97 or recall 0.95, or when a file labelled clean gets
any finding at all.  Skips (77) when the corpus or the binary is absent.
"""
import json
import os
import subprocess
import sys
import tempfile

PRECISION_MIN = 0.97
RECALL_MIN = 0.95


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def rate(num, den):
    return 1.0 if den == 0 else num / den


def main():
    src = os.environ.get("OUTPOST_SOURCE", "")
    build = os.environ.get("OUTPOST_BUILD", "")
    corpus_root = os.path.normpath(os.path.join(src, "..", "shared", "corpus"))
    score = os.path.join(corpus_root, "score.py")
    dev = os.path.join(corpus_root, "dev")
    outpost = os.path.join(build, "outpost")
    if not os.path.isfile(score) or not os.path.isfile(os.path.join(dev, "labels.tsv")):
        skip("labelled corpus not found at %s" % corpus_root)
    if not os.access(outpost, os.X_OK):
        skip("%s not built" % outpost)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "score.json")
        cmd = [sys.executable, score, "--cmd", outpost + " lint --format json",
               dev, "--jobs", "2", "--json", out]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=500)
        print(proc.stdout.decode("utf-8", "replace"))
        if not os.path.isfile(out):
            print("FAIL: score.py wrote no JSON (exit %d)" % proc.returncode)
            return 1
        with open(out, encoding="utf-8") as f:
            result = json.load(f)
    failures = []
    for rule, c in sorted(result["rules"].items()):
        p = rate(c["tp"], c["tp"] + c["fp"])
        r = rate(c["tp"], c["tp"] + c["fn"])
        if p < PRECISION_MIN or r < RECALL_MIN:
            failures.append("%s: precision %.3f recall %.3f" % (rule, p, r))
    for f in result["files"]:
        if not f["gold"] and f.get("all_findings"):
            failures.append("%s is labelled clean but got: %s"
                            % (f["file"], ", ".join(f["all_findings"])))
    for line in failures:
        print("FAIL: " + line)
    if not failures:
        print("PASS: every scored rule meets precision %.2f / recall %.2f"
              % (PRECISION_MIN, RECALL_MIN))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
