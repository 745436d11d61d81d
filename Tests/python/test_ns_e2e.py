"""End-to-end network-server scenarios over real loopback UDP against `lorikeet serve`, with the
device's LoRaWAN 1.0.3 crypto computed here (the `cryptography` package), independently of the
Swift implementation, and the server's events observed on its MQTT broker (paho):

- two gateways hear one frame: one `up` event carrying both gateways' rxInfo, the ACK goes out
  through the better gateway, at that gateway's own `tmst` + 1 s;
- a LinkADRReq round: ADR uplinks until the server sends LinkADRReq, the device answers
  LinkADRAns at the new data rate, the server does not send it again;
- a bad MIC is refused (an UPLINK_MIC log event, no up event) and changes nothing: the same
  counter with a good MIC is accepted afterwards; a replay is refused with its own log event;
- class C: a downlink enqueued through the HTTP API leaves at once (`imme`) on RX2;
- a LoRaWAN 1.1 join (NwkKey, JSIntKey MIC, OptNeg, 1.1 key derivation) and a confirmed uplink
  with the 1.1 two-key MIC, ACKed with a downlink MIC over ConfFCnt.

test_ns_udp.py covers the 1.0.3 join, confirmed uplinks and a restart with counters continuing;
test_ns_simulate.py runs `lorikeet simulate` (OTAA 1.0.3 and 1.1, several gateways) against serve.
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

from test_ns_udp import BINARY, REPO, JOIN_EUI, aes_encrypt, cmac, data_mic, free_port, lorikeet, open_join_accept, recv

APP_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
DEV_A = "0000000000e2e001"   # class A, ADR profile
DEV_C = "0000000000e2e00c"   # class C profile
DEV_11 = "0000000000e2e011"  # LoRaWAN 1.1 profile
NWK_KEY = bytes.fromhex("f0e0d0c0b0a090807060504030201000")
GW1 = bytes.fromhex("aa555a00000e2e01")
GW2 = bytes.fromhex("aa555a00000e2e02")


def frm_crypt(key, dev_addr, fcnt, direction, payload):
    # LoRaWAN 1.0.3 §4.3.3.1: A_i = 0x01 | 0^4 | Dir | DevAddr | FCnt | 0x00 | i; S_i = aes128_encrypt(K, A_i)
    out = b""
    for i in range(0, len(payload), 16):
        a = bytes([1, 0, 0, 0, 0, direction]) + dev_addr + struct.pack("<I", fcnt) + bytes([0, i // 16 + 1])
        out += bytes(x ^ y for x, y in zip(payload[i:i + 16], aes_encrypt(key, a)))
    return out


class Gateway:
    """A packet forwarder on its own UDP socket."""

    def __init__(self, eui, udp_port):
        self.eui = eui
        self.addr = ("127.0.0.1", udp_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.token = 0x100

    def next_token(self):
        self.token = (self.token + 1) & 0xFFFF
        return self.token

    def pull_data(self):
        t = self.next_token()
        self.sock.sendto(bytes([2]) + struct.pack(">H", t) + b"\x02" + self.eui, self.addr)
        assert recv(self.sock) == bytes([2]) + struct.pack(">H", t) + b"\x04"  # PULL_ACK

    def push(self, phy, tmst, datr="SF7BW125", rssi=-60, snr=7.5, freq=868.1):
        t = self.next_token()
        rxpk = {"tmst": tmst, "freq": freq, "chan": 0, "rfch": 0, "stat": 1, "modu": "LORA", "datr": datr, "codr": "4/5",
                "rssi": rssi, "lsnr": snr, "size": len(phy), "data": base64.b64encode(phy).decode()}
        self.sock.sendto(bytes([2]) + struct.pack(">H", t) + b"\x00" + self.eui + json.dumps({"rxpk": [rxpk]}).encode(), self.addr)
        assert recv(self.sock) == bytes([2]) + struct.pack(">H", t) + b"\x01"  # PUSH_ACK

    def pull_resp(self, timeout=3.0):
        """The next PULL_RESP's txpk (answered with TX_ACK), or None when nothing comes."""
        try:
            resp = recv(self.sock, timeout)
        except socket.timeout:
            return None
        assert resp[3] == 0x03, resp[:4]
        self.sock.sendto(bytes([2]) + resp[1:3] + b"\x05" + self.eui, self.addr)
        return json.loads(resp[4:])["txpk"]

    def close(self):
        self.sock.close()


