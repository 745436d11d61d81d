"""Helpers for the HTTP API tests: start `lorikeet serve` on ephemeral ports and call it."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

BINARY = os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "lorikeet")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, extra_env=None, config=None, data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="lorikeet-api-")
        self.http = free_port()
        self.mqtt = free_port()
        self.udp = free_port(socket.SOCK_DGRAM)
        args = [BINARY, "serve", "--data-dir", self.data_dir, "--udp-port", str(self.udp), "--http-port", str(self.http),
                "--mqtt-port", str(self.mqtt), "--mqtt-ws-port", "off"]
        if config is not None:
            path = os.path.join(self.data_dir, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        env = dict(os.environ)
        env.update(extra_env or {})
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(open(self.log_path).read())
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("server did not start")
        self.admin_key = open(os.path.join(self.data_dir, "admin.key")).read().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def logs(self):
        return open(self.log_path, "rb").read().decode(errors="replace")

    def call(self, method, path, body=None, key="admin", raw=None, headers=None):
        """Returns (status, parsed JSON or text). key: "admin", None (no header) or a secret."""
        h = dict(headers or {})
        if key == "admin":
            key = self.admin_key
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text


def lorikeet(*args, data_dir):
    return subprocess.run([BINARY, *args, "--data-dir", data_dir], cwd=REPO, capture_output=True, text=True, timeout=60)
