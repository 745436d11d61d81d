"""End-to-end: paho-mqtt (PyPI) over TCP and WebSocket, MQTT 3.1.1 and 5.0, against `lorikeet broker`."""
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from broker_support import Broker, wait_for

PROTOCOLS = {"v311": mqtt.MQTTv311, "v5": mqtt.MQTTv5}
COMBOS = [(p, t) for p in PROTOCOLS for t in ("tcp", "websockets")]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("paho"))
    yield b
    b.stop()


class Client:
    def __init__(self, broker, proto="v5", transport="tcp", username=None, password=None, will=None,
                 client_id=None, clean=True):
        self.proto = PROTOCOLS[proto]
        self.messages = []
        self.subacks = {}
        self.pubacks = {}
        self.connack = None
        self.lock = threading.Lock()
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{uuid.uuid4().hex[:8]}",
                             protocol=self.proto, transport=transport,
                             clean_session=None if self.proto == mqtt.MQTTv5 else clean)
        if username:
            self.c.username_pw_set(username, password)
        if will:
            self.c.will_set(*will)
        self.c.on_message = self._on_message
        self.c.on_subscribe = lambda c, u, mid, codes, props: self.subacks.__setitem__(mid, [int(x.value) if hasattr(x, "value") else int(x) for x in codes])
        self.c.on_publish = lambda c, u, mid, rc, props: self.pubacks.__setitem__(mid, int(rc.value) if hasattr(rc, "value") else int(rc))
        self.c.on_connect = lambda c, u, flags, rc, props: setattr(self, "connack", rc)
        port = broker.ws_port if transport == "websockets" else broker.port
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        assert wait_for(lambda: self.connack is not None), "no CONNACK"

    def _on_message(self, c, u, m):
        with self.lock:
            self.messages.append(m)

    def subscribe(self, topic, qos=1, **kw):
        rc, mid = self.c.subscribe(topic, qos=qos, **kw) if not kw else self.c.subscribe(topic, **kw)
        assert wait_for(lambda: mid in self.subacks), "no SUBACK"
        return self.subacks[mid]

    def publish(self, topic, payload, qos=1, retain=False, properties=None):
        info = self.c.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        if qos:
            assert wait_for(lambda: info.mid in self.pubacks), "no acknowledgement"
            return self.pubacks[info.mid]
        return None

    def payloads(self):
        with self.lock:
            return [m.payload for m in self.messages]

    def stop(self):
        self.c.disconnect()
        self.c.loop_stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_subscribe(broker, proto, transport, qos):
    sub = Client(broker, proto, transport)
    pub = Client(broker, proto, transport)
    topic = f"paho/{proto}/{transport}/{qos}"
    assert sub.subscribe(topic + "/#", qos=qos) == [qos]
    for i in range(5):
        pub.publish(f"{topic}/x", f"m{i}".encode(), qos=qos)
    assert wait_for(lambda: len(sub.payloads()) == 5)
    assert sub.payloads() == [f"m{i}".encode() for i in range(5)]
    assert all(m.qos == qos for m in sub.messages)
    sub.stop(); pub.stop()


@pytest.mark.parametrize("proto,transport", COMBOS)
def test_will_published_on_abnormal_close(broker, proto, transport):
    watcher = Client(broker, proto, transport)
    topic = f"will/{proto}/{transport}"
    watcher.subscribe(topic, qos=1)
    dying = Client(broker, proto, transport, will=(topic, b"gone", 1, False))
    dying.c.loop_stop()
    dying.c.socket().close()  # no DISCONNECT: the broker must publish the will
    assert wait_for(lambda: watcher.payloads() == [b"gone"])
    # A clean DISCONNECT discards the will.
    polite = Client(broker, proto, transport, will=(topic, b"should-not-appear", 1, False))
    polite.stop()
    time.sleep(0.3)
    assert watcher.payloads() == [b"gone"]
    watcher.stop()


def test_will_delay_v5_fires_after_delay(broker):
    watcher = Client(broker)
    watcher.subscribe("willdelay/x", qos=1)
    props = Properties(PacketTypes.WILLMESSAGE)
    props.WillDelayInterval = 1
    cid = "will-delay-client"
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
    c.will_set("willdelay/x", b"late", 1, properties=props)
    cp = Properties(PacketTypes.CONNECT)
    cp.SessionExpiryInterval = 60
    c.connect("127.0.0.1", broker.port, clean_start=False, properties=cp)
    c.loop_start(); time.sleep(0.2); c.loop_stop()
    c.socket().close()
    # Fires after the delay when the client does not come back.
    assert wait_for(lambda: watcher.payloads() == [b"late"], timeout=4)
    watcher.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_shared_subscription_load_sharing(broker, transport):
    a = Client(broker, "v5", transport)
    b = Client(broker, "v5", transport)
    assert a.subscribe("$share/workers/jobs/+", qos=1) == [1]
    assert b.subscribe("$share/workers/jobs/+", qos=1) == [1]
    p = Client(broker, "v5", transport)
    for i in range(20):
        p.publish(f"jobs/{i}", str(i).encode(), qos=1)
    assert wait_for(lambda: len(a.payloads()) + len(b.payloads()) == 20)
    time.sleep(0.2)
    got = sorted(int(x) for x in a.payloads() + b.payloads())
    assert got == list(range(20))  # each message to exactly one member
    assert a.payloads() and b.payloads()  # both members got work
    a.stop(); b.stop(); p.stop()


