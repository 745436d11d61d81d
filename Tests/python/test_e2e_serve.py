"""The whole product path of `lorikeet serve`, driven by independent clients.

A simulated gateway (Semtech UDP over loopback) and device (LoRaWAN 1.0.3 crypto computed here with
`cryptography`, helpers shared with test_ns_udp.py) join and send a Cayenne LPP uplink; a paho MQTT
client receives the ChirpStack v4 `event/up` JSON with the decoded `object`, publishes a
`command/down` that comes back in the PULL_RESP after the next uplink, and a malformed command
produces a `log` event. The stored metric is read with `lorikeet query` and `POST /api/query`.
"""
import base64
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
import pytest

from test_ns_udp import (open_join_accept, APP_KEY, BINARY, DEV_EUI, GATEWAY, JOIN_EUI, REPO, aes_encrypt, data_mic, free_port,
                         join_request, lorikeet, push_data, recv)


def frm_crypt(key, dev_addr, fcnt, direction, payload):
    # LoRaWAN 1.0.3 §4.3.3.1: A_i = 0x01 | 0^4 | Dir | DevAddr | FCnt | 0x00 | i, S_i = aes128_encrypt(K, A_i)
    out = b""
    for i in range(0, len(payload), 16):
        a = bytes([1, 0, 0, 0, 0, direction]) + dev_addr + struct.pack("<I", fcnt) + bytes([0, i // 16 + 1])
        s = aes_encrypt(key, a)
        out += bytes(x ^ y for x, y in zip(payload[i:i + 16], s))
    return out


@pytest.fixture
def stack():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-e2e-")
    udp, http, mq = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    config = os.path.join(data_dir, "server.json")
    with open(config, "w") as f:
        # Application isolation: only farm's user (or an admin) may use application/farm/… topics.
        json.dump({"broker": {"port": mq, "webSocketPort": None,
                              "users": [{"username": "farm", "password": "s3cret", "role": "application", "applicationID": "farm"}]},
                   "networkServer": {"deduplicationWindowMillis": 50},
                   # farm keeps its temperatures and the RSSI only (no snr, frequency, dr, gateway_count).
                   "telemetryMetrics": {"farm": ["temperature_3", "temperature_5", "rssi"]}}, f)
    for args in (["application", "add", "--id", "farm"],
                 ["device-profile", "add", "--id", "lpp", "--region", "EU868", "--codec", "cayenne-lpp"],
                 ["device", "add", "--dev-eui", DEV_EUI, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "lpp",
                  "--app-key", APP_KEY.hex()],
                 # A persisted rule over the server's own events, republishing through the bus.
                 ["rules", "add", "--json", json.dumps({
                     "name": "too_warm",
                     "sql": "SELECT object.temperature_3 AS t, topic(4) AS dev FROM 'application/+/device/+/event/up' "
                            "WHERE object.temperature_3 > 28",
                     "actions": [{"republish": {"topic": "application/farm/warm/${topic(4)}"}}]})],
                 # A rule whose republish matches its own filter: it must fire once, not forever.
                 ["rules", "add", "--json", json.dumps({
                     "name": "echo", "sql": "SELECT n FROM 'application/farm/echo/#'",
                     "actions": [{"republish": {"topic": "application/farm/echo/again"}}]})]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([BINARY, "serve", "--config", config, "--data-dir", data_dir, "--udp-port", str(udp),
                             "--http-port", str(http), "--log-level", os.environ.get("E2E_LOG", "warning")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=1)
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stdout.read().decode())
                if time.time() > deadline:
                    raise RuntimeError("server did not start")
                time.sleep(0.1)
        yield {"data_dir": data_dir, "udp": udp, "http": http, "mqtt": mq}
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if os.environ.get("E2E_LOG"):
            print(proc.stdout.read().decode()[-6000:])


def test_uplink_to_mqtt_codec_downlink_and_telemetry(stack):
    messages = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="e2e")
    client.on_message = lambda c, u, m: messages.put((m.topic, m.payload))
    client.username_pw_set("farm", "s3cret")
    client.connect("127.0.0.1", stack["mqtt"])
    client.subscribe("application/#", qos=0)
    client.subscribe("gateway/#", qos=0)
    client.loop_start()

    seen = []

    def expect(topic_suffix, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                topic, payload = messages.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            seen.append(topic)
            if topic.endswith(topic_suffix):
                return topic, json.loads(payload)
        raise AssertionError(f"no message on …{topic_suffix} (seen: {seen})")

    gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gw.bind(("127.0.0.1", 0))
    addr = ("127.0.0.1", stack["udp"])
    try:
        time.sleep(0.2)  # let the SUBSCRIBEs land before traffic starts
        gw.sendto(bytes([2, 0x12, 0x34, 0x02]) + GATEWAY, addr)
        assert recv(gw) == bytes([2, 0x12, 0x34, 0x04])  # PULL_ACK
        topic, state = expect("/state/conn")
        assert topic == f"gateway/{GATEWAY.hex()}/state/conn" and state["state"] == "ONLINE"

        # Join.
        dev_nonce = 0x0042
        gw.sendto(push_data(0x0001, join_request(dev_nonce), tmst=4_000_000), addr)
        assert recv(gw) == bytes([2, 0, 1, 1])
        resp = recv(gw)
        txpk = json.loads(resp[4:])["txpk"]
        gw.sendto(bytes([2]) + resp[1:3] + b"\x05" + GATEWAY, addr)
        dev_addr, nwk_s_key, app_s_key = open_join_accept(base64.b64decode(txpk["data"]), dev_nonce)
        topic, join = expect("/event/join")
        assert topic == f"application/farm/device/{DEV_EUI}/event/join"
        assert join["devAddr"] == dev_addr[::-1].hex()

        def uplink(fcnt, token, tmst, payload, fport=1):
            fhdr = dev_addr + bytes([0x00]) + struct.pack("<H", fcnt)
            m = bytes([0x40]) + fhdr + bytes([fport]) + frm_crypt(app_s_key, dev_addr, fcnt, 0, payload)
            gw.sendto(push_data(token, m + data_mic(nwk_s_key, dev_addr, fcnt, m), tmst=tmst), addr)
            assert recv(gw) == bytes([2]) + struct.pack(">H", token) + b"\x01"

        # Cayenne LPP documentation example: two temperature sensors (27.2 °C and 25.5 °C).
        uplink(0, 0x0002, 20_000_000, bytes.fromhex("03670110056700FF"))
        topic, up = expect("/event/up")
        assert topic == f"application/farm/device/{DEV_EUI}/event/up"
        assert up["object"] == {"temperature_3": 27.2, "temperature_5": 25.5}
        assert up["deviceInfo"]["devEui"] == DEV_EUI and up["deviceInfo"]["applicationId"] == "farm"
        assert up["fCnt"] == 0 and up["fPort"] == 1 and base64.b64decode(up["data"]) == bytes.fromhex("03670110056700FF")
        assert up["rxInfo"][0]["gatewayId"] == GATEWAY.hex() and up["rxInfo"][0]["rssi"] == -60

        # A payload the codec rejects: a log event, and the server carries on.
        uplink(1, 0x0003, 30_000_000, bytes.fromhex("03ff"))
        _, log = expect("/event/log")
        assert log["code"] == "UPLINK_CODEC" and "cayenne" in log["description"].lower()
        _, up = expect("/event/up")
        assert up["fCnt"] == 1 and "object" not in up

        # Malformed commands are answered with a log event saying why.
        down_topic = f"application/farm/device/{DEV_EUI}/command/down"
        client.publish(down_topic, json.dumps({"devEui": DEV_EUI, "fPort": 10, "data": "not base64!"}))
        _, log = expect("/event/log")
        assert log["code"] == "DOWNLINK_COMMAND" and "base64" in log["description"]
        client.publish(down_topic, b"{nope")
        _, log = expect("/event/log")
        assert "not JSON" in log["description"]

        # A downlink given as an object, encoded by the profile's codec (Cayenne LPP digital output).
        client.publish(down_topic, json.dumps({"devEui": DEV_EUI, "confirmed": False, "fPort": 10,
                                               "object": {"digital_output_4": 1}}))
        time.sleep(0.3)  # the command travels MQTT → bus → queue before the next uplink
        uplink(2, 0x0004, 40_000_000, bytes.fromhex("0367011a"))
        resp = recv(gw)
        assert resp[3] == 0x03
        txpk = json.loads(resp[4:])["txpk"]
        assert txpk["tmst"] == 41_000_000
        down = base64.b64decode(txpk["data"])
        assert down[0] == 0x60 and down[1:5] == dev_addr
        fopts_len = down[5] & 0x0F
        fport_at = 8 + fopts_len
        assert down[fport_at] == 10
        fcnt_down = struct.unpack("<H", down[6:8])[0]
        assert frm_crypt(app_s_key, dev_addr, fcnt_down, 1, down[fport_at + 1:-4]) == bytes([4, 1, 1])
        # The rule fired for 28.2 °C only (27.2 did not match its WHERE). The up event and the rule's
        # republish reach this subscriber through different broker paths, so either may come first.
        got = {}
        before = len(seen)
        while len(got) < 2:
            topic, payload = expect("")
            for suffix in ("/event/up", "/warm/" + DEV_EUI):
                if topic.endswith(suffix) and suffix not in got:
                    got[suffix] = (topic, payload)
        assert got["/event/up"][1]["object"] == {"temperature_3": 28.2}
        topic, warm = got["/warm/" + DEV_EUI]
        assert topic == f"application/farm/warm/{DEV_EUI}" and warm == {"t": 28.2, "dev": DEV_EUI}
        assert not any("/warm/" in t for t in seen[:before]), "the rule fired for the 27.2 °C uplink"

        client.publish("application/farm/echo/start", json.dumps({"n": 1}))
        # The client's own message and the rule's republish may arrive in either order.
        _, echoed = expect("/echo/again")
        assert echoed == {"n": 1}
        with pytest.raises(AssertionError):
            expect("/echo/again", timeout=1.0)
    finally:
        gw.close()
        client.loop_stop()
        client.disconnect()

    # Telemetry: the decoded fields and radio metadata are in <data-dir>/telemetry.sqlite.
    r = lorikeet("query", "--format", "csv",
                 "SELECT metric, value FROM telemetry WHERE device = '%s' AND metric IN ('temperature_3', 'rssi') ORDER BY time, metric"
                 % DEV_EUI, data_dir=stack["data_dir"])
    assert r.returncode == 0, r.stderr
    rows = r.stdout.strip().splitlines()
    assert rows[0] == "metric,value"
    assert "temperature_3,27.2" in rows and "temperature_3,28.2" in rows and "rssi,-60.0" in rows
    r = lorikeet("query", "--format", "csv", "SELECT DISTINCT metric FROM telemetry ORDER BY metric", data_dir=stack["data_dir"])
    assert r.stdout.split() == ["metric", "rssi", "temperature_3", "temperature_5"]

    # The same through the HTTP API (admin key), as JSON and as CSV.
    key = open(os.path.join(stack["data_dir"], "admin.key")).read().strip()
    sql = "SELECT max(value) AS hottest FROM telemetry WHERE metric = 'temperature_3'"
    req = urllib.request.Request(f"http://127.0.0.1:{stack['http']}/api/query", data=json.dumps({"sql": sql}).encode(),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        assert json.loads(resp.read()) == [{"hottest": 28.2}]
    req = urllib.request.Request(f"http://127.0.0.1:{stack['http']}/api/query", data=sql.encode(),
                                 headers={"Authorization": f"Bearer {key}", "Accept": "text/csv", "Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.read().decode().splitlines() == ["hottest", "28.2"]
    req = urllib.request.Request(f"http://127.0.0.1:{stack['http']}/api/query", data=sql.encode())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 401
    req = urllib.request.Request(f"http://127.0.0.1:{stack['http']}/api/query", data=b"SELEKT nonsense",
                                 headers={"Authorization": f"Bearer {key}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 400
