"""A live `lakeq serve` for browser tests and the dashboard page-speed benchmark.

Makes (or reuses) a `lakeq gen` lake, a writer key for posting events, and runs the service
with the dashboard's own read-only key (`--dashboard-key`). Used by
Tests/Browser/dashboard_test.py and Benchmarks/dashboard_speed.py.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "examples", "events.schema.json")
CHROMIUM = os.environ.get("LAKEQ_CHROMIUM", "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_lake(lakeq, rows, directory):
    """`lakeq gen --rows N --out DIR`: the events Delta table at DIR/events."""
    out = subprocess.run([lakeq, "gen", "--rows", str(rows), "--out", directory], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"lakeq gen failed: {out.stderr}")
    return directory


class Service:
    """`lakeq serve` on a free loopback port, stopped with SIGTERM by `stop()`."""

    def __init__(self, lakeq, lake, work=None, extra=()):
        self.lakeq = lakeq
        self.lake = lake
        self.work = work or tempfile.mkdtemp(prefix="lakeq-serve-")
        self.keys = os.path.join(self.work, "keys.json")
        if os.path.exists(self.keys):
            os.unlink(self.keys)
        self.writer = self._key("ingest", "writer")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.work, "serve.log"), "w")
        self.process = subprocess.Popen(
            [lakeq, "serve", "--lake", lake, "--addr", f"127.0.0.1:{self.port}", "--keys", self.keys,
             "--dashboard-key", "dashboard", "--schema", SCHEMA, "--audit-log", "none", "--log-level", "warning",
             "--commit-interval", "20", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()
        self.reader = self.get_json("/dashboard/config.json", key=None)["key"]

    def _key(self, name, role):
        out = subprocess.run([self.lakeq, "keys", "add", name, "--role", role, "--keys", self.keys], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"lakeq keys add failed: {out.stderr}")
        return out.stdout.strip()

    def _wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lakeq serve exited with {self.process.returncode}: {self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("lakeq serve did not become ready")

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-4000:]

    def request(self, method, path, body=None, key="reader", headers=None):
        h = dict(headers or {})
        token = {"reader": getattr(self, "reader", None), "writer": self.writer, None: None}.get(key, key)
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()

    def get_json(self, path, key="reader"):
        return json.loads(self.request("GET", path, key=key)[1])

    def post_events(self, events):
        status, body = self.request("POST", "/v1/events", body=events, key="writer")
        return json.loads(body)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def event(i, day=15, device="tv", country="US", show="The Stone Engine"):
    """A valid viewing event (the schema of examples/events.schema.json) on 2026-01-DAY."""
    duration = 50.0
    watch = float(10 + i % 40)
    return {
        "event_id": 900_000_000 + i, "user_id": 1 + i % 1000, "show": show, "show_type": "series", "genre": "Drama",
        "season": 1 + i % 3, "episode": 1 + i % 8, "event_time": f"2026-01-{day:02d}T{i % 24:02d}:{i % 60:02d}:00.000000Z",
        "watch": watch, "duration": duration, "completed": watch >= 0.9 * duration, "device": device, "country": country,
        "rating": None, "bitrate_kbps": 3000,
    }


def bad_events(start):
    """Events that break a rule each (the quarantine gets them with their reasons)."""
    out = []
    e = event(start)
    e["device"] = "fridge"
    out.append(e)
    e = event(start + 1)
    e["rating"] = 9
    out.append(e)
    e = event(start + 2)
    del e["show"]
    out.append(e)
    e = event(start + 3)
    e["event_time"] = "2027-05-01T00:00:00.000000Z"
    out.append(e)
    e = event(start + 4)
    e["watch"] = "lots"
    out.append(e)
    return out
