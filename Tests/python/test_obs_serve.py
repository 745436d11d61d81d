"""Observability of `lorikeet serve` over real sockets: /readyz, /metrics after real traffic, and the
Server-Sent Events stream at /api/stream (filters, pings, a client that never reads).

Traffic is produced independently of the Swift code: ABP devices are imported with
`lorikeet device import`, and this test builds their LoRaWAN 1.0.3 data uplinks itself (FRMPayload
encryption and MIC with `cryptography`) and sends them as Semtech PUSH_DATA over UDP, once through
two gateways to exercise deduplication. The SSE client is a plain socket speaking HTTP/1.1 with
chunked transfer decoding, so nothing from the server side is reused to read the stream.
"""
import base64
import json
import os
import queue
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

from test_e2e_serve import frm_crypt
from test_ns_udp import BINARY, REPO, data_mic, free_port, lorikeet, recv

GW1 = bytes.fromhex("aa555a00000000e1")
GW2 = bytes.fromhex("aa555a00000000e2")
DEVICES = {
    # dev_eui: (application, dev_addr as printed, NwkSKey, AppSKey)
    "00000000000000a1": ("alpha", "01000001", "000102030405060708090a0b0c0d0e01", "f0e0d0c0b0a090807060504030201001"),
    "00000000000000a2": ("alpha", "01000002", "000102030405060708090a0b0c0d0e02", "f0e0d0c0b0a090807060504030201002"),
    "00000000000000b1": ("beta", "01000003", "000102030405060708090a0b0c0d0e03", "f0e0d0c0b0a090807060504030201003"),
}
# A fleet in alpha for the load test: one uplink per device per batch, so no device has two uplinks in
# flight (the network server may finish two deduplication windows of one device out of order).
FLEET = [f"0000000000000c{i:02x}" for i in range(40)]
DEVICES.update({eui: ("alpha", f"0200{i:04x}", f"00112233445566778899aabbccdd{i:04x}", f"ffeeddccbbaa99887766554433{i:06x}")
                for i, eui in enumerate(FLEET)})


def rxpk_datagram(gateway, token, phy, tmst, rssi=-60):
    rxpk = {"tmst": tmst, "freq": 868.1, "chan": 0, "rfch": 0, "stat": 1, "modu": "LORA", "datr": "SF7BW125",
            "codr": "4/5", "rssi": rssi, "lsnr": 7.5, "size": len(phy), "data": base64.b64encode(phy).decode()}
    return bytes([2]) + struct.pack(">H", token) + b"\x00" + gateway + json.dumps({"rxpk": [rxpk]}).encode()


def data_uplink(dev_eui, fcnt, payload, fport=1):
    _, addr_hex, nwk, app = DEVICES[dev_eui]
    dev_addr = bytes.fromhex(addr_hex)[::-1]  # DevAddr is little-endian in the frame
    nwk_s_key, app_s_key = bytes.fromhex(nwk), bytes.fromhex(app)
    m = bytes([0x40]) + dev_addr + bytes([0x00]) + struct.pack("<H", fcnt) + bytes([fport]) + \
        frm_crypt(app_s_key, dev_addr, fcnt, 0, payload)
    return m + data_mic(nwk_s_key, dev_addr, fcnt, m)


