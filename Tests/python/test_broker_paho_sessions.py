"""End-to-end with paho-mqtt (PyPI) over TCP and WebSocket, MQTT 3.1.1 and 5.0: retained messages,
QoS 1/2 redelivery after a dropped connection, persistent sessions receiving while offline, ACL
refusal, and the MQTT 5.0 features a real client exercises (session and message expiry, topic
aliases, retain handling 1, will delay cancelled by a reconnect, request/response, Server Keep Alive).
Issue #4's proof list; the byte-level details (DUP flag, PUBREL resend) are also in test_broker_raw."""
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from broker_support import CONFIG, Broker, RawClient, connect, wait_for

PROTOCOLS = {"v311": mqtt.MQTTv311, "v5": mqtt.MQTTv5}
COMBOS = [(p, t) for p in PROTOCOLS for t in ("tcp", "websockets")]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("paho-sessions"))
    yield b
    b.stop()


class Peer:
    """One paho client with its received messages, CONNACK and the packets paho logged."""

    def __init__(self, broker, proto, transport, client_id=None, persistent=False, expiry=3600,
                 manual_ack=False, keepalive=30, will=None, will_props=None):
        self.proto = PROTOCOLS[proto]
        self.messages, self.log, self.subacks, self.acks = [], [], {}, {}
        self.connack = None
        self.lock = threading.Lock()
        v5 = self.proto == mqtt.MQTTv5
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"s-{uuid.uuid4().hex[:8]}",
                             protocol=self.proto, transport=transport, manual_ack=manual_ack,
                             clean_session=None if v5 else not persistent)
        if will:
            self.c.will_set(*will, properties=will_props)
        self.c.on_message = self._on_message
        self.c.on_log = lambda c, u, level, buf: self.log.append(buf)
        self.c.on_subscribe = lambda c, u, mid, codes, props: self.subacks.__setitem__(
            mid, [int(x.value) if hasattr(x, "value") else int(x) for x in codes])
        self.c.on_publish = lambda c, u, mid, rc, props: self.acks.__setitem__(
            mid, int(rc.value) if hasattr(rc, "value") else int(rc))
        self.c.on_connect = lambda c, u, flags, rc, props: setattr(self, "connack", (flags, rc, props))
        port = broker.ws_port if transport == "websockets" else broker.port
        kw = {}
        if v5:
            cp = Properties(PacketTypes.CONNECT)
            if persistent:
                cp.SessionExpiryInterval = expiry
            kw = {"clean_start": not persistent, "properties": cp}
        self.c.connect("127.0.0.1", port, keepalive=keepalive, **kw)
        self.c.loop_start()
        assert wait_for(lambda: self.connack is not None), "no CONNACK"

    def _on_message(self, c, u, m):
        with self.lock:
            self.messages.append(m)

    @property
    def session_present(self):
        return bool(self.connack[0].session_present)

    def subscribe(self, topic, qos=1, options=None):
        rc, mid = self.c.subscribe(topic, options=options) if options else self.c.subscribe(topic, qos=qos)
        assert wait_for(lambda: mid in self.subacks), "no SUBACK"
        return self.subacks[mid]

    def publish(self, topic, payload, qos=1, retain=False, properties=None):
        info = self.c.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        if qos:
            assert wait_for(lambda: info.mid in self.acks), "no acknowledgement"
            return self.acks[info.mid]
        return None

    def payloads(self):
        with self.lock:
            return [m.payload for m in self.messages]

    def drop(self):
        """Ends the connection without DISCONNECT (what a network failure looks like)."""
        self.c.loop_stop()
        self.c.socket().close()

    def stop(self):
        self.c.disconnect()
        self.c.loop_stop()


def topic_for(*parts):
    return "/".join(["ps", uuid.uuid4().hex[:6], *parts])


@pytest.mark.parametrize("proto,transport", COMBOS)
def test_retained_message_to_late_subscriber_and_cleared(broker, proto, transport):
    t = topic_for(proto, transport)
    pub = Peer(broker, proto, transport)
    pub.publish(t + "/a", b"kept", qos=1, retain=True)
    late = Peer(broker, proto, transport)
    late.subscribe(t + "/#", qos=1)
    assert wait_for(lambda: late.payloads() == [b"kept"])
    assert late.messages[0].retain, "a retained message sent on SUBSCRIBE carries RETAIN=1"
    # Live delivery to an existing subscription clears RETAIN (MQTT 5.0 §3.3.1.3).
    pub.publish(t + "/a", b"live", qos=1, retain=True)
    assert wait_for(lambda: len(late.messages) == 2)
    assert not late.messages[1].retain
    # An empty retained payload deletes it: the next subscriber gets nothing.
    pub.publish(t + "/a", b"", qos=1, retain=True)
    later = Peer(broker, proto, transport)
    later.subscribe(t + "/#", qos=1)
    time.sleep(0.3)
    assert later.payloads() == []
    for p in (pub, late, later):
        p.stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
