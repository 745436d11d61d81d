"""Shared helpers for the rules/events tests that drive `lorikeet serve`: start and stop the server
with ephemeral ports, call the HTTP API with the admin key, publish and collect MQTT messages."""
import json
import os
import queue
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import paho.mqtt.client as mqtt

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(REPO, ".build", "debug", "lorikeet")
MQTT_USER, MQTT_PASSWORD = "ops", "ops-secret"
RULE_SECRET = "rule-webhook-secret"


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def lorikeet(*args, data_dir):
    return subprocess.run([BINARY, *args, "--data-dir", data_dir], cwd=REPO, capture_output=True, text=True, timeout=60)


class Server:
    """`lorikeet serve` in a temporary data directory; start() again after kill() reuses it."""

    def __init__(self, data_dir=None, config=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="lorikeet-rules-")
        self.udp, self.http, self.mqtt = free_port(socket.SOCK_DGRAM), free_port(), free_port()
        base = {"broker": {"port": self.mqtt, "webSocketPort": None,
                           "users": [{"username": MQTT_USER, "password": MQTT_PASSWORD, "role": "admin"}]},
                "networkServer": {"deduplicationWindowMillis": 50},
                "ruleWebhooks": {"secret": RULE_SECRET, "timeoutSeconds": 2,
                                 "retry": {"baseDelayMillis": 200, "maxDelayMillis": 400, "multiplier": 2, "jitter": 0, "maxAttempts": 100}}}
        for k, v in (config or {}).items():
            base[k] = v
        self.config_path = os.path.join(self.data_dir, "server.json")
        with open(self.config_path, "w") as f:
            json.dump(base, f)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BINARY, "serve", "--config", self.config_path, "--data-dir", self.data_dir,
                                      "--udp-port", str(self.udp), "--http-port", str(self.http),
                                      "--log-level", os.environ.get("E2E_LOG", "warning")],
                                     cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stdout.read().decode())
                if time.time() > deadline:
                    self.proc.kill()
                    raise RuntimeError("server did not start")
                time.sleep(0.1)
        with open(os.path.join(self.data_dir, "admin.key")) as f:
            self.key = f.read().strip()
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def api(self, method, path, body=None, raw=None):
        """Returns (status, parsed JSON or None)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, (json.loads(text) if text else None)

    def mqtt_client(self, client_id, *subscriptions):
        """A connected paho client; messages land in client.messages (a queue of (topic, payload))."""
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        client.messages = queue.Queue()
        subscribed = queue.Queue()
        client.on_message = lambda c, u, m: c.messages.put((m.topic, m.payload))
        client.on_subscribe = lambda c, u, mid, codes, props: subscribed.put(mid)
        client.username_pw_set(MQTT_USER, MQTT_PASSWORD)
        client.connect("127.0.0.1", self.mqtt)
        client.loop_start()
        for s in subscriptions:
            client.subscribe(s, qos=1)
            subscribed.get(timeout=5)
        return client


def wait_for(predicate, timeout=10.0, step=0.05, what="condition"):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def drain(q, timeout):
    """Everything that arrives on a queue within `timeout` seconds."""
    out = []
    deadline = time.time() + timeout
    while True:
        remaining = deadline - time.time()
        if remaining <= 0:
            return out
        try:
            out.append(q.get(timeout=remaining))
        except queue.Empty:
            return out
