#!/usr/bin/python3
"""Cuts the long dev traces into parts, each scored as a trace of its own.

A part starts cold, in the middle of its workload, and elastic.py sizes it on its own
p99.5: a check of the cold start and of the choice between candidates on data whose
whole is known, with other luck than the whole trace's. NASA is cut in 4 (15.5 days
each), Bitbrains in 3 (30 days), AWS ELB and Alibaba in 2 (7 and 4 days).

  segment_traces.py TRACES_DIR OUT_DIR
"""
import csv, os, sys

PARTS = {
    "nasa_http_1995_per_min.csv": 4,
    "bitbrains_vm303_cpu_5min.csv": 3,
    "aws_elb_request_count_5min.csv": 2,
    "alibaba_2018_cluster_cpu_5min.csv": 2,
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, parts in PARTS.items():
        path = os.path.join(src, name)
        if not os.path.exists(path):
            print("segment_traces: %s is absent, skipped" % path, file=sys.stderr)
            continue
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        size = len(body) // parts
        for i in range(parts):
            part = os.path.join(out, "%s_part%d.csv" % (name[:-len(".csv")], i + 1))
            with open(part, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(body[i * size:(i + 1) * size])
            print(part)


if __name__ == "__main__":
    main()