def test_qos1_redelivered_after_dropped_connection(broker, proto, transport):
    t = topic_for("rd1")
    cid = f"rd1-{uuid.uuid4().hex[:8]}"
    sub = Peer(broker, proto, transport, client_id=cid, persistent=True, manual_ack=True)
    sub.subscribe(t, qos=1)
    pub = Peer(broker, proto, transport)
    pub.publish(t, b"unacked", qos=1)
    assert wait_for(lambda: sub.payloads() == [b"unacked"])
    assert not sub.messages[0].dup
    sub.drop()  # received, never PUBACKed
    again = Peer(broker, proto, transport, client_id=cid, persistent=True)
    assert again.session_present
    assert wait_for(lambda: again.payloads() == [b"unacked"]), "the unacknowledged message must come again"
    assert again.messages[0].dup, "a redelivered PUBLISH has DUP set (MQTT 5.0 §4.4)"
    assert again.messages[0].qos == 1
    # Acknowledged now: a third connection gets nothing more.
    time.sleep(0.2)
    again.drop()
    third = Peer(broker, proto, transport, client_id=cid, persistent=True)
    time.sleep(0.4)
    assert third.payloads() == []
    third.stop(); pub.stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
def test_qos2_pubrel_resent_after_dropped_connection(broker, proto, transport):
    t = topic_for("rd2")
    cid = f"rd2-{uuid.uuid4().hex[:8]}"
    # manual_ack: paho answers PUBREC itself but holds back PUBCOMP until ack().
    sub = Peer(broker, proto, transport, client_id=cid, persistent=True, manual_ack=True)
    sub.subscribe(t, qos=2)
    pub = Peer(broker, proto, transport)
    pub.publish(t, b"exactly-once", qos=2)
    assert wait_for(lambda: sub.payloads() == [b"exactly-once"])
    sub.drop()  # PUBREL received, PUBCOMP never sent
    again = Peer(broker, proto, transport, client_id=cid, persistent=True)
    assert again.session_present
    assert wait_for(lambda: any("Received PUBREL" in line for line in again.log)), "PUBREL must be resent"
    time.sleep(0.3)
    assert again.payloads() == [], "a message already released is not delivered a second time"
    again.stop(); pub.stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
@pytest.mark.parametrize("qos", [1, 2])
def test_persistent_session_receives_while_offline(broker, proto, transport, qos):
    t = topic_for("off")
    cid = f"off-{uuid.uuid4().hex[:8]}"
    sub = Peer(broker, proto, transport, client_id=cid, persistent=True)
    sub.subscribe(t, qos=qos)
    sub.stop()  # clean DISCONNECT; the session stays
    pub = Peer(broker, proto, transport)
    for i in range(3):
        pub.publish(t, f"queued{i}".encode(), qos=qos)
    back = Peer(broker, proto, transport, client_id=cid, persistent=True)
    assert back.session_present
    assert wait_for(lambda: back.payloads() == [b"queued0", b"queued1", b"queued2"])
    assert all(m.qos == qos for m in back.messages)
    back.stop(); pub.stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