class Device:
    """A LoRaWAN 1.0.3 OTAA device."""

    def __init__(self, dev_eui):
        self.dev_eui = dev_eui
        self.dev_nonce = int(time.time()) & 0xFFFF  # never reused across test runs of one data dir
        self.fcnt = 0
        self.last_fcnt_down = -1

    def join(self, gw, tmst):
        body = bytes([0x00]) + bytes.fromhex(JOIN_EUI)[::-1] + bytes.fromhex(self.dev_eui)[::-1] + struct.pack("<H", self.dev_nonce)
        gw.push(body + cmac(APP_KEY, body)[:4], tmst)
        txpk = gw.pull_resp()
        assert txpk is not None, "no join-accept"
        assert txpk["tmst"] == tmst + 5_000_000
        self.dev_addr, self.nwk_s_key, self.app_s_key = open_join_accept(base64.b64decode(txpk["data"]), self.dev_nonce, APP_KEY)
        self.dev_nonce += 1

    def uplink(self, payload=b"\x01", fport=1, confirmed=False, adr=False, fopts=b"", ack=False, fcnt=None, corrupt_mic=False):
        fcnt = self.fcnt if fcnt is None else fcnt
        fctrl = (0x80 if adr else 0) | (0x20 if ack else 0) | len(fopts)
        fhdr = self.dev_addr + bytes([fctrl]) + struct.pack("<H", fcnt & 0xFFFF) + fopts
        msg = bytes([0x80 if confirmed else 0x40]) + fhdr + bytes([fport]) + frm_crypt(self.app_s_key, self.dev_addr, fcnt, 0, payload)
        mic = data_mic(self.nwk_s_key, self.dev_addr, fcnt, msg)
        if corrupt_mic:
            mic = bytes([mic[0] ^ 0xFF]) + mic[1:]
        if fcnt >= self.fcnt:
            self.fcnt = fcnt + 1
        return msg + mic

    def open_downlink(self, txpk):
        """Checks the downlink MIC and FCnt; returns (fctrl, fopts, fport, plaintext)."""
        phy = base64.b64decode(txpk["data"])
        assert phy[0] >> 5 in (3, 5), f"MType {phy[0] >> 5} is not a data downlink"
        assert phy[1:5] == self.dev_addr
        fctrl, fcnt = phy[5], struct.unpack("<H", phy[6:8])[0]
        n = fctrl & 0x0F
        fopts = phy[8:8 + n]
        rest = phy[8 + n:-4]
        # LoRaWAN 1.0.3 §4.4: downlink B0 has Dir = 1 and the downlink counter.
        b0 = bytes([0x49, 0, 0, 0, 0, 1]) + self.dev_addr + struct.pack("<I", fcnt) + bytes([0, len(phy) - 4])
        assert cmac(self.nwk_s_key, b0 + phy[:-4])[:4] == phy[-4:], "downlink MIC"
        assert fcnt > self.last_fcnt_down, f"downlink FCnt {fcnt} not above {self.last_fcnt_down}"
        self.last_fcnt_down = fcnt
        if not rest:
            return fctrl, fopts, None, b""
        fport, frm = rest[0], rest[1:]
        key = self.nwk_s_key if fport == 0 else self.app_s_key
        return fctrl, fopts, fport, frm_crypt(key, self.dev_addr, fcnt, 1, frm)


