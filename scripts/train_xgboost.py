#!/usr/bin/python3
"""Train a prescale demand model in Python, with Debian's python3-xgboost.

Reads a labelled CSV (the nine inputs of POST /predict and `label`: 0/1/2 or
Low/Medium/High), encodes it exactly as prescale does (docs/prediction.md,
src/features/model_features.h), trains a multi:softprob booster and writes
MODEL.json (XGBoost's JSON) and MODEL.meta.json (prescale's metadata), which
`prescale serve --model MODEL.json` and `policy: {type: classifier, model: ...}` load.

Usage: /usr/bin/python3 scripts/train_xgboost.py rows.csv --out model.json
           [--rounds 40] [--max-depth 6] [--eta 0.3] [--seed 42]
"""
import argparse
import csv
import json

import numpy as np

INPUTS = ["cpu_usage", "memory_usage", "network_traffic", "power_consumption",
          "num_executed_instructions", "execution_time", "energy_efficiency",
          "task_type", "task_priority"]
TASK_TYPES = ["compute", "network", "io"]
TASK_PRIORITIES = ["high", "medium", "low"]
FEATURE_NAMES = INPUTS[:7] + [
    "cpu_mem_product", "cpu_network_ratio", "power_per_cpu", "execution_per_instruction"] + [
    "task_type_" + t for t in TASK_TYPES] + ["task_priority_" + p for p in TASK_PRIORITIES]
CLASSES = ["Low", "Medium", "High"]
ENCODING = "seed2-onehot-v1"


def encode(rows):
    """Rows of the nine inputs -> float32 matrix of prescale's 17 columns.

    The interaction features are computed in float64 (as prescale and pandas do),
    then everything is rounded to float32, which is what XGBoost reads. Every
    category gets its own column (no drop_first).
    """
    out = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    for i, r in enumerate(rows):
        cpu, mem, net, power, instr, exe, eff = (float(v) for v in r[:7])
        derived = [cpu * mem, cpu / (net + 1e-5), power / (cpu + 1e-5), exe / (instr + 1)]
        out[i, :11] = [cpu, mem, net, power, instr, exe, eff] + derived
        out[i, 11 + TASK_TYPES.index(r[7])] = 1
        out[i, 14 + TASK_PRIORITIES.index(r[8])] = 1
    return out


def label_index(v):
    return CLASSES.index(v) if v in CLASSES else int(float(v))


def metadata(source, rows, params):
    return {
        "format": "prescale-demand-model", "version": 1, "encoding": ENCODING,
        "inputs": INPUTS,
        "categories": {"task_type": TASK_TYPES, "task_priority": TASK_PRIORITIES},
        "feature_names": FEATURE_NAMES, "classes": CLASSES,
        "training": dict(source=source, labels="the file's label column", rows=rows,
                         train_rows=rows, test_rows=0, test_accuracy=0, split="none",
                         created_by="scripts/train_xgboost.py", **params),
    }


def train(rows, labels, out, rounds=40, max_depth=6, eta=0.3, seed=42, source="python"):
    import xgboost as xgb
    dtrain = xgb.DMatrix(encode(rows), label=np.asarray(labels, dtype=np.float32),
                         feature_names=FEATURE_NAMES)
    params = {"objective": "multi:softprob", "num_class": 3, "tree_method": "hist",
              "max_depth": max_depth, "eta": eta, "seed": seed, "nthread": 1}
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    booster.save_model(out)
    meta = out[:-5] + ".meta.json" if out.endswith(".json") else out + ".meta.json"
    with open(meta, "w") as f:
        json.dump(metadata(source, len(rows), dict(rounds=rounds, max_depth=max_depth,
                                                   eta=eta, subsample=1.0, seed=seed)), f, indent=2)
    return booster


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--max-depth", type=int, default=6)
    ap.add_argument("--eta", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    with open(a.csv) as f:
        table = list(csv.DictReader(f))
    rows = [[r[c] for c in INPUTS] for r in table]
    labels = [label_index(r["label"]) for r in table]
    train(rows, labels, a.out, a.rounds, a.max_depth, a.eta, a.seed, source="csv " + a.csv)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
