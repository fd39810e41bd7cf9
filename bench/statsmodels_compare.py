#!/usr/bin/python3
"""prescale's forecasters beside statsmodels' Holt-Winters, on the same traces and origins.

For each trace, `prescale backtest --forecasts` writes every forecaster's forecast of
y[t + h] made at row t (h: the provisioning horizon, boot 180 s + one step). At a
sample of origins after the warm-up, statsmodels' ExponentialSmoothing (additive
damped trend, additive daily season when two days of history exist, smoothing
parameters fitted by maximum likelihood on a trailing window) is fitted on the data
up to t and forecasts h steps ahead: what it takes statsmodels to update a forecast
when a new point arrives, since its Holt-Winters has no online update. Both are
scored by MASE at the same origins (scale: seasonal-naive at the same horizon), and
timed per update.

  statsmodels_compare.py PRESCALE TRACE.csv... [--origins N] [--window-days D]

Needs Debian's python3-statsmodels and python3-numpy (run with /usr/bin/python3).
"""
import argparse, csv, math, os, subprocess, sys, tempfile, time, warnings

import numpy as np

try:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
except ImportError:
    sys.exit("statsmodels_compare: needs python3-statsmodels (apt-get install python3-statsmodels)")


def backtest(binary, trace):
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "f.csv")
        r = subprocess.run([binary, "backtest", "--trace", trace, "--forecasts", path],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit("prescale backtest failed: " + r.stderr)
        timing = {}
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) == 5 and not line.startswith(" "):
                try:
                    timing[parts[0]] = float(parts[4])
                except ValueError:
                    pass
        with open(path) as f:
            rows = list(csv.reader(f))
    head = rows[0]
    cols = {name: np.array([float(r[i]) if r[i] else np.nan for r in rows[1:]])
            for i, name in enumerate(head)}
    return cols, timing


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--origins", type=int, default=100, help="origins scored per trace")
    ap.add_argument("--window-days", type=float, default=4, help="statsmodels' trailing window")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    print("%-34s %8s %9s %9s %9s %13s %13s" % ("trace", "origins", "HW MASE", "auto MASE",
                                             "sm MASE", "prescale us", "statsmodels us"))
    for trace in a.traces:
        cols, timing = backtest(a.binary, trace)
        ts, actual = cols["timestamp"], cols["actual"]
        with open(trace) as f:
            y = np.array([float(r[1]) for r in list(csv.reader(f))[1:]])
        step = float(np.median(np.diff(ts)))
        h = len(y) - len(actual)
        m = int(round(86400 / step))
        usable = np.nonzero(np.isfinite(cols["holt-winters"]))[0]
        origins = usable[np.linspace(0, len(usable) - 1, min(a.origins, len(usable))).astype(int)]
        window = int(a.window_days * 86400 / step)
        err_hw, err_auto, err_sm, err_sn, fit_s = [], [], [], [], []
        for t in origins:
            hist = y[max(0, t + 1 - window):t + 1]
            seasonal = m >= 2 and len(hist) >= 2 * m
            t0 = time.perf_counter()
            model = ExponentialSmoothing(hist, trend="add", damped_trend=True,
                                         seasonal="add" if seasonal else None,
                                         seasonal_periods=m if seasonal else None,
                                         initialization_method="heuristic" if seasonal else "estimated")
            fc = model.fit().forecast(h)[-1]
            fit_s.append(time.perf_counter() - t0)
            back = m * math.ceil(h / m) if m >= 2 and t + h - m * math.ceil(h / m) >= 0 else h
            target = actual[t]
            err_sn.append(abs(target - y[t + h - back]))
            err_sm.append(abs(target - fc))
            err_hw.append(abs(target - cols["holt-winters"][t]))
            err_auto.append(abs(target - cols["auto"][t]))
        scale = max(np.mean(err_sn), 1e-12)
        print("%-34s %8d %9.3f %9.3f %9.3f %13.2f %13.0f" % (
            os.path.basename(trace)[:34], len(origins), np.mean(err_hw) / scale,
            np.mean(err_auto) / scale, np.mean(err_sm) / scale, timing.get("holt-winters", float("nan")),
            1e6 * np.median(fit_s)), flush=True)
    print("MASE: mean absolute error at the horizon over seasonal-naive's at the same origins.\n"
          "prescale us: one Observe + Forecast of prescale's holt-winters (backtest's own timing);\n"
          "statsmodels us: median time to fit and forecast once, the cost of one updated forecast.")


if __name__ == "__main__":
    main()
