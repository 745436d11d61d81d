"""Shared helpers for the broker end-to-end tests: start `lorikeet broker` on ephemeral ports with
a temporary configuration file, and a minimal raw MQTT client for byte-level checks (redelivery
flags, malformed input) that the real client libraries hide."""
import json
import os
import select
import socket
import struct
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# LORIKEET_BINARY picks another build (e.g. the release binary for `make bench-broker-memory`).
BINARY = Path(os.environ.get("LORIKEET_BINARY", ROOT / ".build" / "debug" / "lorikeet"))

CONFIG = {
    "allowAnonymous": True,
    "maximumPacketSize": 4096,
    "maximumQueuedMessages": 50,
    "users": [
        {"username": "admin", "password": "adminpw", "role": "admin"},
        {"username": "app1", "password": "pw1", "role": "application", "applicationID": "1"},
        {"username": "app2", "passwordSHA256": "93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0", "role": "application", "applicationID": "2"},
    ],
    "acl": [
        {"effect": "deny", "action": "subscribe", "topic": "secret/#", "role": "anonymous"},
        {"effect": "deny", "action": "publish", "topic": "readonly/#", "role": "anonymous"},
    ],
}


class Broker:
    def __init__(self, tmp_path, config=None):
        cfg = tmp_path / "broker.json"
        cfg.write_text(json.dumps(config or CONFIG))
        self.binary = BINARY
        self.proc = subprocess.Popen(
            [str(BINARY), "broker", "--port", "0", "--ws-port", "0", "--config", str(cfg), "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "broker listening" not in line:
            self.proc.kill()
            raise RuntimeError(f"broker did not start: {line!r}")
        fields = dict(f.split("=", 1) for f in line.split()[2:])
        self.port = int(fields["port"])
        self.ws_port = int(fields["ws-port"])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- raw MQTT encoding (MQTT 3.1.1 / 5.0 chapter 3) -------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_str(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def connect(client_id, version=4, clean=True, keepalive=60, username=None, password=None, session_expiry=None):
    flags = (0x02 if clean else 0) | (0x80 if username else 0) | (0x40 if password else 0)
    body = mqtt_str("MQTT") + bytes([version, flags]) + struct.pack(">H", keepalive)
    if version == 5:
        props = b"" if session_expiry is None else b"\x11" + struct.pack(">I", session_expiry)
        body += varint(len(props)) + props
    body += mqtt_str(client_id)
    if username:
        body += mqtt_str(username)
    if password:
        body += mqtt_str(password)
    return packet(0x10, body)


def subscribe(pid, topic, qos, version=4):
    body = struct.pack(">H", pid) + (b"\x00" if version == 5 else b"") + mqtt_str(topic) + bytes([qos])
    return packet(0x82, body)


def publish(topic, payload, qos=0, pid=1, version=4, retain=False):
    body = mqtt_str(topic) + (struct.pack(">H", pid) if qos else b"") + (b"\x00" if version == 5 else b"") + payload
    return packet(0x30 | (qos << 1) | (1 if retain else 0), body)


def ack(kind, pid):
    first = {"puback": 0x40, "pubrec": 0x50, "pubrel": 0x62, "pubcomp": 0x70}[kind]
    return packet(first, struct.pack(">H", pid))


class RawClient:
    """A socket that reads whole MQTT packets as (first_byte, body)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_packet(self, timeout=5.0):
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 2:
                n, shift, i = 0, 0, 1
                while i < len(self.buf) and i <= 4:
                    b = self.buf[i]
                    n |= (b & 0x7F) << shift
                    shift += 7
                    i += 1
                    if not b & 0x80:
                        if len(self.buf) >= i + n:
                            first, body = self.buf[0], self.buf[i:i + n]
                            self.buf = self.buf[i + n:]
                            return first, body
                        break
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError("no packet")
            r, _, _ = select.select([self.sock], [], [], remaining)
            if not r:
                raise TimeoutError("no packet")
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def is_closed(self, timeout=3.0):
        """True when the broker closed the connection (after any packets still in flight)."""
        try:
            while True:
                self.read_packet(timeout)
        except ConnectionError:
            return True
        except (TimeoutError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()
