#!/usr/bin/python3
"""The fake AWS endpoint under the real AWS CLI, and the prescale binary against it.

Usage: aws_cli_test.py PRESCALE PRESCALE_FAKE_AWS

1. Debian's AWS CLI (/usr/bin/aws, package awscli) runs
   `autoscaling describe-auto-scaling-groups`, `autoscaling set-desired-capacity` and
   `cloudwatch get-metric-data` against prescale_fake_aws with --endpoint-url. The
   fake checks every signature, so these show that it speaks the real protocol; a
   wrong secret must get AWS's SignatureDoesNotMatch, and injected throttling must be
   ridden out by the CLI's own retries. Skipped (not failed) without awscli.
2. `prescale run` on a config with `source: cloudwatch` and `actuator: aws-asg`,
   with the endpoint from AWS_ENDPOINT_URL, the region from AWS_REGION and temporary
   credentials from a profile in AWS_SHARED_CREDENTIALS_FILE: it must scale the fake
   group, and no file it writes (nor its console) may contain the secret key or the
   session token. It also runs with an API bearer token (PRESCALE_API_TOKEN): the API
   must refuse calls without it or with a wrong one and serve them with it, and the
   token must not reach any file either.

One line per case, "PASS name", "SKIP name: why" or "FAIL name: why", then
"N passed, M failed"; exit 1 if any failed. Standard library only.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

AWS = "/usr/bin/aws"
KEY_ID = "AKIDCLITEST"
SECRET = "cli/SECRET+key/never-logged"
TEMP_ID = "ASIARUNTEST"
TEMP_SECRET = "run/SECRET+temporary/never-logged"
TEMP_TOKEN = "FwoGZXIvYXdzRUNTOKENnever-logged"
GROUP = "asg-prod"
API_TOKEN = "api-TOKEN-never+logged"


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Failure(why)


class Fake:
    """prescale_fake_aws on a free loopback port."""

    def __init__(self, binary, workdir):
        port_file = os.path.join(workdir, "fake.port")
        self.proc = subprocess.Popen(
            [binary, "--port-file", port_file, "--key", KEY_ID + ":" + SECRET,
             "--key", TEMP_ID + ":" + TEMP_SECRET + ":" + TEMP_TOKEN,
             "--group", GROUP + ":1:5:2", "--metric", "CPUUtilization=42"],
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise Failure("prescale_fake_aws did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read())

    def state(self):
        with urllib.request.urlopen(self.url + "/_fake/state", timeout=5) as r:
            return json.load(r)

    def post(self, path):
        req = urllib.request.Request(self.url + path, data=b"", method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def cli_env(workdir, secret=SECRET):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.path.join(workdir, "none"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(workdir, "none"),
                "AWS_PAGER": "", "HOME": workdir})
    return env


def aws(fake, workdir, *args, secret=SECRET):
    if not os.access(AWS, os.X_OK):
        raise Skip("Debian's awscli is not installed (%s)" % AWS)
    return subprocess.run([AWS, "--endpoint-url", fake.url, "--output", "json", *args],
                          env=cli_env(workdir, secret), capture_output=True, text=True,
                          timeout=120)


def describe(fake, workdir):
    r = aws(fake, workdir, "autoscaling", "describe-auto-scaling-groups",
            "--auto-scaling-group-names", GROUP)
    check(r.returncode == 0, "describe failed: %s" % r.stderr.strip())
    groups = json.loads(r.stdout)["AutoScalingGroups"]
    check(len(groups) == 1, "want 1 group, got %r" % groups)
    return groups[0]


def case_cli_describe(fake, workdir):
    g = describe(fake, workdir)
    check(g["AutoScalingGroupName"] == GROUP, "name %r" % g["AutoScalingGroupName"])
    check((g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) == (1, 5, 2),
          "min/max/desired %r" % ((g["MinSize"], g["MaxSize"], g["DesiredCapacity"]),))
    states = [i["LifecycleState"] for i in g["Instances"]]
    check(states == ["InService", "InService"], "instances %r" % states)
    check(g["AutoScalingGroupARN"].startswith("arn:aws:autoscaling:us-east-1:"), "ARN")


def case_cli_set_desired_capacity(fake, workdir):
    r = aws(fake, workdir, "autoscaling", "set-desired-capacity", "--auto-scaling-group-name",
            GROUP, "--desired-capacity", "3", "--no-honor-cooldown")
    check(r.returncode == 0, "set failed: %s" % r.stderr.strip())
    check(describe(fake, workdir)["DesiredCapacity"] == 3, "desired not 3 after the set")
    r = aws(fake, workdir, "autoscaling", "set-desired-capacity", "--auto-scaling-group-name",
            GROUP, "--desired-capacity", "9")
    check(r.returncode != 0, "a size above MaxSize was accepted")
    check("ValidationError" in r.stderr and "above max value 5" in r.stderr,
          "want ValidationError, got %s" % r.stderr.strip())
    r = aws(fake, workdir, "autoscaling", "set-desired-capacity", "--auto-scaling-group-name",
            GROUP, "--desired-capacity", "2")
    check(r.returncode == 0, "set back failed: %s" % r.stderr.strip())


def case_cli_get_metric_data(fake, workdir):
    instance = describe(fake, workdir)["Instances"][0]["InstanceId"]
    now = int(time.time())
    queries = [{"Id": "cpu_" + stat.lower(), "MetricStat": {
        "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                   "Dimensions": [{"Name": "InstanceId", "Value": instance}]},
        "Period": 60, "Stat": stat}} for stat in ("Average", "Maximum")]
    r = aws(fake, workdir, "cloudwatch", "get-metric-data", "--start-time", str(now - 180),
            "--end-time", str(now), "--metric-data-queries", json.dumps(queries))
    check(r.returncode == 0, "get-metric-data failed: %s" % r.stderr.strip())
    results = {m["Id"]: m for m in json.loads(r.stdout)["MetricDataResults"]}
    check(set(results) == {"cpu_average", "cpu_maximum"}, "ids %r" % sorted(results))
    for m in results.values():
        check(m["StatusCode"] == "Complete", "status %r" % m["StatusCode"])
        check(m["Values"] and all(v == 42.0 for v in m["Values"]), "values %r" % m["Values"])
        check(len(m["Timestamps"]) == len(m["Values"]) <= 3, "timestamps %r" % m["Timestamps"])


def case_cli_bad_signature(fake, workdir):
    before = fake.state()["refused"].get("SignatureDoesNotMatch", 0)
    r = aws(fake, workdir, "autoscaling", "describe-auto-scaling-groups", secret="not the secret")
    check(r.returncode != 0, "a wrong secret was accepted")
    check("SignatureDoesNotMatch" in r.stderr, "want SignatureDoesNotMatch, got %s" % r.stderr)
    check(fake.state()["refused"].get("SignatureDoesNotMatch", 0) == before + 1,
          "the CLI retried a signature error")


def case_cli_rides_out_throttling(fake, workdir):
    before = fake.state()["requests"].get("DescribeAutoScalingGroups", 0)
    fake.post("/_fake/fault?action=DescribeAutoScalingGroups&kind=throttling&times=2")
    describe(fake, workdir)
    after = fake.state()["requests"].get("DescribeAutoScalingGroups", 0)
    check(after - before == 3, "want 3 requests (2 throttled), got %d" % (after - before))


def case_run_scales_and_keeps_secrets(fake, workdir, prescale):
    run = os.path.join(workdir, "run")
    os.makedirs(run)
    creds = os.path.join(run, "credentials")
    with open(creds, "w") as f:
        f.write("[scaler]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                "aws_session_token = %s\n" % (TEMP_ID, TEMP_SECRET, TEMP_TOKEN))
    config = os.path.join(run, "aws.yaml")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with open(config, "w") as f:
        f.write("global:\n  interval_s: 1\n  listen: 127.0.0.1:%d\n  log_level: debug\n" % port +
                "groups:\n  - name: web\n"
                "    source: {type: cloudwatch, asg_name: %s}\n"
                "    policy: seed2\n"
                "    actuator: {type: aws-asg, asg_name: %s}\n"
                "    min: 1\n    max: 5\n" % (GROUP, GROUP))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL": fake.url, "AWS_REGION": "us-east-1",
                "AWS_PROFILE": "scaler", "AWS_SHARED_CREDENTIALS_FILE": creds,
                "AWS_CONFIG_FILE": os.path.join(run, "none"),
                "AWS_EC2_METADATA_DISABLED": "true", "HOME": run,
                "PRESCALE_API_TOKEN": API_TOKEN})
    v = subprocess.run([prescale, "validate", config], cwd=run, env=env, capture_output=True,
                       text=True, timeout=30)
    check(v.returncode == 0, "validate failed: %s" % (v.stdout + v.stderr))
    fake.post("/_fake/metric?name=CPUUtilization&value=90")
    with open(os.path.join(run, "console.txt"), "w") as out:
        p = subprocess.Popen([prescale, "run", "--config", config, "--for", "4"], cwd=run,
                             env=env, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT)
        api = "http://127.0.0.1:%d/api/v1/groups" % port
        codes = {}
        for name, headers in (("none", {}), ("wrong", {"Authorization": "Bearer nope"}),
                              ("right", {"Authorization": "Bearer " + API_TOKEN})):
            for _ in range(50):
                try:
                    with urllib.request.urlopen(urllib.request.Request(api, headers=headers),
                                                timeout=2) as r:
                        codes[name] = r.status
                    break
                except urllib.error.HTTPError as e:
                    codes[name] = e.code
                    break
                except OSError:
                    time.sleep(0.1)
        rc = p.wait(timeout=60)
    check(rc == 0, "run exited %d" % rc)
    check(codes == {"none": 401, "wrong": 401, "right": 200},
          "API answers without/with a wrong/with the token: %r" % codes)
    state = fake.state()
    check(state["groups"][GROUP]["desired"] == 3, "want the group scaled to 3: %r" % state)
    check(state["applied_sets"][-1:] == [3], "applied sets %r" % state["applied_sets"])
    log = open(os.path.join(run, "logs", "prescale.log")).read()
    check("SCALING UP: 2 -> 3" in log, "no SCALING UP line in the log")
    seen = 0
    for root, _, files in os.walk(run):
        for name in files:
            path = os.path.join(root, name)
            if path == creds:
                continue
            seen += 1
            data = open(path, "rb").read()
            for secret in (TEMP_SECRET, TEMP_TOKEN, "SECRET", API_TOKEN):
                check(secret.encode() not in data, "%s holds a secret (%s...)" % (path, secret[:6]))
    check(seen >= 6, "only %d files to look at" % seen)


def main(argv):
    prescale, fake_binary = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    passed = failed = 0
    work = tempfile.mkdtemp(prefix="prescale-aws-cli-")
    fake = Fake(fake_binary, work)
    cases = [("cli_describe", case_cli_describe),
             ("cli_set_desired_capacity", case_cli_set_desired_capacity),
             ("cli_get_metric_data", case_cli_get_metric_data),
             ("cli_bad_signature", case_cli_bad_signature),
             ("cli_rides_out_throttling", case_cli_rides_out_throttling),
             ("run_scales_and_keeps_secrets",
              lambda f, w: case_run_scales_and_keeps_secrets(f, w, prescale))]
    try:
        for name, fn in cases:
            try:
                fn(fake, work)
                print("PASS %s" % name)
                passed += 1
            except Skip as e:
                print("SKIP %s: %s" % (name, e))
            except Failure as e:
                print("FAIL %s: %s" % (name, e))
                failed += 1
            except Exception as e:  # a driver bug still reports, and the others run
                print("FAIL %s: driver error: %s: %s" % (name, type(e).__name__, e))
                failed += 1
            sys.stdout.flush()
    finally:
        fake.stop()
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("# files kept in " + work)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
