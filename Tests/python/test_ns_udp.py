"""End-to-end tests of `lorikeet serve` with an independent simulated gateway and device.

The gateway speaks the Semtech UDP protocol over real loopback sockets; the device's LoRaWAN
1.0.3 crypto (join-request MIC, join-accept decryption, session keys, data MIC) is computed here
with the `cryptography` package, independently of the Swift implementation.
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

BINARY = os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "lorikeet")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APP_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
DEV_EUI = "0004a30b001c0530"
JOIN_EUI = "70b3d57ed0000000"
GATEWAY = bytes.fromhex("aa555a0000000101")


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cmac(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def aes_encrypt(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def lorikeet(*args, data_dir):
    return subprocess.run([BINARY, *args, "--data-dir", data_dir], cwd=REPO, capture_output=True, text=True, timeout=60)


def start_server(data_dir, udp, http):
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", data_dir, "--udp-port", str(udp), "--http-port", str(http),
                             "--mqtt-port", "0", "--mqtt-ws-port", "off", "--log-level", "warning"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode())
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("server did not start")
    return proc


@pytest.fixture
def server():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-py-")
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    state = {"proc": start_server(data_dir, udp, http), "data_dir": data_dir, "udp": udp, "http": http}
    yield state
    proc = state["proc"]
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def provision(data_dir):
    for args in (["application", "add", "--id", "farm"],
                 ["device-profile", "add", "--id", "eu", "--region", "EU868"],
                 ["device", "add", "--dev-eui", DEV_EUI, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "eu",
                  "--app-key", APP_KEY.hex()]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr


def push_data(token, phy, tmst, freq=868.1):
    rxpk = {"tmst": tmst, "freq": freq, "chan": 0, "rfch": 0, "stat": 1, "modu": "LORA", "datr": "SF7BW125",
            "codr": "4/5", "rssi": -60, "lsnr": 7.5, "size": len(phy), "data": base64.b64encode(phy).decode()}
    return bytes([2]) + struct.pack(">H", token) + b"\x00" + GATEWAY + json.dumps({"rxpk": [rxpk]}).encode()


def recv(sock, timeout=5.0):
    sock.settimeout(timeout)
    data, _ = sock.recvfrom(4096)
    return data


def join_request(dev_nonce):
    body = bytes([0x00]) + bytes.fromhex(JOIN_EUI)[::-1] + bytes.fromhex(DEV_EUI)[::-1] + struct.pack("<H", dev_nonce)
    return body + cmac(APP_KEY, body)[:4]


def data_mic(key, dev_addr, fcnt, msg):
    # LoRaWAN 1.0.3 §4.4: B0 = 0x49 | 0^4 | Dir | DevAddr | FCntUp | 0x00 | len(msg)
    b0 = bytes([0x49, 0, 0, 0, 0, 0]) + dev_addr + struct.pack("<I", fcnt) + bytes([0, len(msg)])
    return cmac(key, b0 + msg)[:4]


def open_join_accept(phy, dev_nonce, app_key=APP_KEY):
    """Decrypts a LoRaWAN 1.0.x join-accept, checks its MIC and derives the session keys.
    Returns (dev_addr as frame bytes, NwkSKey, AppSKey)."""
    assert phy[0] == 0x20
    plain = b"".join(aes_encrypt(app_key, phy[1 + i:17 + i]) for i in range(0, len(phy) - 1, 16))
    payload, mic = plain[:-4], plain[-4:]
    assert cmac(app_key, bytes([0x20]) + payload)[:4] == mic, "join-accept MIC"
    join_nonce, net_id, dev_addr = payload[0:3], payload[3:6], payload[6:10]
    tail = join_nonce + net_id + struct.pack("<H", dev_nonce)
    nwk_s_key = aes_encrypt(app_key, (b"\x01" + tail).ljust(16, b"\x00"))
    app_s_key = aes_encrypt(app_key, (b"\x02" + tail).ljust(16, b"\x00"))
    return dev_addr, nwk_s_key, app_s_key


def test_join_and_uplinks_over_udp(server):
    provision(server["data_dir"])
    key_path = os.path.join(server["data_dir"], "admin.key")
    assert oct(os.stat(key_path).st_mode & 0o777) == "0o600"

    gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gw.bind(("127.0.0.1", 0))
    addr = ("127.0.0.1", server["udp"])
    try:
        gw.sendto(bytes([2, 0x12, 0x34, 0x02]) + GATEWAY, addr)
        assert recv(gw) == bytes([2, 0x12, 0x34, 0x04])  # PULL_ACK

        dev_nonce = 0x0101
        sent = time.monotonic()
        gw.sendto(push_data(0x0001, join_request(dev_nonce), tmst=4_000_000), addr)
        assert recv(gw) == bytes([2, 0, 1, 1])  # PUSH_ACK
        resp = recv(gw)
        latency = time.monotonic() - sent
        assert resp[3] == 0x03  # PULL_RESP
        txpk = json.loads(resp[4:])["txpk"]
        assert txpk["tmst"] == 9_000_000  # JoinAcceptDelay1 = 5 s after the uplink
        assert latency < 1.0, f"join-accept took {latency:.3f} s"
        assert txpk["freq"] == 868.1 and txpk["datr"] == "SF7BW125" and txpk["ipol"] is True
        gw.sendto(bytes([2]) + resp[1:3] + b"\x05" + GATEWAY, addr)  # TX_ACK, no error

        dev_addr, nwk_s_key, _ = open_join_accept(base64.b64decode(txpk["data"]), dev_nonce)

        # Confirmed uplink FCnt 0, FPort 1, no payload: the server must ACK in RX1 (tmst + 1 s).
        fhdr = dev_addr + bytes([0x00]) + struct.pack("<H", 0)
        msg = bytes([0x80]) + fhdr + bytes([1])
        gw.sendto(push_data(0x0002, msg + data_mic(nwk_s_key, dev_addr, 0, msg), tmst=20_000_000), addr)
        assert recv(gw) == bytes([2, 0, 2, 1])
        resp = recv(gw)
        txpk = json.loads(resp[4:])["txpk"]
        assert txpk["tmst"] == 21_000_000
        down = base64.b64decode(txpk["data"])
        assert down[0] == 0x60 and down[1:5] == dev_addr and down[5] & 0x20, "unconfirmed data down with ACK"
        # Downlink MIC with the network session key (B0 direction 1).
        b0 = bytes([0x49, 0, 0, 0, 0, 1]) + dev_addr + struct.pack("<I", 0) + bytes([0, len(down) - 4])
        assert cmac(nwk_s_key, b0 + down[:-4])[:4] == down[-4:]

        def confirmed_uplink(fcnt, token, tmst):
            fhdr = dev_addr + bytes([0x00]) + struct.pack("<H", fcnt)
            m = bytes([0x80]) + fhdr + bytes([1])
            gw.sendto(push_data(token, m + data_mic(nwk_s_key, dev_addr, fcnt, m), tmst=tmst), addr)
            assert recv(gw) == bytes([2]) + struct.pack(">H", token) + b"\x01"

        def expect_ack(tmst):
            txpk = json.loads(recv(gw)[4:])["txpk"]
            assert txpk["tmst"] == tmst
            assert base64.b64decode(txpk["data"])[5] & 0x20

        def expect_silence():
            with pytest.raises(socket.timeout):
                recv(gw, timeout=1.0)

        # FCnt 1 is answered; replaying it is refused (no answer at all).
        confirmed_uplink(1, 0x0003, 30_000_000)
        expect_ack(31_000_000)
        confirmed_uplink(1, 0x0004, 40_000_000)
        expect_silence()

        # Restart in the middle: the counters continue and the replay is still refused.
        server["proc"].send_signal(signal.SIGTERM)
        assert server["proc"].wait(timeout=10) == 0
        # The deduplicator's gateway history was written at shutdown: the join's DevEUI and the
        # DevAddr, each heard by this gateway.
        reach = open(os.path.join(server["data_dir"], "gateway-reach.bin"), "rb").read()
        assert reach[:5] == b"LKGR\x01" and struct.unpack("<I", reach[5:9])[0] == 2
        assert reach.count(GATEWAY[::-1]) == 2
        server["proc"] = start_server(server["data_dir"], server["udp"], server["http"])
        gw.sendto(bytes([2, 0x00, 0x05, 0x02]) + GATEWAY, addr)  # the gateway's periodic PULL_DATA
        assert recv(gw) == bytes([2, 0x00, 0x05, 0x04])
        confirmed_uplink(1, 0x0006, 50_000_000)
        expect_silence()
        confirmed_uplink(2, 0x0007, 60_000_000)
        expect_ack(61_000_000)
    finally:
        gw.close()


def test_malformed_traffic_does_not_stall_the_listener(server):
    gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gw.bind(("127.0.0.1", 0))
    addr = ("127.0.0.1", server["udp"])
    try:
        for junk in (b"", b"\x02", b"\x09\x00\x00\x00", bytes([2, 0, 5, 0]) + GATEWAY + b'{"rxpk":[{"tmst":',
                     bytes([2, 0, 6, 0]) + GATEWAY + b'{"rxpk":[{"tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","rssi":1,"data":"%%"}]}',
                     os.urandom(1400)):
            gw.sendto(junk, addr)
        assert recv(gw) == bytes([2, 0, 6, 1])  # the well-framed PUSH_DATA is still acknowledged
        gw.sendto(bytes([2, 0, 7, 2]) + GATEWAY, addr)
        assert recv(gw) == bytes([2, 0, 7, 4])
    finally:
        gw.close()


def test_sigterm_shuts_down_gracefully(server):
    proc = server["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_bulk_import_csv(tmp_path):
    data_dir = str(tmp_path / "data")
    assert lorikeet("application", "add", "--id", "farm", data_dir=data_dir).returncode == 0
    assert lorikeet("device-profile", "add", "--id", "eu", data_dir=data_dir).returncode == 0
    csv = tmp_path / "devices.csv"
    csv.write_text("dev_eui,join_eui,app_key,name,application_id,device_profile_id\n"
                   "0000000000000001,70b3d57ed0000000,2b7e151628aed2a6abf7158809cf4f3c,one,farm,eu\n"
                   "0000000000000002,70b3d57ed0000000,2b7e151628aed2a6abf7158809cf4f3c,two,farm,eu\n")
    r = lorikeet("device", "import", str(csv), data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    listed = json.loads(lorikeet("device", "list", data_dir=data_dir).stdout)
    assert [d["devEUI"] for d in listed] == ["0000000000000001", "0000000000000002"]
    # Keys are write-only on the command line as in the API: only whether they are set.
    assert all(d["hasAppKey"] is True and "appKey" not in d for d in listed)
    assert "2b7e151628aed2a6abf7158809cf4f3c" not in lorikeet("device", "list", data_dir=data_dir).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("dev_eui,application_id,device_profile_id,app_key\n0000000000000003,farm,eu,nothex\n")
    r = lorikeet("device", "import", str(bad), data_dir=data_dir)
    assert r.returncode != 0 and "row 1" in r.stderr and "app_key" in r.stderr


def test_device_list_reads_every_page(tmp_path):
    # `device list` reads summaries 1,000 at a time; 2,345 devices take three pages.
    data_dir = str(tmp_path / "data")
    assert lorikeet("application", "add", "--id", "farm", data_dir=data_dir).returncode == 0
    assert lorikeet("device-profile", "add", "--id", "eu", data_dir=data_dir).returncode == 0
    csv = tmp_path / "devices.csv"
    csv.write_text("dev_eui,join_eui,app_key,name,application_id,device_profile_id\n" +
                   "".join(f"{i:016x},70b3d57ed0000000,2b7e151628aed2a6abf7158809cf4f3c,d{i},farm,eu\n" for i in range(1, 2346)))
    r = lorikeet("device", "import", str(csv), data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    listed = json.loads(lorikeet("device", "list", data_dir=data_dir).stdout)
    assert [d["devEUI"] for d in listed] == [f"{i:016x}" for i in range(1, 2346)]
    assert json.loads(lorikeet("device", "list", "--application", "nothing", data_dir=data_dir).stdout) == []
