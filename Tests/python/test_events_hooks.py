"""Events: `lorikeet events replay` against a real local HTTP receiver (Python's http.server).

Proves: webhooks arrive with a valid HMAC-SHA256 signature and an idempotency key; an outage of the
receiver only delays delivery; a SIGKILL with alerts in the outbox loses nothing and, thanks to the
idempotency key, the receiver acts on each alert transition exactly once.
"""
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "lorikeet"
SECRET = "s3cr3t-for-tests"
T0 = 1_790_000_000_000

DETECTORS = [
    {"id": "freezer-warm", "severity": "critical",
     "threshold": {"metric": "temperature", "direction": "above", "threshold": -15,
                   "durationSeconds": 600, "hysteresis": 1}},
]


def samples():
    """-18 °C, then -12 °C for 15 minutes (fires after 10), then -18 °C again (resolves)."""
    out = []
    for i in range(30):
        value = -12 if 5 <= i <= 20 else -18
        out.append({"time": T0 + i * 60_000, "device": "0004a30b001c0530", "metric": "temperature", "value": value})
    return out


class Receiver:
    """A webhook receiver that records every request and acts once per Idempotency-Key."""

    def __init__(self, port=0, hold_first=0.0):
        self.requests = []
        self.processed = {}
        self.lock = threading.Lock()
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.hold_first = hold_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    first = len(receiver.requests) == 1
                if first:
                    receiver.first_arrived.set()
                    if receiver.hold_first:
                        # Hold the answer so that the sender can be killed mid-delivery.
                        receiver.release.wait(receiver.hold_first)
                        return
                key = self.headers.get("Idempotency-Key")
                with receiver.lock:
                    receiver.processed.setdefault(key, body)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/lorikeet"

    def keys(self):
        with self.lock:
            return [r["headers"].get("Idempotency-Key") for r in self.requests]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "detectors.json").write_text(json.dumps(DETECTORS))
    (tmp_path / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples()))
    return tmp_path


def replay_args(workdir, url, *extra):
    return [str(BINARY), "events", "replay", "--data-dir", str(workdir / "data"),
            "--detectors", str(workdir / "detectors.json"), "--input", str(workdir / "samples.jsonl"),
            "--webhook", url, "--secret", SECRET, *extra]


