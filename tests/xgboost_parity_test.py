#!/usr/bin/python3
"""Python's xgboost and prescale give identical predictions on the same model.

  1. The model the build trained (prescale train --synthetic): Python's
     Booster.inplace_predict on rows encoded by scripts/train_xgboost.py, against
     `prescale serve` answering POST /predict/batch for the same rows.
  2. A model trained in Python (scripts/train_xgboost.py), served by prescale.
Probabilities must be equal to the last bit (float32 through JSON's doubles).
Exit 77 (skipped) without python3-xgboost or numpy.

Usage: xgboost_parity_test.py PRESCALE_BINARY DEFAULT_MODEL SOURCE_DIR
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import urllib.request

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:
    print("skip: %s (apt-get install python3-xgboost)" % e)
    sys.exit(77)

binary, default_model, source_dir = sys.argv[1:4]
sys.path.insert(0, os.path.join(source_dir, "scripts"))
import train_xgboost as tx  # noqa: E402


def rows(n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        cpu = round(rng.uniform(0, 100), 1)
        mem = round(rng.uniform(0, 100), 1)
        inst = rng.randint(1, 20)
        out.append([cpu, mem, round(rng.uniform(0, 300), 1), round(inst * (20 + 12 * cpu / 100), 1),
                    int(inst * cpu / 100 * 2400e6 * 2.5), round(rng.uniform(0.05, 2.5), 2),
                    round(rng.uniform(0, 3), 4), rng.choice(tx.TASK_TYPES),
                    rng.choice(tx.TASK_PRIORITIES)])
    return out


def serve(model):
    p = subprocess.Popen([binary, "serve", "--model", model, "--listen", "127.0.0.1:0",
                          "--threads", "2", "--for", "120"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if "http://" not in line:
        p.kill()
        raise SystemExit("serve did not start: %r %s" % (line, p.stderr.read()))
    port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])
    return p, "http://127.0.0.1:%d" % port


def prescale_probabilities(url, batch):
    req = urllib.request.Request(url + "/predict/batch", data=json.dumps({"features": batch}).encode(),
                                 headers={"Content-Type": "application/json"})
    answer = json.load(urllib.request.urlopen(req, timeout=30))
    return [p["probabilities"] for p in answer["predictions"]]


def compare(name, booster, model_path, batch):
    want = booster.inplace_predict(tx.encode(batch))
    p, url = serve(model_path)
    try:
        got = prescale_probabilities(url, batch)
        # The seed's single-row payload too, through POST /predict.
        one = json.load(urllib.request.urlopen(urllib.request.Request(
            url + "/predict", data=json.dumps({"features": batch[0]}).encode()), timeout=30))
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    bad = 0
    for i, (w, g) in enumerate(zip(want.tolist(), got)):
        if [float(v) for v in w] != g:
            bad += 1
            if bad <= 3:
                print("  %s row %d: python %s prescale %s" % (name, i, w, g))
    if one["probabilities"] != [float(v) for v in want[0].tolist()]:
        bad += 1
        print("  %s /predict: python %s prescale %s" % (name, want[0].tolist(), one))
    if int(np.argmax(want[0])) != one["prediction"]:
        bad += 1
    print("%s: %d rows, %d differ" % (name, len(batch), bad))
    return bad


failed = 0
batch = rows(500, seed=7)
failed += compare("prescale-trained default model", xgb.Booster(model_file=default_model),
                  default_model, batch)

with tempfile.TemporaryDirectory() as td:
    train_rows = rows(2000, seed=11)
    labels = [2 if r[0] > 75 else 0 if r[0] < 25 else 1 for r in train_rows]
    model = os.path.join(td, "python.json")
    booster = tx.train(train_rows, labels, model, rounds=20, max_depth=4)
    failed += compare("python-trained model", xgb.Booster(model_file=model), model, batch)

sys.exit(1 if failed else 0)
