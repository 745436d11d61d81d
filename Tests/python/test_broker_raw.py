"""End-to-end at the byte level: redelivery after a dropped connection (DUP flag, PUBREL resend),
malformed and oversized packets closing only the offending connection, keep-alive enforcement."""
import time

import paho.mqtt.client as mqtt
import pytest

from broker_support import Broker, RawClient, ack, connect, publish, subscribe, wait_for


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("raw"))
    yield b
    b.stop()


def session(broker, cid, version, clean=False):
    c = RawClient(broker.port)
    c.send(connect(cid, version=version, clean=clean, session_expiry=3600 if version == 5 else None))
    first, body = c.read_packet()
    assert first == 0x20, "expected CONNACK"
    return c, body


@pytest.mark.parametrize("version", [4, 5])
def test_qos1_redelivered_with_dup_after_reconnect(broker, version):
    cid = f"redeliver1-{version}"
    c, _ = session(broker, cid, version, clean=True)
    c.close()
    c, _ = session(broker, cid, version)
    c.send(subscribe(1, f"rd1/{version}", 1, version))
    assert c.read_packet()[0] == 0x90
    p = RawClient(broker.port)
    p.send(connect(f"pub-{cid}", version=version))
    p.read_packet()
    p.send(publish(f"rd1/{version}", b"must-arrive", qos=1, pid=7, version=version))
    first, body = c.read_packet()
    assert first & 0xF0 == 0x30 and (first >> 1) & 3 == 1 and not first & 0x08
    c.close()  # never acknowledged
    c, connack = session(broker, cid, version)
    assert connack[0] == 1  # session present
    first, body = c.read_packet()
    assert first & 0xF0 == 0x30 and first & 0x08, "redelivery must set DUP"
    assert body.endswith(b"must-arrive")
    pid = body[2 + len(f"rd1/{version}"):][:2]
    c.send(ack("puback", int.from_bytes(pid, "big")))
    c.close(); p.close()


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_pubrel_resent_after_reconnect(broker, version):
    cid = f"redeliver2-{version}"
    c, _ = session(broker, cid, version, clean=True)
    c.close()
    c, _ = session(broker, cid, version)
    c.send(subscribe(1, f"rd2/{version}", 2, version))
    assert c.read_packet()[0] == 0x90
    p = RawClient(broker.port)
    p.send(connect(f"pub-{cid}", version=version))
    p.read_packet()
    p.send(publish(f"rd2/{version}", b"exactly-once", qos=2, pid=9, version=version))
    assert p.read_packet()[0] == 0x50  # PUBREC to the publisher
    p.send(ack("pubrel", 9))
    assert p.read_packet()[0] == 0x70  # PUBCOMP
    first, body = c.read_packet()
    assert (first >> 1) & 3 == 2
    pid = int.from_bytes(body[2 + len(f"rd2/{version}"):][:2], "big")
    c.send(ack("pubrec", pid))
    assert c.read_packet()[0] == 0x62  # PUBREL
    c.close()  # PUBCOMP never sent
    c, _ = session(broker, cid, version)
    first, body = c.read_packet()
    assert first == 0x62 and int.from_bytes(body[:2], "big") == pid, "PUBREL must be resent"
    c.send(ack("pubcomp", pid))
    # And the message itself is not delivered a second time.
    with pytest.raises(TimeoutError):
        c.read_packet(timeout=0.5)
    c.close(); p.close()


def test_qos2_duplicate_publish_delivered_once(broker):
    sub = RawClient(broker.port)
    sub.send(connect("dupsub", version=5)); sub.read_packet()
    sub.send(subscribe(1, "dup/x", 0, 5)); sub.read_packet()
    p = RawClient(broker.port)
    p.send(connect("duppub", version=5)); p.read_packet()
    p.send(publish("dup/x", b"once", qos=2, pid=3, version=5))
    assert p.read_packet()[0] == 0x50
    p.send(publish("dup/x", b"once", qos=2, pid=3, version=5))  # retransmission before PUBREL
    assert p.read_packet()[0] == 0x50
    assert sub.read_packet()[0] & 0xF0 == 0x30
    with pytest.raises(TimeoutError):
        sub.read_packet(timeout=0.5)
    sub.close(); p.close()


@pytest.mark.parametrize("garbage,reason", [
    (b"\x00\x00", 0x81),                      # reserved packet type 0
    (b"\x30\xff\xff\xff\xff\x01", 0x81),      # remaining length longer than four bytes
    (b"\x82\x05\x00\x01\x00\x01\x61", 0x81),  # SUBSCRIBE truncated inside its topic filter
    (b"\x32\x03\x00\x01\x61", 0x81),          # QoS 1 PUBLISH without packet identifier
    (connect("again", version=5), 0x82),      # a second CONNECT is a protocol error
])
def test_malformed_packet_closes_only_that_connection(broker, garbage, reason):
    # A healthy subscriber on its own connection.
    good = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    got = []
    good.on_message = lambda c, u, m: got.append(m.payload)
    good.connect("127.0.0.1", broker.port)
    good.loop_start()
    good.subscribe("health/#", qos=1)
    time.sleep(0.2)
    bad = RawClient(broker.port)
    bad.send(connect("bad-client", version=5))
    assert bad.read_packet()[0] == 0x20
    bad.send(garbage)
    first, body = bad.read_packet()
    assert first == 0xE0 and body[0] == reason, f"expected DISCONNECT {reason:#x}, got {first:#x} {body!r}"
    assert bad.is_closed()
    # The broker and the other client are unaffected.
    p = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    p.connect("127.0.0.1", broker.port)
    p.loop_start()
    p.publish("health/x", b"still-fine", qos=1).wait_for_publish(5)
    assert wait_for(lambda: got == [b"still-fine"])
    p.loop_stop(); good.loop_stop()


def test_malformed_v311_connection_closed(broker):
    bad = RawClient(broker.port)
    bad.send(connect("bad311", version=4))
    assert bad.read_packet()[0] == 0x20
    bad.send(b"\x00\x00")
    assert bad.is_closed()


def test_garbage_before_connect_closed(broker):
    bad = RawClient(broker.port)
    bad.send(b"GET / HTTP/1.1\r\n\r\n")
    assert bad.is_closed()


def test_oversized_packet_disconnect_0x95(broker):
    bad = RawClient(broker.port)
    bad.send(connect("big", version=5))
    first, body = bad.read_packet()
    assert first == 0x20
    bad.send(publish("big/x", b"x" * 5000, qos=0, version=5))  # configured maximum is 4096
    first, body = bad.read_packet()
    assert first == 0xE0 and body[0] == 0x95
    assert bad.is_closed()


def test_unsupported_protocol_level(broker):
    c = RawClient(broker.port)
    c.send(connect("v6", version=6))
    first, body = c.read_packet()
    assert first == 0x20 and body[1] == 0x84
    assert c.is_closed()


def test_keepalive_timeout_v5(broker):
    c = RawClient(broker.port)
    c.send(connect("sleepy", version=5, keepalive=1))
    assert c.read_packet()[0] == 0x20
    start = time.time()
    first, body = c.read_packet(timeout=4)
    assert first == 0xE0 and body[0] == 0x8D  # Keep Alive timeout
    assert 1.4 <= time.time() - start <= 3.5
