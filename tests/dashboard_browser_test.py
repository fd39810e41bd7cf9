#!/usr/bin/env python3
"""The dashboard in a real browser: headless Debian Chromium, driven by Selenium.

Starts a real `prescale run` (a synthetic group ticking every 0.2 s, on a free
loopback port), loads the dashboard and checks, each within a bounded deadline:
  - the overview lists the group with its sizes and reason;
  - the chart is drawn: the canvas holds the capacity (ready) line's colour, the
    load line, and is not blank;
  - a scaling decision appears in the log, with its reason;
  - the page refreshes by itself (new points arrive without a reload);
  - everything it loaded came from the daemon (no network, no CDN);
  - the browser logged no errors.
It saves a screenshot (the second argument). With --config and --settle it only
takes a screenshot of that config's dashboard (scripts/docs_images.sh).

Exit 77 (ctest's SKIP_RETURN_CODE) only when Chromium itself is absent; a missing
driver with Chromium present is a failure, since scripts/setup.sh installs both.

usage: dashboard_browser_test.py PRESCALE SCREENSHOT.png [--config FILE]
       [--settle SECONDS] [--size WxH]
"""
import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The flags that work in this sandbox (../shared's env notes): no GPU, no sandbox
# as root, and none of Chromium's own network traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_RGB = (0, 114, 178)  # Okabe-Ito blue, the ready line
LOAD_RGB = (0, 0, 0)

CONFIG = """global:
  interval_s: 0.2
  listen: 127.0.0.1:0
  outputs:
    metrics_csv: {dir}/metrics.csv
    anomalies_log: {dir}/anomalies.log
    decisions_jsonl: {dir}/decisions.jsonl
    log_file: {dir}/prescale.log
    state_db: {dir}/state.db
groups:
  - name: web
    source: {{type: synthetic, base_per_s: 200, time_scale: 7200}}
    capacity_per_instance: 20
    boot_delay_s: 0.4
    policy: predictive
    min: 2
    max: 30
    initial: 3
"""


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(what, predicate, timeout_s, poll_s=0.1):
    """The predicate's first truthy value within the deadline, else a Failure."""
    deadline = time.monotonic() + timeout_s
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the page may be between two refreshes
            last_error = e
        if time.monotonic() > deadline:
            raise Failure("timed out after %.0f s waiting for %s%s" % (
                timeout_s, what, "" if last_error is None else " (last error: %s)" % last_error))
        time.sleep(poll_s)


class Daemon:
    """`prescale run` on a free port, read line by line for its address."""

    def __init__(self, binary, config, cwd, for_s):
        self.lines = []
        self.proc = subprocess.Popen(
            [binary, "run", "--config", config, "--listen", "127.0.0.1:0", "--for", str(for_s)],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def url(self):
        def find():
            for line in self.lines:
                m = re.search(r"Dashboard on (http://127\.0\.0\.1:\d+/)", line)
                if m:
                    return m.group(1)
            check(self.proc.poll() is None, "prescale run exited early:\n" + "\n".join(self.lines))
            return None
        return wait_until("'Dashboard on http://...' from prescale run", find, 15)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("prescale run did not stop within 15 s of SIGTERM")


@contextlib.contextmanager
def dashboard(binary, config, cwd, for_s, size):
    """A daemon on `config` and a fresh headless Chromium on its dashboard; yields
    (daemon, driver, url), and stops both however the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    daemon = Daemon(binary, config, cwd, for_s)
    profile = tempfile.mkdtemp(prefix="prescale-chromium-")
    driver = None
    try:
        url = daemon.url()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS + ["--user-data-dir=" + profile, "--window-size=%d,%d" % size]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(20)
        driver.set_script_timeout(10)
        driver.get(url)
        yield daemon, driver, url
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        daemon.stop()


# Counts a canvas's pixels: all, non-white, and near each given colour.
# The cells' texts of the first row matching `selector` whose first cell is 'web'
# (actions null) or whose data-action is one of `actions`; null when none.
ROW_TEXTS = """
const [selector, actions] = arguments;
for (const r of document.querySelectorAll(selector)) {
  const td = Array.from(r.querySelectorAll('td')).map(c => c.innerText.trim());
  if (!td.length) continue;
  if (actions === null ? td[0] === 'web' : actions.includes(r.dataset.action)) return td;
}
return null;
"""

COUNT_PIXELS = """
const canvas = document.querySelector('canvas.chart');
if (!canvas || canvas.width === 0) return null;
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
const near = arguments[0];
const counts = near.map(() => 0);
let inked = 0;
for (let i = 0; i < data.length; i += 4) {
  const r = data[i], g = data[i + 1], b = data[i + 2];
  if (r < 250 || g < 250 || b < 250) inked++;
  near.forEach((c, k) => {
    if (Math.abs(r - c[0]) < 12 && Math.abs(g - c[1]) < 12 && Math.abs(b - c[2]) < 12) counts[k]++;
  });
}
return {total: data.length / 4, inked: inked, near: counts, points: Number(canvas.dataset.points || 0)};
"""


def run_test(args, tmp):
    config = os.path.join(tmp, "prescale.yaml")
    with open(config, "w") as f:
        f.write(CONFIG.format(dir=tmp))
    with dashboard(args.prescale, config, tmp, 90, args.size) as (daemon, driver, url):
        check(driver.title == "prescale", "page title is %r, expected 'prescale'" % driver.title)

        # 1. The overview lists the group.
        # The dashboard re-renders its tables as data arrives, so each row is read
        # in one script call: an element found in one call may be gone by the next.
        cells = wait_until("the group 'web' in the overview", lambda: driver.execute_script(ROW_TEXTS,
            "#groups tbody tr", None), 15)
        check(cells[1] == "predictive", "policy cell is %r" % cells[1])
        check(all(c.isdigit() for c in cells[2:5]), "ready/current/desired are %r" % cells[2:5])
        check(cells[5].endswith("/s"), "load cell is %r" % cells[5])

        # 2. The chart is drawn: the ready line's blue and the load's black are on it.
        def drawn():
            px = driver.execute_script(COUNT_PIXELS, [READY_RGB, LOAD_RGB])
            if px and px["points"] >= 10 and px["near"][0] >= 50 and px["near"][1] >= 50:
                return px
            return None
        px = wait_until("the chart to show the ready and load lines", drawn, 20)
        check(px["inked"] > px["total"] * 0.02,
              "the canvas is nearly blank: %d of %d pixels inked" % (px["inked"], px["total"]))

        # 3. A scaling decision reaches the log, with its reason and a sentence.
        cells = wait_until("a scale_up or scale_down row in the decision log",
                           lambda: driver.execute_script(ROW_TEXTS, "#decisions tbody tr.decision",
                                                         ["scale_up", "scale_down"]), 20)
        check(cells[1] == "web", "decision's group is %r" % cells[1])
        check("→" in cells[3], "decision's instances cell %r lacks 'from → to'" % cells[3])
        check(re.fullmatch(r"[A-Z][A-Za-z]+", cells[4]), "decision's reason is %r" % cells[4])
        check(len(cells[5]) > 10, "decision's explanation is %r" % cells[5])
        check(not driver.find_element("id", "decisions-empty").is_displayed(),
              "'No decisions yet' still shows")

        # 4. It refreshes by itself: more points arrive without a reload.
        before = px["points"]
        wait_until("new points without a reload (had %d)" % before, lambda: driver.execute_script(
            "return Number(document.querySelector('canvas.chart').dataset.points)") > before, 10)
        status = driver.find_element("id", "status").text
        check(status == "live", "status badge says %r" % status)

        # 5. Nothing came from anywhere but the daemon.
        origin = url.rstrip("/")
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        outside = [r for r in resources + [driver.current_url] if not r.startswith(origin)]
        check(not outside, "the page loaded from outside the daemon: %r" % outside)
        check(any(r.endswith("/dashboard.js") for r in resources), "dashboard.js was not loaded")

        # 6. No errors in the browser's console.
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, "browser console errors: %r" % errors)

        driver.save_screenshot(args.screenshot)
        print("dashboard_browser: screenshot in %s" % args.screenshot)
    rc = daemon.proc.returncode
    check(rc == 0, "prescale run exited %s after SIGTERM:\n%s" % (rc, "\n".join(daemon.lines[-20:])))


def screenshot_only(args, tmp):
    """The dashboard of `args.config` after `args.settle` seconds, for the docs."""
    config = os.path.abspath(args.config)
    with dashboard(args.prescale, config, tmp, args.settle + 60, args.size) as (_, driver, _):
        wait_until("the first chart", lambda: driver.execute_script(
            "const c = document.querySelector('canvas.chart');"
            "return c && Number(c.dataset.points) > 0"), 20)
        time.sleep(args.settle)  # a real dashboard gathers history as it runs
        driver.save_screenshot(args.screenshot)
        print("dashboard_browser: screenshot in %s" % args.screenshot)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prescale")
    parser.add_argument("screenshot")
    parser.add_argument("--config", help="screenshot this config's dashboard only")
    parser.add_argument("--settle", type=float, default=20, help="seconds before the screenshot")
    parser.add_argument("--size", default="1400x1100", help="browser window, WxH")
    args = parser.parse_args()
    w, h = args.size.lower().split("x")
    args.size = (int(w), int(h))

    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s is not installed (scripts/setup.sh installs Debian's chromium)" % CHROMIUM)
        return 77
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAIL: python3-selenium is missing (scripts/setup.sh installs it)")
        return 1
    if not os.access(CHROMEDRIVER, os.X_OK):
        print("FAIL: %s is missing (scripts/setup.sh installs chromium-driver)" % CHROMEDRIVER)
        return 1

    tmp = tempfile.mkdtemp(prefix="prescale-dashboard-")
    try:
        if args.config:
            screenshot_only(args, tmp)
        else:
            run_test(args, tmp)
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("dashboard_browser: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