@pytest.fixture
def ns():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-nse2e-")
    udp, http, mq = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    config = os.path.join(data_dir, "server.json")
    with open(config, "w") as f:
        json.dump({"broker": {"port": mq, "webSocketPort": None,
                              "users": [{"username": "farm", "password": "s3cret", "role": "application", "applicationID": "farm"}]},
                   "networkServer": {"deduplicationWindowMillis": 100}}, f)
    for args in (["application", "add", "--id", "farm"],
                 ["device-profile", "add", "--id", "eu", "--region", "EU868"],
                 ["device-profile", "add", "--id", "euc", "--region", "EU868", "--class-c", "--no-adr"],
                 ["device-profile", "add", "--id", "eu11", "--region", "EU868", "--mac-version", "1.1", "--no-adr"],
                 ["device", "add", "--dev-eui", DEV_11, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "eu11",
                  "--app-key", APP_KEY.hex(), "--nwk-key", NWK_KEY.hex()],
                 ["device", "add", "--dev-eui", DEV_A, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "eu",
                  "--app-key", APP_KEY.hex()],
                 ["device", "add", "--dev-eui", DEV_C, "--join-eui", JOIN_EUI, "--application", "farm", "--profile", "euc",
                  "--app-key", APP_KEY.hex()]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([BINARY, "serve", "--config", config, "--data-dir", data_dir, "--udp-port", str(udp),
                             "--http-port", str(http), "--log-level", "warning"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    messages = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="nse2e")
    gateways = []
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
        subscribed = queue.Queue()
        client.on_message = lambda c, u, m: messages.put((m.topic, json.loads(m.payload)))
        client.on_subscribe = lambda *a: subscribed.put(True)
        client.username_pw_set("farm", "s3cret")
        client.connect("127.0.0.1", mq)
        client.loop_start()
        client.subscribe("application/farm/#", qos=1)
        subscribed.get(timeout=5)

        def events(kind, dev_eui, timeout=3.0, count=None):
            """Events of one type for one device: all that arrive within `timeout` (or the first `count`)."""
            found = []
            deadline = time.time() + timeout
            while time.time() < deadline and (count is None or len(found) < count):
                try:
                    topic, body = messages.get(timeout=max(0.01, deadline - time.time()))
                except queue.Empty:
                    break
                if topic == f"application/farm/device/{dev_eui}/event/{kind}":
                    found.append(body)
            return found

        def gateway(eui):
            gw = Gateway(eui, udp)
            gateways.append(gw)
            gw.pull_data()
            return gw

        yield {"events": events, "gateway": gateway, "http": http, "data_dir": data_dir}
    finally:
        client.loop_stop()
        for gw in gateways:
            gw.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_two_gateways_hear_one_frame(ns):
    gw1, gw2 = ns["gateway"](GW1), ns["gateway"](GW2)
    dev = Device(DEV_A)
    dev.join(gw1, tmst=1_000_000)
    assert ns["events"]("join", DEV_A, count=1)

    # The same confirmed frame through both gateways; gw2 hears it far better, and the two
    # concentrator counters differ, as they do in the field.
    phy = dev.uplink(confirmed=True, payload=b"\x11\x22")
    gw1.push(phy, tmst=10_000_000, rssi=-110, snr=-5.0)
    gw2.push(phy, tmst=70_000_000, rssi=-50, snr=9.0)
    txpk = gw2.pull_resp()
    assert txpk is not None, "no ACK through the better gateway"
    assert txpk["tmst"] == 71_000_000  # gw2's own tmst + RX1 delay
    fctrl, _, _, _ = dev.open_downlink(txpk)
    assert fctrl & 0x20, "ACK bit"
    assert gw1.pull_resp(timeout=0.5) is None, "the weaker gateway must not transmit too"

    ups = ns["events"]("up", DEV_A, timeout=1.5)
    assert len(ups) == 1, f"one up event for one frame, got {len(ups)}"
    gateways = sorted(r["gatewayId"] for r in ups[0]["rxInfo"])
    assert gateways == sorted([GW1.hex(), GW2.hex()])
    assert base64.b64decode(ups[0]["data"]) == b"\x11\x22"


def test_link_adr_round(ns):
    gw = ns["gateway"](GW1)
    dev = Device(DEV_A)
    dev.join(gw, tmst=1_000_000)
    # Uplinks at SF12 with ADR set and an SNR 15 dB above what SF12 needs plus the 10 dB
    # installation margin: the server must speed the device up (five 3 dB steps: DR0 → DR5).
    req = None
    tmst = 10_000_000
    for _ in range(40):
        gw.push(dev.uplink(adr=True), tmst=tmst, datr="SF12BW125", snr=5.0)
        tmst += 2_000_000
        txpk = gw.pull_resp(timeout=0.3)
        if txpk is not None:
            assert txpk["tmst"] == tmst - 2_000_000 + 1_000_000
            _, fopts, fport, frm = dev.open_downlink(txpk)
            commands = frm if fport == 0 else fopts
            if commands[:1] == b"\x03":
                req = commands[1:5]
                break
    assert req is not None, "no LinkADRReq after 40 ADR uplinks"
    new_dr = req[0] >> 4
    assert new_dr > 0, f"LinkADRReq keeps DR0: {req.hex()}"
    sf = {1: 11, 2: 10, 3: 9, 4: 8, 5: 7}[new_dr]

    # LinkADRAns (Power ACK, Data rate ACK, Channel mask ACK) at the new data rate.
    gw.push(dev.uplink(adr=True, fopts=b"\x03\x07"), tmst=tmst, datr=f"SF{sf}BW125", snr=5.0)
    tmst += 2_000_000
    for _ in range(6):
        txpk = gw.pull_resp(timeout=0.3)
        if txpk is not None:
            _, fopts, fport, frm = dev.open_downlink(txpk)
            commands = frm if fport == 0 else fopts
            assert commands[:5] != b"\x03" + req, "the accepted LinkADRReq was sent again after LinkADRAns"
        gw.push(dev.uplink(adr=True), tmst=tmst, datr=f"SF{sf}BW125", snr=5.0)
        tmst += 2_000_000
    ups = ns["events"]("up", DEV_A, timeout=1.0)
    assert ups and ups[-1]["dr"] == new_dr


def test_bad_mic_and_replay_are_refused_without_state_change(ns):
    gw = ns["gateway"](GW1)
    dev = Device(DEV_A)
    dev.join(gw, tmst=1_000_000)
    ns["events"]("join", DEV_A, count=1)

    gw.push(dev.uplink(fcnt=0, payload=b"\xbb", corrupt_mic=True), tmst=10_000_000)
    logs = ns["events"]("log", DEV_A, count=1)
    assert logs and logs[0]["code"] == "UPLINK_MIC" and logs[0]["level"] == "ERROR"
    assert ns["events"]("up", DEV_A, timeout=0.5) == []

    # Nothing changed: counter 0 with a good MIC is still accepted.
    gw.push(dev.uplink(fcnt=0, payload=b"\x0a"), tmst=20_000_000)
    ups = ns["events"]("up", DEV_A, count=1)
    assert ups and ups[0]["fCnt"] == 0 and base64.b64decode(ups[0]["data"]) == b"\x0a"

    # The same frame again, recorded and replayed once the server's late-duplicate memory (10
    # deduplication windows = 1 s here) has passed: refused as a replay, reported, no up event.
    time.sleep(1.2)
    gw.push(dev.uplink(fcnt=0, payload=b"\x0a"), tmst=30_000_000)
    logs = ns["events"]("log", DEV_A, count=1)
    assert logs and logs[0]["code"] == "UPLINK_F_CNT_RETRANSMISSION"
    assert ns["events"]("up", DEV_A, timeout=0.5) == []


def test_class_c_downlink_leaves_at_once(ns):
    gw = ns["gateway"](GW1)
    dev = Device(DEV_C)
    dev.join(gw, tmst=1_000_000)
    gw.push(dev.uplink(), tmst=10_000_000)  # the server learns the device's gateway
    assert ns["events"]("up", DEV_C, count=1)
    assert gw.pull_resp(timeout=0.3) is None  # nothing to say in class A windows

    key = open(os.path.join(ns["data_dir"], "admin.key")).read().strip()
    request = urllib.request.Request(f"http://127.0.0.1:{ns['http']}/api/devices/{DEV_C}/queue", method="POST",
                                     data=json.dumps({"fPort": 10, "dataHex": "c0ffee"}).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.status in (200, 201)
    txpk = gw.pull_resp(timeout=2.0)
    assert txpk is not None, "class C downlink not sent"
    assert time.monotonic() - started < 1.0
    assert txpk["imme"] is True and "tmst" not in txpk
    assert txpk["freq"] == 869.525 and txpk["datr"] == "SF12BW125"  # EU868 RX2 defaults
    _, _, fport, plain = dev.open_downlink(txpk)
    assert fport == 10 and plain == bytes.fromhex("c0ffee")


def test_lorawan_1_1_join_and_confirmed_uplink(ns):
    """LoRaWAN 1.1 §6.2.3–6.2.4 (join-request/accept, JSIntKey = aes128_encrypt(NwkKey, 0x06 | DevEUI | pad16)),
    §6.2.2 key derivation (OptNeg set), §4.4.2 uplink MIC (cmacS[0..1] | cmacF[0..1]) and downlink MIC."""
    gw = ns["gateway"](GW1)
    join_eui, dev_eui = bytes.fromhex(JOIN_EUI)[::-1], bytes.fromhex(DEV_11)[::-1]
    dev_nonce = 1
    body = bytes([0x00]) + join_eui + dev_eui + struct.pack("<H", dev_nonce)
    gw.push(body + cmac(NWK_KEY, body)[:4], tmst=1_000_000)
    txpk = gw.pull_resp()
    assert txpk is not None and txpk["tmst"] == 6_000_000
    phy = base64.b64decode(txpk["data"])
    plain = b"".join(aes_encrypt(NWK_KEY, phy[1 + i:17 + i]) for i in range(0, len(phy) - 1, 16))
    payload, mic = plain[:-4], plain[-4:]
    js_int_key = aes_encrypt(NWK_KEY, (b"\x06" + dev_eui).ljust(16, b"\x00"))
    assert cmac(js_int_key, bytes([0xFF]) + join_eui + struct.pack("<H", dev_nonce) + bytes([0x20]) + payload)[:4] == mic, "1.1 join-accept MIC"
    join_nonce, dev_addr, dl_settings = payload[0:3], payload[6:10], payload[10]
    assert dl_settings & 0x80, "OptNeg set for a 1.1 device"
    tail = join_nonce + join_eui + struct.pack("<H", dev_nonce)
    f_nwk_s_int_key = aes_encrypt(NWK_KEY, (b"\x01" + tail).ljust(16, b"\x00"))
    app_s_key = aes_encrypt(APP_KEY, (b"\x02" + tail).ljust(16, b"\x00"))
    s_nwk_s_int_key = aes_encrypt(NWK_KEY, (b"\x03" + tail).ljust(16, b"\x00"))
    assert ns["events"]("join", DEV_11, count=1)

    # Confirmed uplink FCnt 0 on 868.1 MHz (TxCh 0) at SF7BW125 (EU868 DR5).
    fcnt = 0
    msg = bytes([0x80]) + dev_addr + bytes([0x00]) + struct.pack("<H", fcnt) + bytes([1]) + frm_crypt(app_s_key, dev_addr, fcnt, 0, b"\x42")
    b0 = bytes([0x49, 0, 0, 0, 0, 0]) + dev_addr + struct.pack("<I", fcnt) + bytes([0, len(msg)])
    b1 = bytes([0x49, 0, 0, 5, 0, 0]) + dev_addr + struct.pack("<I", fcnt) + bytes([0, len(msg)])
    gw.push(msg + cmac(s_nwk_s_int_key, b1 + msg)[:2] + cmac(f_nwk_s_int_key, b0 + msg)[:2], tmst=10_000_000)
    txpk = gw.pull_resp()
    assert txpk is not None and txpk["tmst"] == 11_000_000
    down = base64.b64decode(txpk["data"])
    assert down[1:5] == dev_addr and down[5] & 0x20, "ACK"
    down_fcnt = struct.unpack("<H", down[6:8])[0]
    # Downlink B0 carries ConfFCnt (the acknowledged uplink's counter) in bytes 1–2.
    b0 = bytes([0x49]) + struct.pack("<H", fcnt) + bytes([0, 0, 1]) + dev_addr + struct.pack("<I", down_fcnt) + bytes([0, len(down) - 4])
    assert cmac(s_nwk_s_int_key, b0 + down[:-4])[:4] == down[-4:], "1.1 downlink MIC"
    ups = ns["events"]("up", DEV_11, count=1)
    assert ups and ups[0]["fCnt"] == 0 and base64.b64decode(ups[0]["data"]) == b"\x42"