def test_acl_refusal(broker, proto, transport):
    anon = Peer(broker, proto, transport)
    denied = 0x87 if proto == "v5" else 0x80
    assert anon.subscribe("secret/#", qos=1) == [denied], "a denied SUBSCRIBE is refused in the SUBACK"
    assert anon.subscribe("#", qos=1) == [denied], "a filter overlapping a denied one is refused too"
    assert anon.subscribe("open/#", qos=1) == [1]
    rc = anon.publish("readonly/x", b"no", qos=1)
    assert rc == (0x87 if proto == "v5" else 0)  # 3.1.1 cannot be told; the message is dropped
    time.sleep(0.2)
    assert anon.payloads() == []
    anon.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_application_keys_isolated(broker, transport):
    def login(user, pw):
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"iso-{uuid.uuid4().hex[:6]}",
                        protocol=mqtt.MQTTv5, transport=transport)
        c.username_pw_set(user, pw)
        return c
    app1_msgs, subacks = [], {}
    c = login("app1", "pw1")
    c.on_message = lambda cl, u, m: app1_msgs.append(m.payload)
    c.on_subscribe = lambda cl, u, mid, codes, props: subacks.__setitem__(mid, [int(x.value) for x in codes])
    c.connect("127.0.0.1", broker.ws_port if transport == "websockets" else broker.port)
    c.loop_start()
    _, mid = c.subscribe("application/2/#", qos=1)
    assert wait_for(lambda: mid in subacks)
    assert subacks[mid] == [0x87]
    _, mid = c.subscribe("application/+/event", qos=1)
    assert wait_for(lambda: mid in subacks)
    other = login("app2", "pw2")
    other.connect("127.0.0.1", broker.ws_port if transport == "websockets" else broker.port)
    other.loop_start()
    assert wait_for(other.is_connected)
    other.publish("application/2/event", b"app2-only", qos=1)
    other.publish("application/1/event", b"not-yours-to-send", qos=1)
    time.sleep(0.4)
    assert app1_msgs == [], "application 1 receives neither application 2's messages nor its forged ones"
    for x in (c, other):
        x.disconnect(); x.loop_stop()


# ---- MQTT 5.0 features ------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_session_expiry_ends_the_session(broker, transport):
    t = topic_for("sx")
    cid = f"sx-{uuid.uuid4().hex[:8]}"
    sub = Peer(broker, "v5", transport, client_id=cid, persistent=True, expiry=1)
    sub.subscribe(t, qos=1)
    sub.stop()
    time.sleep(2.0)  # expiry 1 s, housekeeping every 0.5 s
    pub = Peer(broker, "v5", transport)
    pub.publish(t, b"after-expiry", qos=1)
    back = Peer(broker, "v5", transport, client_id=cid, persistent=True, expiry=1)
    assert not back.session_present, "the session expired"
    time.sleep(0.3)
    assert back.payloads() == []
    back.stop(); pub.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_message_expiry_drops_stale_queued_messages(broker, transport):
    t = topic_for("mx")
    cid = f"mx-{uuid.uuid4().hex[:8]}"
    sub = Peer(broker, "v5", transport, client_id=cid, persistent=True)
    sub.subscribe(t, qos=1)
    sub.stop()
    pub = Peer(broker, "v5", transport)
    short = Properties(PacketTypes.PUBLISH)
    short.MessageExpiryInterval = 1
    pub.publish(t, b"stale", qos=1, properties=short)
    long = Properties(PacketTypes.PUBLISH)
    long.MessageExpiryInterval = 600
    pub.publish(t, b"fresh", qos=1, properties=long)
    time.sleep(1.6)
    back = Peer(broker, "v5", transport, client_id=cid, persistent=True)
    assert wait_for(lambda: back.payloads() == [b"fresh"])
    time.sleep(0.2)
    assert back.payloads() == [b"fresh"]
    # The remaining interval is forwarded, lowered by the time spent queued (MQTT 5.0 §3.3.2.3.3).
    assert 590 <= back.messages[0].properties.MessageExpiryInterval < 600
    back.stop(); pub.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_topic_alias_from_client(broker, transport):
    t = topic_for("alias")
    sub = Peer(broker, "v5", transport)
    sub.subscribe(t, qos=1)
    pub = Peer(broker, "v5", transport)
    first = Properties(PacketTypes.PUBLISH)
    first.TopicAlias = 3
    pub.publish(t, b"sets-alias", qos=1, properties=first)
    again = Properties(PacketTypes.PUBLISH)
    again.TopicAlias = 3
    pub.publish("", b"uses-alias", qos=1, properties=again)  # empty topic: the alias stands for it
    assert wait_for(lambda: sub.payloads() == [b"sets-alias", b"uses-alias"])
    assert [m.topic for m in sub.messages] == [t, t]
    sub.stop(); pub.stop()


