#!/usr/bin/env python3
"""What issue 4's cost target asks for: the cost of sizings that see the future.

For each trace, a "clairvoyant" sizing knows the centred mean of the load over
+-k steps (k = 1, 2, 3: it sees k steps ahead, the provisioning horizon on the
5-minute traces is 2) and adds headroom to cover what the mean misses, in one of
three forms: multiplicative, additive (a share of the mean load), or a multiple of
a causal running spread of the load around that mean (half-life 12, 48 or 288
steps). The headroom is the least, by bisection, that keeps tau_U <= 1 %. The sizing
is then launched ahead of time exactly as elastic.py's oracle is (the largest need
over the next 1 + boot_steps intervals), replayed through elastic.py's capacity
model and scored by its metrics, so the cost is comparable with the reference
policies' cost/oracle.

A last column sizes on the past only, but with hindsight for its headroom: a simple
causal predictor (the last value, the mean of the last 2 or 4, an exponentially
weighted mean with weight 0.4 or 0.1 on the newest value, the largest of the last
3), times a constant h or plus (h - 1) x the trace's mean load, with the least h, by
bisection, that keeps tau_U <= 1 % over the whole trace, and the reactive floor
(never below the load now). Each interval is sized at once, as a policy does (no
launch ahead); the best predictor and form per trace are kept. No online policy
knows that constant before the trace ends, while one whose headroom moves with the
time of day or with shifts in the load can beat it.

These sizings use the future, which no policy has; a causal policy of another form
(headroom that varies with the time of day, say) can still beat them, so this is a
yardstick of how much better forecasts could be worth, not a bound. The geometric
mean of cost over the cheapest tuned reference is printed for the best clairvoyant
sizing at each k, over the traces where a reference meets the SLO.

  /usr/bin/python3 bench/clairvoyant_floor.py --json ELASTIC.json ../shared/traces/*.csv

ELASTIC.json is the `--json` output of ../shared/bench/elastic.py on the same traces
(for the references' costs; without it they are computed, which takes minutes).
"""
import argparse
import json
import math
import os
import sys

import numpy as np


def causal_predictors(load):
    """Simple forecasts from the past only: name -> the level known after interval t."""
    n = len(load)
    out = {"last": load.copy()}
    for k in (2, 4):
        c = np.cumsum(np.concatenate(([0.0], load)))
        lo = np.maximum(0, np.arange(n) - k + 1)
        out["mean%d" % k] = (c[np.arange(n) + 1] - c[lo]) / (np.arange(n) + 1 - lo)
    for w in (0.4, 0.1):
        e = np.empty(n)
        s = load[0]
        for t, x in enumerate(load):
            s = w * x + (1 - w) * s
            e[t] = s
        out["ew%.1f" % w] = e
    out["max3"] = np.array([load[max(0, t - 2):t + 1].max() for t in range(n)])
    return out


