#!/usr/bin/env python3
"""Leave-one-category-out check of the "surprise" detector on the shared NAB corpus.

NAB forbids tuning per file; this asks the stricter question of how much the default
settings owe to the corpus they were chosen on. For every combination in a small grid
of the detector's settings, `prescale detect --nab` scores the corpus once. Then, for
each category in turn, the combination and the threshold are chosen on the other
categories only (best training score of the profile), and the held-out category is
scored with both fixed. The held-out raw scores are summed over the categories and
normalised as NAB does (null detector 0, perfect 100), per profile. The defaults'
in-sample score is printed beside it.

  /usr/bin/python3 bench/nab_loco.py [--binary build/prescale] [--shared ../shared]

Uses ../shared/bench/nab_score.py for the scoring, so the numbers are that scorer's.
"""
import argparse
import itertools
import os
import subprocess
import sys
import tempfile

GRID = {  # the defaults are in the middle of each axis
    "tail_threshold": [2.5, 3.0, 3.5],
    "tail_memory": [30, 50, 100],
    "second_weight": [0.3, 0.5, 0.7],
}
DEFAULTS = {"tail_threshold": 3.0, "tail_memory": 50, "second_weight": 0.5}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "prescale"))
    ap.add_argument("--shared", default=os.environ.get(
        "PRESCALE_SHARED_DIR", os.path.join(here, "..", "..", "shared")))
    args = ap.parse_args()
    nab = os.path.join(args.shared, "nab")
    sys.path.insert(0, os.path.join(args.shared, "bench"))
    import json
    import numpy as np
    import nab_score as ns

    with open(os.path.join(nab, "labels", "combined_windows.json")) as f:
        labels = {os.path.normpath(k): v for k, v in json.load(f).items()}
    with open(os.path.join(nab, "config", "profiles.json")) as f:
        profiles = {k: v["CostMatrix"] for k, v in json.load(f).items()}
    rels = sorted(labels)
    categories = sorted({os.path.dirname(r) for r in rels})

    combos = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    scored = []  # per combo: list of ScoredFile (window ids consistent across combos)
    with tempfile.TemporaryDirectory() as tmp:
        for i, combo in enumerate(combos):
            config = os.path.join(tmp, "c%d.yaml" % i)
            with open(config, "w") as f:
                f.write("detector:\n  type: surprise\n")
                for k, v in combo.items():
                    f.write("  %s: %s\n" % (k, v))
            out = os.path.join(tmp, "r%d" % i)
            subprocess.run([args.binary, "detect", "--nab", os.path.join(nab, "data"),
                            "--out", out, "--config", config], check=True,
                           stdout=subprocess.DEVNULL)
            files, next_id = [], 0
            for rel in rels:
                files.append(ns.ScoredFile(rel, os.path.join(nab, "data"), out, "prescale",
                                           labels[rel], next_id))
                next_id += files[-1].n_windows
            scored.append(files)

    def subset(files, keep):
        return [f for f in files if keep(os.path.dirname(f.rel))]

    print("grid: " + ", ".join("%s %s" % (k, v) for k, v in GRID.items()))
    default = combos.index(DEFAULTS)
    for name, w in profiles.items():
        held_raw = 0.0
        held_default = 0.0  # the defaults, with only the threshold from the other categories
        lines = []
        for cat in categories:
            train = subset(scored[default], lambda c: c != cat)
            threshold = ns.evaluate(train, {name: w})[name]["threshold"]
            held_default += sum(f.score(threshold, w)[0]
                                for f in subset(scored[default], lambda c: c == cat))
            best = None
            for i in range(len(combos)):
                train = subset(scored[i], lambda c: c != cat)
                r = ns.evaluate(train, {name: w})[name]
                if best is None or r["normalized"] > best[0]:
                    best = (r["normalized"], i, r["threshold"])
            _, i, threshold = best
            test = subset(scored[i], lambda c: c == cat)
            raw = sum(f.score(threshold, w)[0] for f in test)
            held_raw += raw
            lines.append("  held out %-22s raw %7.2f of %2d windows  (trained %.1f on the rest: %s)"
                         % (cat, raw, sum(f.n_windows for f in test), best[0],
                            " ".join("%s=%s" % kv for kv in combos[i].items())))
        n_windows = sum(f.n_windows for f in scored[0])
        null = -w["fnWeight"] * n_windows
        perfect = w["tpWeight"] * n_windows
        in_sample = ns.evaluate(scored[default], {name: w})[name]["normalized"]
        norm = lambda raw: 100 * (raw - null) / (perfect - null)
        print("%s: leave-one-category-out %.2f (defaults with the others' threshold %.2f), "
              "defaults in-sample %.2f" % (name, norm(held_raw), norm(held_default), in_sample))
        if name == "standard":
            print("\n".join(lines))


if __name__ == "__main__":
    main()
