"""End-to-end: Debian's mosquitto_pub / mosquitto_sub (MQTT 3.1.1 and 5.0) against `lorikeet broker`."""
import subprocess
import time

import pytest

from broker_support import CONFIG as CONFIG_FOR_RESTART, Broker

VERSIONS = ["mqttv311", "mqttv5"]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("mosq"))
    yield b
    b.stop()


def pub(broker, *args):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), *args], check=True, timeout=10)


def sub_start(broker, *args):
    return subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-W", "10", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("v", VERSIONS)
def test_retained_message_delivered_to_late_subscriber(broker, v):
    pub(broker, "-V", v, "-t", f"ret/{v}/a", "-m", "kept", "-r", "-q", "1")
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", v, "-t", f"ret/{v}/#",
                          "-v", "-C", "1", "-W", "5"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == f"ret/{v}/a kept"
    # An empty retained message clears it: a new subscriber then receives nothing.
    pub(broker, "-V", v, "-t", f"ret/{v}/a", "-n", "-r")
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", v, "-t", f"ret/{v}/#",
                          "-C", "1", "-W", "1"], capture_output=True, text=True, timeout=10)
    assert out.stdout == ""


@pytest.mark.parametrize("v", VERSIONS)
@pytest.mark.parametrize("qos", ["1", "2"])
def test_qos_delivery(broker, v, qos):
    s = sub_start(broker, "-V", v, "-t", f"q/{v}/{qos}/+", "-q", qos, "-v", "-C", "3")
    time.sleep(0.3)
    for i in range(3):
        pub(broker, "-V", v, "-t", f"q/{v}/{qos}/x", "-m", f"m{i}", "-q", qos)
    out, _ = s.communicate(timeout=10)
    assert out.split("\n")[:3] == [f"q/{v}/{qos}/x m0", f"q/{v}/{qos}/x m1", f"q/{v}/{qos}/x m2"]


@pytest.mark.parametrize("v", VERSIONS)
def test_persistent_session_receives_while_offline(broker, v):
    cid = f"persist-{v}"
    extra = ["-x", "3600"] if v == "mqttv5" else []
    # Subscribe with a persistent session, then go away (-E: exit right after SUBACK).
    subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", v, "-i", cid, "-c", *extra,
                    "-q", "1", "-t", f"off/{v}", "-E"], check=True, timeout=10)
    for i in range(3):
        pub(broker, "-V", v, "-t", f"off/{v}", "-m", f"queued{i}", "-q", "1")
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", v, "-i", cid, "-c", *extra,
                          "-q", "1", "-t", f"off/{v}", "-C", "3", "-W", "5"], capture_output=True, text=True, timeout=10)
    assert out.stdout.split() == ["queued0", "queued1", "queued2"]


def test_acl_denied_subscription_v5(broker):
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "mqttv5", "-t", "secret/x",
                          "-C", "1", "-W", "2"], capture_output=True, text=True, timeout=10)
    assert "denied" in (out.stderr + out.stdout).lower()


def test_bad_password_refused(broker):
    out = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "mqttv5", "-u", "app1",
                          "-P", "wrong", "-t", "x", "-m", "y"], capture_output=True, text=True, timeout=10)
    assert out.returncode != 0
    assert "bad user name or password" in out.stderr.lower() or "not authorised" in out.stderr.lower()


def test_retained_messages_survive_a_restart(tmp_path):
    # With `retainedFile` set (serve sets it to <data-dir>/broker-retained.mqtt), retained
    # messages are written at shutdown and read back at start; a cleared one stays cleared.
    config = dict(CONFIG_FOR_RESTART, retainedFile=str(tmp_path / "retained.mqtt"))
    b = Broker(tmp_path, config)
    try:
        pub(b, "-V", "mqttv5", "-t", "keep/a", "-m", "first", "-r", "-q", "1", "-D", "publish", "content-type", "text/plain")
        pub(b, "-V", "mqttv311", "-t", "keep/b", "-m", "second", "-r", "-q", "1")
        pub(b, "-t", "keep/gone", "-m", "x", "-r", "-q", "1")
        pub(b, "-t", "keep/gone", "-n", "-r", "-q", "1")
        # QoS 1: each PUBLISH was acknowledged, so the broker holds it before the SIGTERM.
        before = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(b.port), "-t", "keep/#", "-v", "-C", "2", "-W", "5"],
                                capture_output=True, text=True, timeout=10)
        assert sorted(before.stdout.strip().splitlines()) == ["keep/a first", "keep/b second"]
    finally:
        b.stop()
    assert (tmp_path / "retained.mqtt").read_bytes()[:5] == b"LKRT\x01"
    b = Broker(tmp_path, config)
    try:
        out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(b.port), "-V", "mqttv5", "-t", "keep/#", "-v",
                              "-F", "%t %p %C", "-C", "2", "-W", "5"], capture_output=True, text=True, timeout=10)
        # %C (content type) is empty for the 3.1.1 message: compare lines without trailing blanks.
        assert sorted(line.rstrip() for line in out.stdout.splitlines()) == ["keep/a first text/plain", "keep/b second"]
    finally:
        b.stop()
    # A damaged file is ignored (logged), not half-read, and the broker still starts.
    (tmp_path / "retained.mqtt").write_bytes(b"LKRT\x01\x30\x7f")
    b = Broker(tmp_path, config)
    try:
        out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(b.port), "-t", "keep/#", "-C", "1", "-W", "1"],
                             capture_output=True, text=True, timeout=10)
        assert out.stdout == ""
    finally:
        b.stop()