def test_v5_topic_alias_out_of_range_disconnects(broker):
    pub = Peer(broker, "v5", "tcp")
    reasons = []
    pub.c.on_disconnect = lambda c, u, flags, rc, props: reasons.append(int(rc.value))
    bad = Properties(PacketTypes.PUBLISH)
    bad.TopicAlias = 1000  # above the Topic Alias Maximum of 64 announced in CONNACK
    assert pub.connack[2].TopicAliasMaximum == 64
    pub.c.publish(topic_for("alias"), b"x", qos=0, properties=bad)
    assert wait_for(lambda: 0x94 in reasons), f"expected DISCONNECT 0x94, got {reasons}"
    pub.c.loop_stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_retain_handling_1_only_for_new_subscription(broker, transport):
    t = topic_for("rh1")
    pub = Peer(broker, "v5", transport)
    pub.publish(t, b"retained", qos=1, retain=True)
    sub = Peer(broker, "v5", transport)
    sub.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=1))
    assert wait_for(lambda: sub.payloads() == [b"retained"])
    sub.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=1))  # exists already: nothing
    sub.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=0))  # 0: always
    assert wait_for(lambda: len(sub.payloads()) == 2)
    time.sleep(0.3)
    assert sub.payloads() == [b"retained", b"retained"]
    pub.publish(t, b"", qos=1, retain=True)
    sub.stop(); pub.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_no_local_and_retain_as_published(broker, transport):
    t = topic_for("nl")
    c = Peer(broker, "v5", transport)
    c.subscribe(t + "/#", options=SubscribeOptions(qos=1, noLocal=True, retainAsPublished=True, retainHandling=2))
    c.publish(t + "/x", b"own", qos=1)
    other = Peer(broker, "v5", transport)
    other.publish(t + "/x", b"other", qos=1, retain=True)
    assert wait_for(lambda: c.payloads() == [b"other"])
    assert c.messages[0].retain, "Retain As Published keeps RETAIN on live delivery"
    other.publish(t + "/x", b"", qos=1, retain=True)
    c.stop(); other.stop()


def test_v5_will_delay_cancelled_by_reconnect(broker):
    t = topic_for("wd")
    watcher = Peer(broker, "v5", "tcp")
    watcher.subscribe(t, qos=1)
    wp = Properties(PacketTypes.WILLMESSAGE)
    wp.WillDelayInterval = 2
    cid = f"wd-{uuid.uuid4().hex[:8]}"
    dying = Peer(broker, "v5", "websockets", client_id=cid, persistent=True, will=(t, b"will", 1, False), will_props=wp)
    dying.drop()
    back = Peer(broker, "v5", "websockets", client_id=cid, persistent=True)  # within the delay
    time.sleep(2.8)
    assert watcher.payloads() == [], "a reconnect within the Will Delay Interval cancels the will"
    back.stop(); watcher.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_v5_request_response_round_trip(broker, transport):
    base = topic_for("rr")
    responder = Peer(broker, "v5", transport)

    def answer(c, u, m):
        props = Properties(PacketTypes.PUBLISH)
        props.CorrelationData = m.properties.CorrelationData
        c.publish(m.properties.ResponseTopic, b"pong:" + m.payload, qos=1, properties=props)
    responder.c.on_message = answer
    responder.subscribe(base + "/req", qos=1)
    requester = Peer(broker, "v5", transport)
    requester.subscribe(base + "/resp/me", qos=1)
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = base + "/resp/me"
    props.CorrelationData = b"\x00\x2a"
    requester.publish(base + "/req", b"ping", qos=1, properties=props)
    assert wait_for(lambda: requester.payloads() == [b"pong:ping"])
    assert requester.messages[0].properties.CorrelationData == b"\x00\x2a"
    responder.stop(); requester.stop()


def test_v5_server_keep_alive(tmp_path):
    b = Broker(tmp_path, config={**CONFIG, "maximumKeepAlive": 2})
    try:
        for transport in ("tcp", "websockets"):
            c = Peer(b, "v5", transport, keepalive=60)
            # MQTT 5.0 §3.2.2.3.14: the client must use the Server Keep Alive instead of its own.
            assert c.connack[2].ServerKeepAlive == 2
            c.stop()
        # A client that stays silent is closed after 1.5 × the server's keep-alive (not its own
        # 60 s) with DISCONNECT 0x8D.
        raw = RawClient(b.port)
        raw.send(connect("silent", version=5, keepalive=60))
        assert raw.read_packet()[0] == 0x20
        start = time.time()
        first, body = raw.read_packet(timeout=8)
        assert first == 0xE0 and body[:1] == b"\x8d", (first, body)
        assert 2.5 < time.time() - start < 7
        raw.close()
    finally:
        b.stop()
