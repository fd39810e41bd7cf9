#!/usr/bin/python3
"""Turns NAB series (../shared/nab/data) into traces for a held-out elasticity check.

The six dev traces in ../shared/traces are what prescale's defaults were developed on.
To see whether those defaults generalise, bench/heldout.sh scores prescale on other
real series it was never tuned on: NAB's AWS CloudWatch metrics (EC2 CPU, network,
disk, RDS CPU, an Auto Scaling group's CPU) and road-traffic occupancy, plus NAB's
artificial daily patterns. NAB files are not all on a regular grid, so each series
is put on its median spacing, with gaps filled by linear interpolation (as TRACES.md
does for the dev traces). Series that are the same data as a dev trace are skipped.

  heldout_traces.py NAB_DATA_DIR OUT_DIR
"""
import csv, datetime as dt, os, sys

import numpy as np

# Load-like series: resource use or traffic counts, not prices, speeds or temperatures.
SERIES = [
    "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv",
    "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv",
    "realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv",
    "realAWSCloudwatch/ec2_network_in_257a54.csv",
    "realAWSCloudwatch/ec2_network_in_5abac7.csv",
    "realAWSCloudwatch/grok_asg_anomaly.csv",
    "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv",
    "realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv",
    "realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv",
    "realTraffic/occupancy_6005.csv",
    "realTraffic/occupancy_t4013.csv",
    "artificialNoAnomaly/art_daily_small_noise.csv",
    "artificialWithAnomaly/art_daily_jumpsup.csv",
    "artificialWithAnomaly/art_daily_jumpsdown.csv",
    "artificialWithAnomaly/art_daily_flatmiddle.csv",
    "artificialWithAnomaly/art_increase_spike_density.csv",
    "artificialWithAnomaly/art_load_balancer_spikes.csv",
]


def regular(path):
    ts, vs = [], []
    with open(path) as f:
        for i, row in enumerate(csv.reader(f)):
            if i == 0 or not row:
                continue
            t = dt.datetime.fromisoformat(row[0]).replace(tzinfo=dt.timezone.utc).timestamp()
            ts.append(t)
            vs.append(float(row[1]))
    ts, vs = np.array(ts), np.array(vs)
    order = np.argsort(ts, kind="stable")
    ts, vs = ts[order], vs[order]
    keep = np.concatenate(([True], np.diff(ts) > 0))
    ts, vs = ts[keep], vs[keep]
    step = float(np.median(np.diff(ts)))
    grid = np.arange(ts[0], ts[-1] + step / 2, step)
    return grid, np.interp(grid, ts, vs), step


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for rel in SERIES:
        src = os.path.join(data, rel)
        if not os.path.exists(src):
            print("skip (absent):", rel, file=sys.stderr)
            continue
        grid, vals, step = regular(src)
        # A load is not negative: NAB's artificial series dip below zero.
        vals = np.maximum(vals, 0.0)
        name = rel.replace("/", "__")
        with open(os.path.join(out, name), "w") as f:
            f.write("timestamp,value\n")
            for t, v in zip(grid, vals):
                f.write("%d,%.9g\n" % (t, v))
        print("%-70s %5d rows, step %gs" % (name, len(grid), step))


if __name__ == "__main__":
    main()