def signature(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def outbox(workdir):
    db = sqlite3.connect(workdir / "data" / "events.sqlite")
    try:
        return db.execute("SELECT idempotency_key, state, attempts FROM alert_deliveries ORDER BY rowid").fetchall()
    finally:
        db.close()


def read_lines(proc, n, timeout=20):
    """Reads n stdout lines from a running process (each line is flushed by lorikeet)."""
    lines = []
    deadline = time.time() + timeout
    while len(lines) < n:
        assert time.time() < deadline, f"only {len(lines)} lines: {lines}"
        line = proc.stdout.readline()
        assert line, "process ended early: " + proc.stderr.read()
        lines.append(json.loads(line))
    return lines


EXPECTED_KEYS = [
    f"freezer-warm:0004a30b001c0530:{T0 + 15 * 60_000}/fired",  # breach from minute 5, fires at 15
    f"freezer-warm:0004a30b001c0530:{T0 + 15 * 60_000}/resolved",
]


def test_webhook_delivered_with_valid_signature(workdir):
    receiver = Receiver()
    try:
        run = subprocess.run(replay_args(workdir, receiver.url, "--deliver-timeout", "10"),
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        printed = [json.loads(l) for l in run.stdout.splitlines()]
        assert [p["transition"] for p in printed] == ["fired", "resolved"]
        assert printed[0]["alert"]["firedAt"] == T0 + 15 * 60_000
        assert printed[1]["alert"]["resolvedAt"] == T0 + 21 * 60_000

        assert receiver.keys() == EXPECTED_KEYS
        for request, line in zip(receiver.requests, run.stdout.splitlines()):
            headers, body = request["headers"], request["body"]
            assert headers["Content-Type"] == "application/json"
            assert hmac.compare_digest(headers["X-Lorikeet-Signature"], signature(body))
            assert headers["X-Lorikeet-Signature"] != "sha256=" + hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
            assert json.loads(body) == json.loads(line)  # the body is the printed transition
            assert json.loads(body)["idempotencyKey"] == headers["Idempotency-Key"]
            assert headers["X-Lorikeet-Attempt"] == "1"
        assert [s for _, s, _ in outbox(workdir)] == ["delivered", "delivered"]
    finally:
        receiver.close()


def test_events_view_is_queryable_from_an_attaching_database(workdir, tmp_path):
    run = subprocess.run(replay_args(workdir, "http://127.0.0.1:9/unused", "--deliver-timeout", "0"),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # As the analytics module does: its own database, with events.sqlite attached.
    db = sqlite3.connect(tmp_path / "analytics.sqlite")
    try:
        db.execute("ATTACH DATABASE ? AS ev", (str(workdir / "data" / "events.sqlite"),))
        rows = db.execute("SELECT time, device, detector, type, severity, state, resolved_at FROM events").fetchall()
    finally:
        db.close()
    assert rows == [(T0 + 15 * 60_000, "0004a30b001c0530", "freezer-warm", "threshold", "critical", "resolved", T0 + 21 * 60_000)]


def test_receiver_down_for_a_while_then_delivered(workdir):
    port = free_port()
    proc = subprocess.Popen(replay_args(workdir, f"http://127.0.0.1:{port}/hook", "--deliver-timeout", "30",
                                        "--retry-base-ms", "200", "--retry-max-ms", "1000"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    receiver = None
    try:
        read_lines(proc, 2)
        time.sleep(1.5)  # receiver still down: attempts are refused and backed off
        assert proc.poll() is None
        assert all(state == "pending" for _, state, _ in outbox(workdir))
        receiver = Receiver(port=port)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert receiver.keys() == EXPECTED_KEYS  # each once, in order
        first = receiver.requests[0]
        assert int(first["headers"]["X-Lorikeet-Attempt"]) > 1
        assert first["headers"]["X-Lorikeet-Signature"] == signature(first["body"])
        assert [s for _, s, _ in outbox(workdir)] == ["delivered", "delivered"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if receiver:
            receiver.close()


def test_sigkill_with_alerts_in_outbox_delivered_once_after_restart(workdir):
    port = free_port()
    proc = subprocess.Popen(replay_args(workdir, f"http://127.0.0.1:{port}/hook", "--deliver-timeout", "60",
                                        "--retry-base-ms", "200"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        read_lines(proc, 2)  # both transitions are durable once printed
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert [(k, s) for k, s, _ in outbox(workdir)] == [(k, "pending") for k in EXPECTED_KEYS]

    receiver = Receiver(port=port)
    try:
        # The restart replays the same input (as a server re-reads its queue): deterministic alert
        # ids make the same idempotency keys, so nothing is enqueued twice.
        run = subprocess.run(replay_args(workdir, receiver.url, "--deliver-timeout", "20", "--retry-base-ms", "200"),
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert receiver.keys() == EXPECTED_KEYS
        assert [s for _, s, _ in outbox(workdir)] == ["delivered", "delivered"]
        # Another run delivers nothing more.
        again = subprocess.run([str(BINARY), "events", "deliver", "--data-dir", str(workdir / "data"),
                                "--webhook", receiver.url, "--secret", SECRET, "--deliver-timeout", "5"],
                               capture_output=True, text=True, timeout=30)
        assert again.returncode == 0, again.stderr
        assert receiver.keys() == EXPECTED_KEYS
    finally:
        receiver.close()


def test_sigkill_mid_delivery_is_repeated_with_the_same_key_and_acted_on_once(workdir):
    receiver = Receiver(hold_first=10)
    try:
        proc = subprocess.Popen(replay_args(workdir, receiver.url, "--deliver-timeout", "60", "--request-timeout", "30"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert receiver.first_arrived.wait(20), "no delivery attempt arrived"
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        receiver.release.set()
        assert [s for _, s, _ in outbox(workdir)] == ["pending", "pending"]

        run = subprocess.run([str(BINARY), "events", "deliver", "--data-dir", str(workdir / "data"),
                              "--webhook", receiver.url, "--secret", SECRET, "--deliver-timeout", "20"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        # The interrupted attempt is repeated with the same key, body and signature...
        assert receiver.keys() == [EXPECTED_KEYS[0]] + EXPECTED_KEYS
        first, repeat = receiver.requests[0], receiver.requests[1]
        assert first["body"] == repeat["body"]
        assert first["headers"]["X-Lorikeet-Signature"] == repeat["headers"]["X-Lorikeet-Signature"]
        # ...so a receiver that honours Idempotency-Key acts on each transition exactly once.
        assert sorted(receiver.processed) == sorted(EXPECTED_KEYS)
    finally:
        receiver.close()


def test_absence_and_invalid_lines_from_the_command_line(tmp_path):
    (tmp_path / "detectors.json").write_text(json.dumps(
        [{"id": "silent", "absence": {"intervalMultiple": 3, "minIntervals": 3}}]))
    lines = [json.dumps({"time": T0 + i * 600_000, "device": "d1", "metric": "battery", "value": 90}) for i in range(6)]
    lines.append('{"time": "not a time", "device": "d1", "metric": "battery", "value": 1}')
    (tmp_path / "samples.jsonl").write_text("\n".join(lines) + "\n")
    run = subprocess.run([str(BINARY), "events", "replay", "--data-dir", str(tmp_path / "data"),
                          "--detectors", str(tmp_path / "detectors.json"), "--input", "-",
                          "--until", str(T0 + 10 * 3_600_000)],
                         input=(tmp_path / "samples.jsonl").read_text(), capture_output=True, text=True, timeout=30)
    assert run.returncode == 2  # one invalid line
    assert "line 7" in run.stderr and "RFC 3339" in run.stderr
    printed = [json.loads(l) for l in run.stdout.splitlines()]
    assert len(printed) == 1
    alert = printed[0]["alert"]
    # Last sample at 50 min, usual interval 10 min, 3× → silent since 80 min.
    assert alert["firedAt"] == T0 + 80 * 60_000
    assert alert["detectorType"] == "absence"
    listed = subprocess.run([str(BINARY), "events", "list", "--data-dir", str(tmp_path / "data"), "--open"],
                            capture_output=True, text=True, timeout=30)
    assert [json.loads(l)["id"] for l in listed.stdout.splitlines()] == [alert["id"]]
    ack = subprocess.run([str(BINARY), "events", "ack", "--data-dir", str(tmp_path / "data"), alert["id"], "--by", "ops"],
                         capture_output=True, text=True, timeout=30)
    assert ack.returncode == 0, ack.stderr
    assert json.loads(ack.stdout)["alert"]["state"] == "acknowledged"


def test_stored_detectors_drive_replay(workdir):
    data = str(workdir / "data")
    imp = subprocess.run([str(BINARY), "events", "detectors", "import", "--data-dir", data, str(workdir / "detectors.json")],
                         capture_output=True, text=True, timeout=30)
    assert imp.returncode == 0, imp.stderr
    listed = subprocess.run([str(BINARY), "events", "detectors", "list", "--data-dir", data], capture_output=True, text=True, timeout=30)
    assert [json.loads(l)["id"] for l in listed.stdout.splitlines()] == ["freezer-warm"]
    run = subprocess.run([str(BINARY), "events", "replay", "--data-dir", data, "--input", str(workdir / "samples.jsonl"),
                          "--deliver-timeout", "0"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert [json.loads(l)["transition"] for l in run.stdout.splitlines()] == ["fired", "resolved"]
    rm = subprocess.run([str(BINARY), "events", "detectors", "remove", "--data-dir", data, "freezer-warm"],
                        capture_output=True, text=True, timeout=30)
    assert rm.returncode == 0
    again = subprocess.run([str(BINARY), "events", "detectors", "remove", "--data-dir", data, "freezer-warm"],
                           capture_output=True, text=True, timeout=30)
    assert again.returncode == 1 and "no detector" in again.stderr


def test_bad_detectors_file_is_reported(tmp_path):
    (tmp_path / "detectors.json").write_text('[{"id": "x", "threshold": {"metric": "t", "direction": "up", "threshold": 1}}]')
    run = subprocess.run([str(BINARY), "events", "replay", "--data-dir", str(tmp_path / "data"),
                          "--detectors", str(tmp_path / "detectors.json"), "--input", "-"],
                         input="", capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert "invalid detector" in run.stderr and "direction" in run.stderr
