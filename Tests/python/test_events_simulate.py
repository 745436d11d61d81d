"""Event detectors in `lorikeet serve`, driven by `lorikeet simulate` over real packet-forwarder UDP.

Two ABP devices with a Cayenne LPP profile are provisioned; detectors are created through the HTTP
API (so they start without a restart). The simulator sends real, encrypted uplinks:
- 35.0 °C for longer than the threshold's 1 s duration → a `fired` alert (webhook, signed); then
  20.0 °C → `resolved`;
- a device that stops → an absence alert after 2 s of silence (noticed by serve's 1 s tick), and
  its next uplink resolves it.
Durations are seconds so the whole test runs in about fifteen seconds.
"""
import json
import os
import subprocess

from rules_support import BINARY, REPO, Server, lorikeet, wait_for
from test_events_hooks import Receiver, signature

HOT = "0167015e"    # Cayenne LPP channel 1 temperature 35.0 °C (0x015e = 350 × 0.1)
MILD = "016700c8"   # 20.0 °C


def devices(f_cnt):
    return [{"dev_eui": f"00000000000000b{i}", "dev_addr": f"0200000{i}", "nwk_s_key": "00112233445566778899aabbccddee0" + str(i),
             "app_s_key": "ffeeddccbbaa998877665544332211" + f"0{i}", "application_id": "cold", "device_profile_id": "lpp",
             "f_cnt": f_cnt} for i in range(2)]


def simulate(server, path, payload, duration, interval=0.25):
    r = subprocess.run([BINARY, "simulate", "--server", f"127.0.0.1:{server.udp}", "--devices-file", path, "--interval", str(interval),
                        "--duration", str(duration), "--payload", "hex:" + payload], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["pushAcks"] == report["uplinksSent"] > 0
    return report


def alerts(server, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    status, page = server.api("GET", "/api/alerts?" + query)
    assert status == 200, page
    return page["items"]


def test_threshold_and_absence_detectors_over_udp():
    receiver = Receiver()
    server = Server(config={"alertWebhook": {"url": receiver.url, "secret": "s3cr3t-for-tests"}})
    path = os.path.join(server.data_dir, "devices.json")
    with open(path, "w") as f:
        json.dump(devices(0), f)
    for args in (["application", "add", "--id", "cold"],
                 ["device-profile", "add", "--id", "lpp", "--region", "EU868", "--codec", "cayenne-lpp"],
                 ["device", "import", path]):
        r = lorikeet(*args, data_dir=server.data_dir)
        assert r.returncode == 0, r.stderr
    server.start()
    try:
        hot = {"id": "too-warm", "severity": "critical", "scope": {"application": "cold"},
               "threshold": {"metric": "temperature_1", "direction": "above", "threshold": 30, "durationSeconds": 1, "hysteresis": 2}}
        silent = {"id": "silent", "scope": {"device": "00000000000000b1"}, "absence": {"timeoutSeconds": 2}}
        for d in (hot, silent):
            status, body = server.api("POST", "/api/detectors", d)
            assert status == 201, body

        # Over the threshold for longer than the duration: one alert per device, fired once.
        simulate(server, path, HOT, duration=2.0)
        fired = wait_for(lambda: len(alerts(server, detectorId="too-warm", state="firing")) == 2 and
                         alerts(server, detectorId="too-warm", state="firing"), what="threshold alerts")
        assert sorted(a["device"] for a in fired) == ["00000000000000b0", "00000000000000b1"]
        assert all(a["value"] == 35 and a["severity"] == "critical" and a["detectorType"] == "threshold" for a in fired)

        # Back under the threshold (beyond the hysteresis): resolved.
        with open(path, "w") as f:
            json.dump(devices(100), f)
        simulate(server, path, MILD, duration=1.0)
        wait_for(lambda: len(alerts(server, detectorId="too-warm", state="resolved")) == 2, what="threshold alerts resolved")
        assert alerts(server, detectorId="too-warm", state="firing") == []

        # Device b1 stops: the absence detector fires after 2 s without an uplink.
        absent = wait_for(lambda: alerts(server, detectorId="silent", state="firing"), timeout=8, what="absence alert")
        assert [a["device"] for a in absent] == ["00000000000000b1"]
        assert absent[0]["detectorType"] == "absence"

        # Its next uplink resolves it.
        with open(path, "w") as f:
            json.dump(devices(200), f)
        simulate(server, path, MILD, duration=0.5)
        wait_for(lambda: alerts(server, detectorId="silent", state="resolved"), what="absence resolved")

        # The webhook heard every transition, signed, once per idempotency key.
        keys = wait_for(lambda: len(receiver.processed) == 6 and receiver.processed, what="six webhook deliveries")
        kinds = sorted(k.split(":")[0] + "/" + k.rsplit("/", 1)[1] for k in keys)
        assert kinds == ["silent/fired", "silent/resolved", "too-warm/fired", "too-warm/fired",
                         "too-warm/resolved", "too-warm/resolved"], kinds
        for r in receiver.requests:
            assert r["headers"].get("X-Lorikeet-Signature") == signature(r["body"])
    finally:
        server.stop()
        receiver.close()
