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