class SSEClient:
    """GET over a plain socket; a thread decodes chunked transfer encoding and SSE records into a queue."""

    def __init__(self, port, path, key, read=True, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                          f"Authorization: Bearer {key}\r\n\r\n".encode())
        self.events = queue.Queue()
        self.comments = queue.Queue()
        self.status = None
        self.headers = {}
        self.buf = b""
        self.sock.settimeout(10)
        head = self._read_until(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
        if read:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()

    def _read_until(self, marker):
        while marker not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _read_exact(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _run(self):
        text = ""
        try:
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    break
                text += self._read_exact(size).decode()
                self._read_exact(2)
                while "\n\n" in text:
                    record, text = text.split("\n\n", 1)
                    fields = {}
                    for line in record.split("\n"):
                        if line.startswith(":"):
                            self.comments.put(line[1:].strip())
                        elif ":" in line:
                            k, v = line.split(":", 1)
                            fields[k] = v[1:] if v.startswith(" ") else v
                    if "event" in fields:
                        self.events.put((fields["event"], json.loads(fields["data"])))
        except (EOFError, OSError, socket.timeout):
            pass
        self.events.put(None)

    def next_event(self, timeout=5.0):
        item = self.events.get(timeout=timeout)
        assert item is not None, "stream closed"
        return item

    def no_event(self, wait=0.5):
        try:
            item = self.events.get(timeout=wait)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected event {item}")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def http_get(port, path, key=None, timeout=5):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def metric_value(text, name, labels=""):
    m = re.search(r"^" + re.escape(name + labels) + r" ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else None


@pytest.fixture(scope="module")
def serve():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-obs-")
    devices = [{"dev_eui": eui, "dev_addr": addr, "nwk_s_key": nwk, "app_s_key": app, "application_id": appid,
                "device_profile_id": "eu"} for eui, (appid, addr, nwk, app) in DEVICES.items()]
    path = os.path.join(data_dir, "devices.json")
    with open(path, "w") as f:
        json.dump(devices, f)
    for args in (["application", "add", "--id", "alpha"], ["application", "add", "--id", "beta"],
                 ["device-profile", "add", "--id", "eu", "--region", "EU868"], ["device", "import", path],
                 ["rules", "add", "--json", json.dumps({"name": "count_ups", "sql": "SELECT fCnt FROM 'application/+/device/+/event/up'",
                                                        "actions": [{"republish": {"topic": "obs/ups"}}]})]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr
    config = os.path.join(data_dir, "server.json")
    with open(config, "w") as f:
        json.dump({"networkServer": {"deduplicationWindowMillis": 100},
                   "http": {"streamPingSeconds": 0.3, "streamBufferSize": 64}}, f)
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    proc = subprocess.Popen([BINARY, "serve", "--config", config, "--data-dir", data_dir, "--udp-port", str(udp),
                             "--http-port", str(http), "--mqtt-port", "0", "--mqtt-ws-port", "off", "--log-level", "warning"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # /readyz: 503 naming what is missing until every service is up, then exactly {"status":"ready"}.
        deadline = time.time() + 30
        seen_not_ready = []
        while True:
            try:
                status, _, body = http_get(http, "/readyz", timeout=1)
                if status == 200:
                    ready_body = body
                    break
                assert status == 503
                seen_not_ready.append(json.loads(body))
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode())
            assert time.time() < deadline, "server never became ready"
            time.sleep(0.05)
        key = open(os.path.join(data_dir, "admin.key")).read().strip()
        gateways = []
        for eui in (GW1, GW2):
            gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            gw.bind(("127.0.0.1", 0))
            gw.sendto(bytes([2, 0x12, 0x34, 0x02]) + eui, ("127.0.0.1", udp))
            assert recv(gw) == bytes([2, 0x12, 0x34, 0x04])  # PULL_ACK
            gateways.append(gw)
        yield {"proc": proc, "http": http, "udp": udp, "key": key, "gws": gateways, "data_dir": data_dir,
               "ready_body": ready_body, "not_ready": seen_not_ready, "fcnt": {eui: 0 for eui in DEVICES}}
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def send_uplink(serve, dev_eui, payload=b"\x01\x02", via=(0,)):
    fcnt = serve["fcnt"][dev_eui]
    serve["fcnt"][dev_eui] = fcnt + 1
    phy = data_uplink(dev_eui, fcnt, payload)
    for i in via:
        serve["gws"][i].sendto(rxpk_datagram((GW1, GW2)[i], 0x1000 + fcnt, phy, tmst=1_000_000 + fcnt), ("127.0.0.1", serve["udp"]))
        assert recv(serve["gws"][i])[3] == 0x01  # PUSH_ACK
    return fcnt


def test_readyz_reports_ready_once_every_service_is_up(serve):
    assert json.loads(serve["ready_body"]) == {"status": "ready"}
    for body in serve["not_ready"]:
        assert body["status"] == "not_ready" and body["notReady"]
        assert set(body["notReady"]) <= {"udp_bridge", "broker", "telemetry_store", "http"}
    status, headers, body = http_get(serve["http"], "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_stream_delivers_events_filtered_by_application_device_and_type(serve):
    port, key = serve["http"], serve["key"]
    everything = SSEClient(port, "/api/stream", key)
    alpha = SSEClient(port, "/api/stream?applicationId=alpha&types=up", key)
    one_device = SSEClient(port, "/api/stream?devEui=00000000000000B1", key)
    only_joins = SSEClient(port, "/api/stream?types=join", key)
    try:
        for c in (everything, alpha, one_device, only_joins):
            assert c.status == 200
            assert c.headers["content-type"] == "text/event-stream"
        a1 = send_uplink(serve, "00000000000000a1", b"\x11")
        b1 = send_uplink(serve, "00000000000000b1", b"\x22")
        got = {}
        for _ in range(2):
            kind, event = everything.next_event()
            assert kind == "up"
            got[event["deviceInfo"]["devEui"]] = event
        assert got["00000000000000a1"]["fCnt"] == a1 and base64.b64decode(got["00000000000000a1"]["data"]) == b"\x11"
        assert got["00000000000000a1"]["deviceInfo"]["applicationId"] == "alpha"
        assert got["00000000000000b1"]["fCnt"] == b1 and got["00000000000000b1"]["deviceInfo"]["applicationId"] == "beta"
        # The ChirpStack v4 up event as published on MQTT.
        for field in ("deduplicationId", "time", "deviceInfo", "devAddr", "fCnt", "fPort", "data", "rxInfo", "txInfo"):
            assert field in got["00000000000000a1"], field

        kind, event = alpha.next_event()
        assert kind == "up" and event["deviceInfo"]["devEui"] == "00000000000000a1"
        alpha.no_event()
        kind, event = one_device.next_event()
        assert event["deviceInfo"]["devEui"] == "00000000000000b1"
        one_device.no_event(0.1)
        only_joins.no_event(0.1)
        # Pings keep flowing on an idle stream (streamPingSeconds 0.3 in this server's config).
        assert only_joins.comments.get(timeout=3) == "connected"
        assert only_joins.comments.get(timeout=3) == "ping"
    finally:
        for c in (everything, alpha, one_device, only_joins):
            c.close()


def test_stream_refuses_bad_filters_and_missing_keys(serve):
    port, key = serve["http"], serve["key"]
    status, _, body = http_get(port, "/api/stream?types=up,nonsense", key)
    assert status == 400 and "invalid_parameter" in body and "nonsense" in body
    status, _, body = http_get(port, "/api/stream?devEui=123", key)
    assert status == 400 and "devEui" in body
    status, _, _ = http_get(port, "/api/stream")
    assert status == 401


def test_a_client_that_never_reads_does_not_stall_the_others(serve):
    port, key = serve["http"], serve["key"]
    stuck = SSEClient(port, "/api/stream", key, read=False, rcvbuf=1024)
    reader = SSEClient(port, "/api/stream?applicationId=alpha", key)
    try:
        # Batches of uplinks, each heard through two gateways and deduplicated into one event: the
        # reader gets every batch promptly while the other client reads nothing at all.
        batches, per_batch = 10, len(FLEET)
        for _ in range(batches):
            sent = {(eui, send_uplink(serve, eui, bytes(200), via=(0, 1))) for eui in FLEET}
            deadline = time.time() + 15
            while sent:
                try:
                    kind, event = reader.next_event(timeout=max(0.1, deadline - time.time()))
                except queue.Empty:
                    _, _, text = http_get(port, "/metrics", key)
                    ns = [l for l in text.splitlines() if l.startswith(("lorikeet_ns_uplinks", "lorikeet_api", "lorikeet_broker_messages")) and not l.endswith(" 0")]
                    comments = []
                    while not reader.comments.empty():
                        comments.append(reader.comments.get())
                    raise AssertionError(f"reader stalled: {sorted(sent)} of a batch of {per_batch} missing; {ns}; {[c for c in comments if c != 'ping']}")
                if kind == "up":
                    assert len(event["rxInfo"]) == 2
                    sent.discard((event["deviceInfo"]["devEui"], event["fCnt"]))
        # The server still answers at once.
        t0 = time.time()
        status, _, _ = http_get(port, "/readyz")
        assert status == 200 and time.time() - t0 < 2
        comments = []
        while not reader.comments.empty():
            comments.append(reader.comments.get())
        assert not any(c.startswith("dropped") for c in comments), "the reading client lost events"
        # The stuck client still counts as connected (its events wait in the kernel's send buffer,
        # which grows to net.ipv4.tcp_wmem's maximum, 4 MiB here, before its own bounded queue
        # fills and drops: StreamClientTests covers the dropping with a writer that never returns).
        _, _, text = http_get(port, "/metrics", key)
        assert metric_value(text, "lorikeet_api_stream_clients") == 2
    finally:
        stuck.close()
        reader.close()
    # Disconnected clients are cleaned up: the gauge of stream clients falls back.
    deadline = time.time() + 10
    while True:
        _, _, text = http_get(port, "/metrics", key)
        if metric_value(text, "lorikeet_api_stream_clients") == 0:
            break
        assert time.time() < deadline, "stream clients not cleaned up"
        time.sleep(0.2)


def test_metrics_after_traffic(serve):
    port, key = serve["http"], serve["key"]
    status, _, _ = http_get(port, "/metrics")
    assert status == 401
    # Some traffic of every kind the metrics count: an uplink heard by two gateways, a MIC failure,
    # an analytics query.
    send_uplink(serve, "00000000000000b1", b"\x33", via=(0, 1))
    bad = bytearray(data_uplink("00000000000000b1", serve["fcnt"]["00000000000000b1"], b"\x44"))
    bad[-1] ^= 0xFF
    serve["gws"][0].sendto(rxpk_datagram(GW1, 0x0777, bytes(bad), tmst=9_000_000), ("127.0.0.1", serve["udp"]))
    assert recv(serve["gws"][0])[3] == 0x01
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/query", data=json.dumps({"sql": "SELECT count(*) AS n FROM telemetry"}).encode(),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    deadline = time.time() + 10
    while True:
        status, headers, text = http_get(port, "/metrics", key)
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        if (metric_value(text, "lorikeet_ns_uplinks_dropped_total", '{reason="mic_mismatch"}') or 0) >= 1 and \
                (metric_value(text, "lorikeet_store_points_written_total") or 0) > 0:
            break
        assert time.time() < deadline, text
        time.sleep(0.2)
    expected = [
        ("lorikeet_ns_uplinks_total", '{type="data"}'),
        ("lorikeet_ns_uplinks_heard_total", ""),
        ("lorikeet_ns_uplinks_unique_total", ""),
        ("lorikeet_ns_dedup_ratio", ""),
        ("lorikeet_ns_uplinks_dropped_total", '{reason="mic_mismatch"}'),
        ("lorikeet_gw_udp_datagrams_total", '{type="push_data"}'),
        ("lorikeet_gw_uplink_frames_total", ""),
        ("lorikeet_broker_publishes_sent_total", ""),
        ("lorikeet_rules_evaluations_total", '{result="fired"}'),
        ("lorikeet_store_points_written_total", ""),
        ("lorikeet_api_stream_events_total", ""),
        ("lorikeet_analytics_query_duration_seconds_count", '{result="ok"}'),
    ]
    values = {name + labels: metric_value(text, name, labels) for name, labels in expected}
    missing = [k for k, v in values.items() if v is None]
    assert not missing, f"missing {missing} in:\n{text}"
    assert values["lorikeet_ns_uplinks_total{type=\"data\"}"] >= 3
    heard, unique = values["lorikeet_ns_uplinks_heard_total"], values["lorikeet_ns_uplinks_unique_total"]
    assert heard > unique > 0
    assert abs(values["lorikeet_ns_dedup_ratio"] - heard / unique) < 1e-6
    assert values["lorikeet_rules_evaluations_total{result=\"fired\"}"] >= 3
    # Every family is declared once, and with the lorikeet_ prefix.
    families = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    assert len(families) == len({f for f, _ in families})
    assert all(f.startswith("lorikeet_") for f, _ in families), families
    assert metric_value(text, "lorikeet_metrics_name_conflicts_total") == 0
    assert ("lorikeet_analytics_query_duration_seconds", "histogram") in families
    # Names the docs promise are the names served.
    doc = open(os.path.join(REPO, "docs", "observability.md")).read()
    for family, _ in families:
        assert family in doc, f"{family} is not documented in docs/observability.md"


def test_sigterm_ends_open_streams_and_stops(serve):
    client = SSEClient(serve["http"], "/api/stream", serve["key"])
    assert client.comments.get(timeout=3) == "connected"
    proc = serve["proc"]
    proc.terminate()
    assert proc.wait(timeout=15) == 0
    # The stream ended (terminating chunk or closed socket), it did not hold the server up.
    deadline = time.time() + 5
    while time.time() < deadline:
        item = client.events.get(timeout=5)
        if item is None:
            break
    client.close()
