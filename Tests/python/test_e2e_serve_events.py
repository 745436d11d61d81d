"""`lorikeet serve` feeds the event detectors stored in <data-dir>/events.sqlite.

A threshold detector (temperature_3 > 30 °C, no duration) and an absence detector (no uplink for
2 s) are imported with `lorikeet events detectors import`; serve runs with `--alert-webhook` to a
local receiver. A device joins and sends a Cayenne LPP uplink with 35 °C: the webhook arrives with a
valid HMAC-SHA256 signature and the alert is published on MQTT under
application/{app}/device/{devEui}/event/alert. Two seconds of silence then fire the absence alert,
noticed by serve's periodic tick.
"""
import base64
import hashlib
import hmac
import json
import os
import queue
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

import paho.mqtt.client as mqtt

from test_e2e_serve import frm_crypt
from test_events_hooks import Receiver
from test_ns_udp import (open_join_accept, APP_KEY, BINARY, DEV_EUI, GATEWAY, JOIN_EUI, REPO, aes_encrypt, data_mic, free_port,
                         join_request, lorikeet, push_data, recv)

SECRET = "serve-alert-secret"
DETECTORS = [
    {"id": "too-hot", "severity": "critical",
     "threshold": {"metric": "temperature_3", "direction": "above", "threshold": 30, "durationSeconds": 0}},
    {"id": "silent", "absence": {"metric": "uplink", "timeoutSeconds": 2}},
]


def test_serve_feeds_detectors_webhook_and_mqtt():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-e2e-events-")
    udp, http, mq = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    config = os.path.join(data_dir, "server.json")
    with open(config, "w") as f:
        json.dump({"broker": {"port": mq, "webSocketPort": None,
                              "users": [{"username": "farm", "password": "s3cret", "role": "application", "applicationID": "farm"}]},
                   "networkServer": {"deduplicationWindowMillis": 50}}, f)
    detectors = os.path.join(data_dir, "detectors.json")
    with open(detectors, "w") as f:
        json.dump(DETECTORS, f)
    for args in (["application", "add", "--id", "farm"],
                 ["device-profile", "add", "--id", "lpp", "--region", "EU868", "--codec", "cayenne-lpp"],
                 ["device", "add", "--dev-eui", DEV_EUI, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "lpp",
                  "--app-key", APP_KEY.hex()],
                 ["events", "detectors", "import", detectors]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr

    receiver = Receiver()
    proc = subprocess.Popen([BINARY, "serve", "--config", config, "--data-dir", data_dir, "--udp-port", str(udp),
                             "--http-port", str(http), "--alert-webhook", receiver.url, "--alert-secret", SECRET,
                             "--log-level", os.environ.get("E2E_LOG", "warning")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    messages = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="e2e-events")
    gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=1)
                break
            except Exception:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.time() < deadline, "server did not start"
                time.sleep(0.1)
        client.on_message = lambda c, u, m: messages.put((m.topic, m.payload))
        client.username_pw_set("farm", "s3cret")
        client.connect("127.0.0.1", mq)
        client.subscribe(f"application/farm/device/{DEV_EUI}/event/alert", qos=1)
        client.loop_start()
        time.sleep(0.2)  # let the SUBSCRIBE land

        gw.bind(("127.0.0.1", 0))
        addr = ("127.0.0.1", udp)
        gw.sendto(bytes([2, 0x12, 0x34, 0x02]) + GATEWAY, addr)
        assert recv(gw) == bytes([2, 0x12, 0x34, 0x04])  # PULL_ACK
        dev_nonce = 0x0051
        gw.sendto(push_data(0x0001, join_request(dev_nonce), tmst=4_000_000), addr)
        assert recv(gw) == bytes([2, 0, 1, 1])
        resp = recv(gw)
        txpk = json.loads(resp[4:])["txpk"]
        gw.sendto(bytes([2]) + resp[1:3] + b"\x05" + GATEWAY, addr)
        dev_addr, nwk_s_key, app_s_key = open_join_accept(base64.b64decode(txpk["data"]), dev_nonce)

        # Cayenne LPP temperature on channel 3: 0x015E = 350 → 35.0 °C (decoded as temperature_3).
        payload = bytes.fromhex("0367015E")
        fhdr = dev_addr + bytes([0x00]) + struct.pack("<H", 0)
        m = bytes([0x40]) + fhdr + bytes([1]) + frm_crypt(app_s_key, dev_addr, 0, 0, payload)
        sent_at = time.time()
        gw.sendto(push_data(0x0002, m + data_mic(nwk_s_key, dev_addr, 0, m), tmst=20_000_000), addr)
        assert recv(gw) == bytes([2, 0x00, 0x02, 0x01])

        # The threshold alert on MQTT, in the device's application, QoS 1.
        topic, body = messages.get(timeout=10)
        assert topic == f"application/farm/device/{DEV_EUI}/event/alert"
        fired = json.loads(body)
        assert fired["transition"] == "fired"
        assert fired["alert"]["detectorID"] == "too-hot" and fired["alert"]["device"] == DEV_EUI
        assert fired["alert"]["value"] == 35.0 and fired["alert"]["severity"] == "critical"
        assert fired["idempotencyKey"] == fired["alert"]["id"] + "/fired"

        # The same transition reached the webhook, signed with the secret.
        deadline = time.time() + 10
        while not receiver.requests and time.time() < deadline:
            time.sleep(0.05)
        assert receiver.requests, "no webhook request"
        request = receiver.requests[0]
        headers, raw = request["headers"], request["body"]
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Lorikeet-Signature"], expected)
        assert headers["X-Lorikeet-Signature"] != "sha256=" + hmac.new(b"wrong", raw, hashlib.sha256).hexdigest()
        assert headers["Idempotency-Key"] == fired["idempotencyKey"] and headers["X-Lorikeet-Event"] == "fired"
        assert json.loads(raw) == fired

        # Silence: the absence detector fires from serve's tick, about 2 s after the uplink arrived.
        topic, body = messages.get(timeout=10)
        silent = json.loads(body)
        assert topic == f"application/farm/device/{DEV_EUI}/event/alert"
        assert silent["transition"] == "fired" and silent["alert"]["detectorID"] == "silent"
        assert time.time() - sent_at >= 1.9
        deadline = time.time() + 10
        while len(receiver.requests) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert [r["headers"]["Idempotency-Key"] for r in receiver.requests] == [fired["idempotencyKey"], silent["idempotencyKey"]]
    finally:
        gw.close()
        client.loop_stop()
        client.disconnect()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        receiver.close()
        if os.environ.get("E2E_LOG"):
            print(proc.stdout.read().decode()[-6000:])

    # The alerts are durable in events.sqlite and both outbox hooks delivered.
    r = subprocess.run([BINARY, "events", "list", "--data-dir", data_dir], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert sorted(json.loads(l)["detectorID"] for l in r.stdout.splitlines()) == ["silent", "too-hot"]
