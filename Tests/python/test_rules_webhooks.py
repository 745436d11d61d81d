"""Rules in `lorikeet serve`: the webhook action goes through the durable rule-webhook outbox (signed
with HMAC-SHA256, retried, kept in events.sqlite), the alert action opens an alert with its
lifecycle, and a failing action runs the rule's error action.

A real local HTTP receiver (Python's http.server, from test_events_hooks) stands in for the
customer's endpoint; messages are published on the embedded broker with paho-mqtt.
"""
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import time
import urllib.parse

from rules_support import RULE_SECRET, Server, drain, free_port, wait_for
from test_events_hooks import Receiver


def header(request, name):
    for k, v in request["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def signed(request):
    expected = "sha256=" + hmac.new(RULE_SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(header(request, "X-Lorikeet-Signature") or "", expected)


def webhook_rule(url, name="hot"):
    return {"name": name, "sql": "SELECT temp, topic(2) AS sensor FROM 'sensors/+/t' WHERE temp > 30",
            "actions": [{"webhook": {"url": url, "headers": {"X-Sensor": "${topic(2)}"}}}]}


def rule_deliveries(server):
    db = sqlite3.connect(os.path.join(server.data_dir, "events.sqlite"))
    try:
        return db.execute("SELECT idempotency_key, state, attempts FROM rule_deliveries ORDER BY rowid").fetchall()
    finally:
        db.close()


def test_matched_rule_delivers_a_signed_webhook():
    receiver = Receiver()
    server = Server().start()
    try:
        status, body = server.api("POST", "/api/rules", webhook_rule(receiver.url))
        assert status == 201, body
        client = server.mqtt_client("pub")
        client.publish("sensors/s1/t", json.dumps({"temp": 10}), qos=1).wait_for_publish(5)   # WHERE false
        client.publish("other/s1/t", json.dumps({"temp": 99}), qos=1).wait_for_publish(5)     # FROM mismatch
        client.publish("sensors/s1/t", json.dumps({"temp": 35.5}), qos=1).wait_for_publish(5)
        wait_for(lambda: len(receiver.requests) >= 1, what="the webhook")
        time.sleep(0.5)
        assert len(receiver.requests) == 1, [r["body"] for r in receiver.requests]
        r = receiver.requests[0]
        assert signed(r)
        assert json.loads(r["body"]) == {"temp": 35.5, "sensor": "s1"}
        assert header(r, "X-Sensor") == "s1"
        assert header(r, "X-Lorikeet-Rule") == "hot"
        assert header(r, "Content-Type") == "application/json"
        assert header(r, "Idempotency-Key").startswith("hot/")
        wait_for(lambda: rule_deliveries(server) and rule_deliveries(server)[0][1] == "delivered", what="delivered state")
        client.disconnect()
    finally:
        server.stop()
        receiver.close()


def test_receiver_down_for_a_while_then_delivered():
    port = free_port()
    server = Server().start()
    receiver = None
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert server.api("POST", "/api/rules", webhook_rule(url))[0] == 201
        client = server.mqtt_client("pub")
        for i in range(3):
            client.publish("sensors/s%d/t" % i, json.dumps({"temp": 40 + i}), qos=1).wait_for_publish(5)
        # Nobody listens: attempts fail and are retried with backoff, nothing is lost.
        wait_for(lambda: len(rule_deliveries(server)) == 3 and all(r[2] >= 2 for r in rule_deliveries(server)[:1]),
                 what="failed attempts")
        assert all(state == "pending" for _, state, _ in rule_deliveries(server))
        receiver = Receiver(port=port)
        wait_for(lambda: len(receiver.processed) == 3, timeout=15, what="delivery after the receiver came back")
        assert sorted(json.loads(b)["temp"] for b in receiver.processed.values()) == [40, 41, 42]
        assert all(signed(r) for r in receiver.requests)
        wait_for(lambda: all(state == "delivered" for _, state, _ in rule_deliveries(server)), what="delivered states")
        client.disconnect()
    finally:
        server.stop()
        if receiver:
            receiver.close()


def test_killed_with_items_in_the_outbox_delivered_after_restart_exactly_once():
    # The receiver holds the first request without answering; the server is SIGKILLed meanwhile.
    receiver = Receiver(hold_first=30)
    server = Server().start()
    try:
        assert server.api("POST", "/api/rules", webhook_rule(receiver.url))[0] == 201
        client = server.mqtt_client("pub")
        client.publish("sensors/a/t", json.dumps({"temp": 50}), qos=1).wait_for_publish(5)
        assert receiver.first_arrived.wait(10)
        first_key = header(receiver.requests[0], "Idempotency-Key")
        client.publish("sensors/b/t", json.dumps({"temp": 51}), qos=1).wait_for_publish(5)
        wait_for(lambda: len(rule_deliveries(server)) == 2, what="the second outbox row")
        client.disconnect()
        server.kill()                     # SIGKILL: no graceful shutdown
        receiver.release.set()
        server.start()                    # same data directory: the outbox is drained at start
        wait_for(lambda: len(receiver.processed) == 2, timeout=15, what="delivery after restart")
        keys = receiver.keys()
        assert keys.count(first_key) >= 2, keys          # sent again after the restart …
        assert set(receiver.processed) == set(keys)      # … and acted on once per key
        assert len(receiver.processed) == 2
        assert all(signed(r) for r in receiver.requests)
        wait_for(lambda: all(state == "delivered" for _, state, _ in rule_deliveries(server)), what="delivered states")
    finally:
        server.stop()
        receiver.close()


def test_alert_action_lifecycle_and_error_action():
    alert_receiver = Receiver()
    server = Server(config={"alertWebhook": {"url": alert_receiver.url, "secret": "s3cr3t-for-tests"}}).start()
    try:
        rule = {"name": "freezer", "sql": "SELECT temp FROM 'freezers/+/t' WHERE temp > -15",
                "actions": [{"alert": {"name": "freezer_warm", "severity": "critical", "message": "${temp} °C",
                                       "dedupKey": "${topic(2)}"}},
                            {"downlink": {"devEUI": "${topic(2)}", "fPort": 10, "data": "AQ=="}}],
                "errorAction": {"republish": {"topic": "rules/errors"}}}
        assert server.api("POST", "/api/rules", rule)[0] == 201
        client = server.mqtt_client("watch", "rules/errors", "lorikeet/alerts/#")
        client.publish("freezers/f1/t", json.dumps({"temp": -10}), qos=1).wait_for_publish(5)
        client.publish("freezers/f1/t", json.dumps({"temp": -9}), qos=1).wait_for_publish(5)   # same dedup key: updated
        got = drain(client.messages, 2.0)
        errors = [json.loads(p) for t, p in got if t == "rules/errors"]
        assert len(errors) == 2
        assert errors[0]["ruleName"] == "freezer"
        assert errors[0]["failures"][0]["failedAction"] == "downlink"   # 'f1' is not a DevEUI
        published = [t for t, _ in got if t.startswith("lorikeet/alerts/")]
        assert published == ["lorikeet/alerts/rule.freezer_warm/f1/fired"], published

        status, page = server.api("GET", "/api/alerts?state=firing&deviceEui=f1")
        assert status == 200 and page["total"] == 1, page
        alert = page["items"][0]
        assert alert["detectorID"] == "rule.freezer_warm" and alert["detectorType"] == "rule"
        assert alert["severity"] == "critical" and alert["fireCount"] == 2 and alert["message"] == "-9 °C"
        quoted = urllib.parse.quote(alert["id"], safe="")
        status, acked = server.api("POST", f"/api/alerts/{quoted}/acknowledge", {"by": "ops"})
        assert status == 200 and acked["state"] == "acknowledged" and acked["acknowledgedBy"] == "ops", acked
        status, resolved = server.api("POST", f"/api/alerts/{quoted}/resolve", {"message": "door shut"})
        assert status == 200 and resolved["state"] == "resolved" and resolved["resolveMessage"] == "door shut"
        assert server.api("GET", "/api/alerts?state=firing")[1]["total"] == 0
        assert server.api("GET", "/api/alerts?state=resolved")[1]["total"] == 1
        status, err = server.api("POST", "/api/alerts/nope/acknowledge")
        assert status == 404 and err["error"] == "alert_not_found"
        # The alert webhook heard fired, acknowledged and resolved, in order.
        wait_for(lambda: len(alert_receiver.processed) == 3, what="alert hooks")
        assert [k.rsplit("/", 1)[1] for k in alert_receiver.keys()] == ["fired", "acknowledged", "resolved"]
        # A new breach after the resolve opens a new alert.
        client.publish("freezers/f1/t", json.dumps({"temp": -1}), qos=1).wait_for_publish(5)
        wait_for(lambda: server.api("GET", "/api/alerts?deviceEui=f1")[1]["total"] == 2, what="a second alert")
        client.disconnect()
    finally:
        server.stop()
        alert_receiver.close()
