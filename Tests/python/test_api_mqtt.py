"""MQTT logins with the HTTP API's keys (user name = key id or name, password = secret) against
`lorikeet serve`: application keys are isolated to their application, analysts may not
publish, wrong passwords and anonymous clients are refused."""
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from api_support import Server


def wait_for(cond, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


class Client:
    def __init__(self, server, username=None, password=None, proto=mqtt.MQTTv5):
        self.messages, self.subacks, self.pubacks, self.connack = [], {}, {}, None
        self.lock = threading.Lock()
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}", protocol=proto)
        if username is not None:
            self.c.username_pw_set(username, password)
        self.c.on_message = lambda c, u, m: self._add(m)
        self.c.on_subscribe = lambda c, u, mid, codes, props: self.subacks.__setitem__(mid, [int(x.value) for x in codes])
        self.c.on_publish = lambda c, u, mid, rc, props: self.pubacks.__setitem__(mid, int(rc.value) if hasattr(rc, "value") else int(rc))
        self.c.on_connect = lambda c, u, flags, rc, props: setattr(self, "connack", rc)
        self.c.connect("127.0.0.1", server.mqtt, keepalive=30)
        self.c.loop_start()
        assert wait_for(lambda: self.connack is not None), "no CONNACK"

    def _add(self, m):
        with self.lock:
            self.messages.append((m.topic, m.payload))

    @property
    def accepted(self):
        return not self.connack.is_failure

    def subscribe(self, topic):
        rc, mid = self.c.subscribe(topic, qos=1)
        assert wait_for(lambda: mid in self.subacks), "no SUBACK"
        return self.subacks[mid]

    def publish(self, topic, payload):
        info = self.c.publish(topic, payload, qos=1)
        assert wait_for(lambda: info.mid in self.pubacks), "no PUBACK"
        return self.pubacks[info.mid]

    def payloads(self):
        with self.lock:
            return [p for _, p in self.messages]

    def stop(self):
        self.c.disconnect()
        self.c.loop_stop()


@pytest.fixture(scope="module")
def setup():
    s = Server()
    for app in ("alpha", "beta"):
        assert s.call("POST", "/api/applications", {"id": app})[0] == 201
    keys = {}
    for name, role, app in (("alpha-mqtt", "application", "alpha"), ("beta-mqtt", "application", "beta"), ("watcher", "analyst", None)):
        body = {"name": name, "role": role}
        if app:
            body["applicationID"] = app
        st, created = s.call("POST", "/api/api-keys", body)
        assert st == 201
        keys[name] = created
    yield s, keys
    s.stop()


def test_application_keys_are_isolated(setup):
    s, keys = setup
    a = Client(s, "alpha-mqtt", keys["alpha-mqtt"]["secret"])
    b = Client(s, keys["beta-mqtt"]["id"], keys["beta-mqtt"]["secret"])  # by id works too
    admin = Client(s, "admin", s.admin_key)
    assert a.accepted and b.accepted and admin.accepted
    assert a.subscribe("application/beta/#") == [0x87]
    assert a.subscribe("application/alpha/#") == [1]
    assert a.subscribe("application/+/device/+/event/up") == [1]
    assert admin.subscribe("application/#") == [1]
    assert a.publish("application/beta/device/01/command/down", b"evil") == 0x87
    assert b.publish("application/beta/device/01/event/up", b"beta-data") == 0
    assert a.publish("application/alpha/device/01/event/up", b"alpha-data") == 0
    assert wait_for(lambda: sorted(admin.payloads()) == [b"alpha-data", b"beta-data"])
    assert wait_for(lambda: b"alpha-data" in a.payloads())
    time.sleep(0.2)
    assert b"beta-data" not in a.payloads()
    assert b"evil" not in admin.payloads()
    for c in (a, b, admin):
        c.stop()


def test_analyst_reads_everything_and_publishes_nothing(setup):
    s, keys = setup
    n = Client(s, "watcher", keys["watcher"]["secret"])
    b = Client(s, "beta-mqtt", keys["beta-mqtt"]["secret"])
    assert n.accepted
    assert n.subscribe("application/#") == [1]
    assert b.publish("application/beta/device/02/event/up", b"seen") == 0
    assert wait_for(lambda: b"seen" in n.payloads())
    assert n.publish("application/beta/device/02/command/down", b"nope") == 0x87
    assert n.publish("anything/else", b"nope") == 0x87
    n.stop(); b.stop()


@pytest.mark.parametrize("proto", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_bad_password_unknown_user_and_anonymous_refused(setup, proto):
    s, keys = setup
    for user, password in (("alpha-mqtt", "lk_wrong"), ("alpha-mqtt", keys["beta-mqtt"]["secret"]), ("nobody", "x"),
                           ("admin", "not-the-admin-key"), (None, None)):
        c = Client(s, user, password, proto=proto)
        assert not c.accepted, user
        assert int(c.connack.value) in (0x86, 0x87, 4, 5)
        c.stop()


def test_deleted_key_cannot_log_in(setup):
    s, _ = setup
    st, created = s.call("POST", "/api/api-keys", {"name": "short-lived", "role": "analyst"})
    assert st == 201
    c = Client(s, "short-lived", created["secret"])
    assert c.accepted
    c.stop()
    assert s.call("DELETE", f"/api/api-keys/{created['id']}")[0] == 204
    c = Client(s, "short-lived", created["secret"])
    assert not c.accepted
    c.stop()
