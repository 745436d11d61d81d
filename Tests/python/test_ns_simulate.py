"""`lorikeet simulate` against `lorikeet serve`: ABP devices provisioned from one JSON file (through
`lorikeet device import`), then the same file drives the simulated gateway for a few seconds; the
server must acknowledge every PUSH_DATA and accept the uplinks (rows in the registry's `uplinks`)."""
import json
import os
import socket
import sqlite3
import subprocess
import tempfile
import time

from test_ns_udp import BINARY, REPO, free_port, lorikeet, start_server


def test_simulate_against_serve():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-sim-")
    devices = [{"dev_eui": f"00000000000000a{i}", "dev_addr": f"0100000{i}", "nwk_s_key": "00112233445566778899aabbccddee0" + str(i),
                "app_s_key": "ffeeddccbbaa998877665544332211" + f"0{i}", "application_id": "sim", "device_profile_id": "eu"}
               for i in range(3)]
    path = os.path.join(data_dir, "devices.json")
    with open(path, "w") as f:
        json.dump(devices, f)
    for args in (["application", "add", "--id", "sim"], ["device-profile", "add", "--id", "eu", "--region", "EU868"],
                 ["device", "import", path]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    proc = start_server(data_dir, udp, http)
    try:
        r = subprocess.run([BINARY, "simulate", "--server", f"127.0.0.1:{udp}", "--devices-file", path, "--interval", "0.5",
                            "--duration", "2", "--payload", "cayenne"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        report = json.loads(r.stdout.strip().splitlines()[-1])
        assert report["devices"] == 3
        assert report["uplinksSent"] >= 9
        assert report["pushAcks"] == report["uplinksSent"]
        assert report["pullAcks"] == 1
        # Uplinks are processed after the 200 ms deduplication window and committed every 50 ms.
        deadline = time.time() + 10
        while True:
            db = sqlite3.connect(os.path.join(data_dir, "registry.sqlite"))
            rows = dict(db.execute("SELECT dev_eui, COUNT(*) FROM uplinks GROUP BY dev_eui").fetchall())
            db.close()
            if sum(rows.values()) >= report["uplinksSent"] or time.time() > deadline:
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert sorted(rows) == sorted(d["dev_eui"].upper() for d in devices) or sorted(rows) == sorted(d["dev_eui"] for d in devices)
    assert sum(rows.values()) == report["uplinksSent"]


def test_simulate_rejects_a_bad_devices_file():
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write('[{"dev_eui": "zz"}]')
    r = subprocess.run([BINARY, "simulate", "--devices-file", f.name, "--duration", "1"], cwd=REPO, capture_output=True, text=True, timeout=30)
    os.unlink(f.name)
    assert r.returncode != 0
    assert "devices file" in r.stderr


def run_simulate(*args, timeout=120):
    return subprocess.run([BINARY, "simulate", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def serve_fresh():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-simotaa-")
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    return data_dir, udp, http, start_server(data_dir, udp, http)


def check_clean(report):
    assert report["failures"] == {"fCnt": 0, "malformed": 0, "mic": 0, "notViaBestGateway": 0, "timing": 0, "unexpectedAck": 0}
    assert report["losses"] == {"confirmedUnacknowledged": 0, "joinsUnanswered": 0, "pushDataUnacknowledged": 0}


def test_simulate_otaa_several_gateways_confirmed_uplinks():
    """OTAA 1.0.3 then 1.1 devices provisioned through the HTTP API, three gateways (each device heard
    by 1–3 of them), half the uplinks confirmed: every join answered and verified, every confirmed
    uplink ACKed in its window through its best gateway, and one registry row per frame however many
    gateways heard it (deduplication)."""
    data_dir, udp, http, proc = serve_fresh()
    key_file = os.path.join(data_dir, "admin.key")
    try:
        common = ["--target", f"127.0.0.1:{udp}", "--api", f"http://127.0.0.1:{http}", "--api-key-file", key_file,
                  "--gateways", "3", "--devices", "6", "--rate", "20", "--duration", "2", "--confirmed", "0.5"]
        r = run_simulate(*common)
        assert r.returncode == 0, r.stderr + r.stdout
        report = json.loads(r.stdout.strip().splitlines()[-1])
        check_clean(report)
        assert report["macVersion"] == "1.0.3" and report["joins"] == 6 and report["joinRequests"] == 6
        assert report["uplinksSent"] >= 35 and report["confirmedSent"] == report["uplinksSent"] // 2
        assert report["uplinksAcknowledged"] == report["confirmedSent"]
        # Device i is heard by 1 + i % 3 gateways; uplink k comes from device k % 6.
        copies = sum(1 + (k % 6) % 3 for k in range(report["uplinksSent"])) + sum(1 + i % 3 for i in range(6))
        assert report["pushDataSent"] == report["pushAcks"] == copies
        assert report["pullAcks"] >= 3 and report["txAcks"] == report["downlinks"] >= report["joins"] + report["confirmedSent"]
        lat = report["latencyMillis"]
        assert lat["count"] >= report["confirmedSent"] and 0 < lat["p50"] <= lat["p99"] <= lat["max"] < 2000
        first_sent = report["uplinksSent"]

        # The same devices as LoRaWAN 1.1 (re-created with new keys: runs are repeatable).
        r = run_simulate(*common, "--mac-version", "1.1.0")
        assert r.returncode == 0, r.stderr + r.stdout
        report = json.loads(r.stdout.strip().splitlines()[-1])
        check_clean(report)
        assert report["macVersion"] == "1.1.0" and report["joins"] == 6
        assert report["uplinksAcknowledged"] == report["confirmedSent"] > 0

        deadline = time.time() + 10
        while True:
            db = sqlite3.connect(os.path.join(data_dir, "registry.sqlite"))
            rows = db.execute("SELECT COUNT(*) FROM uplinks WHERE dev_eui LIKE '53494D%' OR dev_eui LIKE '53494d%'").fetchone()[0]
            db.close()
            if rows >= first_sent + report["uplinksSent"] or time.time() > deadline:
                break
            time.sleep(0.1)
        # One row per frame of both runs, however many gateways heard it.
        assert rows == first_sent + report["uplinksSent"], (rows, first_sent, report["uplinksSent"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_simulate_says_clearly_what_is_wrong():
    data_dir, udp, http, proc = serve_fresh()
    try:
        base = ["--target", f"127.0.0.1:{udp}", "--devices", "2", "--duration", "1"]
        r = run_simulate(*base, "--api", f"http://127.0.0.1:{http}", "--api-key", "not-the-key")
        assert r.returncode == 2 and "refused the key" in r.stderr, r.stderr
        dead = free_port(socket.SOCK_STREAM)
        r = run_simulate(*base, "--api", f"http://127.0.0.1:{dead}", "--api-key", "x")
        assert r.returncode == 2 and "cannot reach the HTTP API" in r.stderr, r.stderr
        r = run_simulate(*base, "--api-key-file", os.path.join(data_dir, "missing.key"))
        assert r.returncode == 2 and "API key file" in r.stderr, r.stderr
        r = run_simulate(*base, "--api-key", "x", "--mac-version", "2.0")
        assert r.returncode == 2 and "--mac-version" in r.stderr, r.stderr
        r = run_simulate(*base, "--api-key", "x", "--region", "XX999")
        assert r.returncode == 2 and "unknown region" in r.stderr, r.stderr
        # The API is fine but nothing listens on the UDP target.
        r = run_simulate("--target", f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}", "--devices", "1", "--duration", "1",
                         "--api", f"http://127.0.0.1:{http}", "--api-key-file", os.path.join(data_dir, "admin.key"))
        assert r.returncode == 2 and "no PULL_ACK" in r.stderr, r.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