@pytest.mark.parametrize("proto", ["v311", "v5"])
def test_application_isolation(broker, proto):
    app1 = Client(broker, proto, username="app1", password="pw1")
    app2 = Client(broker, proto, username="app2", password="pw2")
    admin = Client(broker, proto, username="admin", password="adminpw")
    # App 1 may not subscribe to app 2's topics: 0x87 (5.0) / 0x80 (3.1.1) in SUBACK.
    assert app1.subscribe("application/2/#", qos=1) == [0x87 if proto == "v5" else 0x80]
    # Its own application: granted.
    assert app1.subscribe("application/1/#", qos=1) == [1]
    # A wildcard over all applications is granted but filtered per message.
    assert app1.subscribe("application/+/device/+/event/up", qos=1) == [1]
    admin.subscribe("application/#", qos=1)
    # App 1 publishing into app 2: dropped; 5.0 PUBACK 0x87.
    rc = app1.publish("application/2/device/01/command/down", b"evil", qos=1)
    assert rc == (0x87 if proto == "v5" else 0)
    app2.publish("application/2/device/01/event/up", b"app2-data", qos=1)
    app1.publish("application/1/device/01/event/up", b"app1-data", qos=1)
    assert wait_for(lambda: sorted(admin.payloads()) == [b"app1-data", b"app2-data"])
    time.sleep(0.2)
    assert app1.payloads().count(b"app1-data") >= 1
    assert b"app2-data" not in app1.payloads()
    assert b"evil" not in admin.payloads()
    for c in (app1, app2, admin):
        c.stop()


def test_configured_acl_rule_v5_reason_codes(broker):
    anon = Client(broker, "v5")
    assert anon.subscribe("secret/#", qos=1) == [0x87]
    assert anon.subscribe("#", qos=0) == [0x87]  # overlaps the denied pattern
    assert anon.publish("readonly/x", b"no", qos=1) == 0x87
    assert anon.publish("open/x", b"yes", qos=1) == 0
    anon.stop()


@pytest.mark.parametrize("proto", ["v311", "v5"])
def test_bad_credentials_refused(broker, proto):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=PROTOCOLS[proto])
    result = {}
    c.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    c.username_pw_set("app1", "wrong")
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    assert wait_for(lambda: "rc" in result)
    c.loop_stop()
    assert result["rc"].is_failure
    assert int(result["rc"].value) in (0x86, 4)


def test_v5_properties_forwarded(broker):
    sub = Client(broker, "v5")
    sub.subscribe("req/+", qos=1)
    pub = Client(broker, "v5")
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = "resp/1"
    props.CorrelationData = b"\x01\x02"
    props.UserProperty = [("k", "v"), ("k", "w")]
    props.ContentType = "text/plain"
    props.MessageExpiryInterval = 60
    pub.publish("req/a", b"q", qos=1, properties=props)
    assert wait_for(lambda: len(sub.messages) == 1)
    p = sub.messages[0].properties
    assert p.ResponseTopic == "resp/1"
    assert p.CorrelationData == b"\x01\x02"
    assert p.UserProperty == [("k", "v"), ("k", "w")]
    assert p.ContentType == "text/plain"
    assert 55 <= p.MessageExpiryInterval <= 60
    sub.stop(); pub.stop()


def test_no_local_and_retain_handling(broker):
    c = Client(broker, "v5")
    c.publish("nl/r", b"retained", qos=1, retain=True)
    from paho.mqtt.subscribeoptions import SubscribeOptions
    # No Local: own messages are not delivered; Retain Handling 2: no retained messages.
    c.subscribe("nl/#", options=SubscribeOptions(qos=1, noLocal=True, retainHandling=2))
    c.publish("nl/x", b"own", qos=1)
    other = Client(broker, "v5")
    other.publish("nl/x", b"other", qos=1)
    assert wait_for(lambda: c.payloads() == [b"other"])
    # Retain As Published keeps RETAIN=1 on live delivery.
    r = Client(broker, "v5")
    r.subscribe("rap/#", options=SubscribeOptions(qos=1, retainAsPublished=True, retainHandling=2))
    other.publish("rap/x", b"live", qos=1, retain=True)
    assert wait_for(lambda: len(r.messages) == 1)
    assert r.messages[0].retain
    for x in (c, other, r):
        x.stop()