def least_within(ok, lo, hi, steps):
    """The least headroom h with ok(h), by doubling hi until ok, then `steps` bisections
    (ok must hold for every h above the least)."""
    while not ok(hi) and hi < 1e4:
        lo, hi = hi, hi * 2
    for _ in range(steps):
        mid = (lo + hi) / 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def causal_floor(E, load, p, d0, ora_cost, tau):
    """The cheapest (cost/oracle, "predictor form") of a causal predictor with the one
    constant headroom, chosen in hindsight, that keeps tau_U <= tau."""
    mean = load.mean()

    def run(level, form, h):
        size = level * h if form == "mul" else level + (h - 1) * mean
        des = np.ceil(np.maximum(size, load) / p.cap - 1e-9)
        des = np.clip(des, p.min_n, p.max_n).astype(int)
        r, b, _ = E.replay(load, des, p, d0)
        m = E.score(load, r, b, p)
        return m["inst_hours"] / ora_cost, m["tau_U"]

    best = None
    for name, level in causal_predictors(load).items():
        for form in ("mul", "add"):
            hi = least_within(lambda h: run(level, form, h)[1] <= tau, 0.5, 2.0, 18)
            cost = run(level, form, hi)[0]
            if best is None or cost < best[0]:
                best = (cost, "%s %s" % (name, form))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--json", help="elastic.py --json output with the references' costs")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    ap.add_argument("--tau", type=float, default=1.0)
    a = ap.parse_args()
    bench = os.path.join(a.shared, "bench")
    if not os.path.exists(os.path.join(bench, "elastic.py")):
        print("clairvoyant_floor.py: no elastic.py under %s; skipping" % bench, file=sys.stderr)
        return 77
    sys.path.insert(0, bench)
    import elastic as E

    refs = json.load(open(a.json)) if a.json else {}
    ks = (1, 2, 3)
    ratios = {k: [] for k in ks}
    causal_ratios = []
    print("%-34s %9s %9s  %s  %s" % ("trace", "reference", "prescale",
                                     "  ".join("see +-%d: cost (form)" % k for k in ks),
                                     "past, hindsight headroom"))
    for path in a.traces:
        name = os.path.basename(path)
        ts, load = E.load_trace(path)
        p = E.params_for(ts, load)
        d0 = int(E.demand(load[:1], p)[0])
        if name in refs:
            pol = refs[name]["policies"]
        else:
            pol = E.frontier(load, p, a.tau)
        ok = [m["cost_vs_oracle"] for n, m in pol.items() if n != "prescale" and m["ok"]]
        ref = min(ok) if ok else None
        mine = pol.get("prescale", {}).get("cost_vs_oracle")
        ora = E.run_policy(E.pol_oracle(load), load, p, d0)
        r, b, _ = E.replay(load, ora, p, d0)
        ora_cost = E.score(load, r, b, p)["inst_hours"]
        n = len(load)
        ahead = 1 + p.boot_steps

        def cost_of(need):
            need = np.clip(need, p.min_n, p.max_n).astype(int)
            # Launch ahead as the oracle does: the most needed over the next intervals.
            des = np.array([need[t + 1:min(n, t + 1 + ahead)].max() if t + 1 < n else need[t]
                            for t in range(n)])
            r, b, _ = E.replay(load, des, p, d0)
            m = E.score(load, r, b, p)
            return m["inst_hours"] / ora_cost, m["tau_U"]

        cells = []
        for k in ks:
            c = np.convolve(load, np.ones(2 * k + 1), "same")
            w = np.convolve(np.ones(n), np.ones(2 * k + 1), "same")
            lev = c / w
            forms = {"mul": lambda h: lev * (1 + h), "add": lambda h: lev + h * load.mean()}
            for hl in (12, 48, 288):
                alpha = 1 - 0.5 ** (1 / hl)
                sig = np.zeros(n)
                var = None
                for t in range(n):
                    sig[t] = math.sqrt(var) if var else 0.0
                    e = load[t] - lev[t]
                    var = e * e if var is None else (1 - alpha) * var + alpha * e * e
                forms["vol%d" % hl] = (lambda s: (lambda z: lev + z * s))(sig)
            best = None
            for form, size in forms.items():
                need = lambda h: np.ceil(size(h) / p.cap - 1e-9)
                hi = least_within(lambda h: cost_of(need(h))[1] <= a.tau, 0.0, 1.0, 20)
                cost, tau = cost_of(need(hi))
                if best is None or cost < best[0]:
                    best = (cost, form)
            cells.append("%.3f (%s)" % best)
            if ref and name != "aws_elb_request_count_5min.csv":
                ratios[k].append(best[0] / ref)
        causal = causal_floor(E, load, p, d0, ora_cost, a.tau)
        if ref and name != "aws_elb_request_count_5min.csv":
            causal_ratios.append(causal[0] / ref)
        print("%-34s %9s %9s  %s  %s" % (name[:34], "%.3f" % ref if ref else "-",
                                         "%.3f" % mine if mine else "-",
                                         "  ".join("%-22s" % c for c in cells), "%.3f (%s)" % causal))
    for k in ks:
        if ratios[k]:
            g = math.exp(sum(map(math.log, ratios[k])) / len(ratios[k]))
            print("seeing +-%d steps: geomean cost / cheapest reference %.3f over %d traces" % (k, g, len(ratios[k])))
    if causal_ratios:
        g = math.exp(sum(map(math.log, causal_ratios)) / len(causal_ratios))
        print("past only, hindsight headroom: geomean cost / cheapest reference %.3f over %d traces" % (
            g, len(causal_ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
