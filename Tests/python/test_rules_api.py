"""Rules and detectors through the HTTP API of `lorikeet serve` (admin key): create, list (paged),
get, replace, enable/disable, delete; contract errors; hot reload (API and CLI changes apply to the
next message without a restart); persistence across restarts."""
import json
import os
import time

from rules_support import Server, drain, lorikeet, wait_for


def republish_rule(name="copy", where="v > 1"):
    return {"name": name, "sql": f"SELECT v FROM 'in/+' WHERE {where}",
            "actions": [{"republish": {"topic": "out/" + name + "/${topic(2)}"}}]}


def published(client, topic, payload, wait=0.6):
    client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(5)
    return [(t, json.loads(p)) for t, p in drain(client.messages, wait)]


def test_rules_crud_errors_paging_and_hot_reload():
    server = Server().start()
    try:
        api = server.api
        assert api("GET", "/api/rules") == (200, {"items": [], "total": 0, "limit": 100, "offset": 0})
        status, body = api("POST", "/api/rules", republish_rule())
        assert status == 201 and body["name"] == "copy" and body["enabled"] is True
        assert api("POST", "/api/rules", republish_rule())[1]["error"] == "rule_exists"
        assert api("POST", "/api/rules", republish_rule())[0] == 409

        # Errors follow the contract; SQL syntax errors say where.
        status, err = api("POST", "/api/rules", {"name": "bad", "sql": "SELECT * FROM 'a' WHERE (", "actions": []})
        assert status == 400 and err["error"] == "sql_syntax" and "1:26" in err["message"], err
        status, err = api("POST", "/api/rules", {"name": "bad name", "sql": "SELECT * FROM 'a'"})
        assert status == 400 and err["error"] == "invalid_rule", err
        status, err = api("POST", "/api/rules", {"sql": "SELECT * FROM 'a'"})
        assert status == 400 and err["error"] == "invalid_body" and "name" in err["message"], err
        status, err = api("POST", "/api/rules", raw=b"{not json")
        assert status == 400 and err["error"] == "invalid_body"
        assert api("GET", "/api/rules/nope") == (404, {"error": "rule_not_found", "message": "rule nope not found"})
        assert api("GET", "/api/rules?limit=0")[1]["error"] == "invalid_parameter"
        assert api("GET", "/api/rules?limit=1001")[0] == 400

        client = server.mqtt_client("watch", "out/#")
        # Created through the API: effective for the next message.
        assert published(client, "in/a", {"v": 5}) == [("out/copy/a", {"v": 5})]
        assert published(client, "in/a", {"v": 0}) == []

        # Replace (PUT): the new WHERE applies at once.
        status, body = api("PUT", "/api/rules/copy", republish_rule(where="v > 10"))
        assert status == 200 and "v > 10" in body["sql"]
        assert api("PUT", "/api/rules/copy", republish_rule(name="other"))[1]["error"] == "name_mismatch"
        assert api("PUT", "/api/rules/ghost", republish_rule(name="ghost"))[0] == 404
        assert published(client, "in/a", {"v": 5}) == []
        assert published(client, "in/a", {"v": 11}) == [("out/copy/a", {"v": 11})]

        # Disable / enable.
        status, body = api("POST", "/api/rules/copy/disable")
        assert status == 200 and body["enabled"] is False
        assert published(client, "in/a", {"v": 50}) == []
        assert api("GET", "/api/rules/copy")[1]["enabled"] is False
        assert api("POST", "/api/rules/copy/enable")[1]["enabled"] is True
        assert published(client, "in/a", {"v": 50}) == [("out/copy/a", {"v": 50})]
        assert api("POST", "/api/rules/ghost/enable")[0] == 404

        # Paging.
        for i in range(4):
            assert api("POST", "/api/rules", republish_rule(name=f"r{i}", where="false"))[0] == 201
        status, page = api("GET", "/api/rules?limit=2&offset=1")
        assert status == 200 and page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
        assert [r["name"] for r in page["items"]] == ["r0", "r1"]
        assert api("GET", "/api/rules?offset=10")[1]["items"] == []

        # The CLI edits rules.json while serve runs: picked up within about a second.
        r = lorikeet("rules", "add", "--json", json.dumps(republish_rule(name="cli", where="v = 7")), data_dir=server.data_dir)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: ("out/cli/b", {"v": 7}) in published(client, "in/b", {"v": 7}, wait=0.3), timeout=6,
                 what="the CLI-added rule to run")
        r = lorikeet("rules", "disable", "cli", data_dir=server.data_dir)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: api("GET", "/api/rules/cli")[1]["enabled"] is False, what="the API to see the CLI's change")
        time.sleep(1.5)
        assert ("out/cli/b", {"v": 7}) not in published(client, "in/b", {"v": 7})
        r = lorikeet("rules", "enable", "ghost", data_dir=server.data_dir)
        assert r.returncode != 0 and "no rule named ghost" in r.stderr

        # Delete.
        assert api("DELETE", "/api/rules/r3") == (204, None)
        assert api("DELETE", "/api/rules/r3")[0] == 404
        client.disconnect()

        # Restart: everything persisted in rules.json, as left.
        server.stop()
        server.start()
        status, page = api("GET", "/api/rules")
        assert [(r["name"], r["enabled"]) for r in page["items"]] == [
            ("copy", True), ("r0", True), ("r1", True), ("r2", True), ("cli", False)]
        client = server.mqtt_client("watch2", "out/#")
        assert published(client, "in/c", {"v": 20}) == [("out/copy/c", {"v": 20})]
        client.disconnect()
        r = lorikeet("rules", "list", data_dir=server.data_dir)
        assert "cli\tdisabled" in r.stdout
    finally:
        server.stop()


def test_detectors_crud():
    server = Server().start()
    try:
        api = server.api
        detector = {"id": "hot", "severity": "critical",
                    "threshold": {"metric": "temperature_1", "direction": "above", "threshold": 30}}
        assert api("GET", "/api/detectors")[1] == {"items": [], "total": 0, "limit": 100, "offset": 0}
        status, body = api("POST", "/api/detectors", detector)
        assert status == 201 and body["id"] == "hot"
        assert api("POST", "/api/detectors", detector)[1]["error"] == "detector_exists"
        status, err = api("POST", "/api/detectors", {"id": "bad id!", "threshold": {"metric": "t", "direction": "above", "threshold": 1}})
        assert status == 400 and err["error"] == "invalid_detector", err
        status, err = api("POST", "/api/detectors", {"id": "x", "absence": {}})
        assert status == 400, err
        assert api("GET", "/api/detectors/hot")[1]["threshold"]["threshold"] == 30
        assert api("GET", "/api/detectors/nope")[0] == 404
        # The CLI sees what the API stored.
        r = lorikeet("events", "detectors", "list", data_dir=server.data_dir)
        assert '"hot"' in r.stdout
        assert api("DELETE", "/api/detectors/hot") == (204, None)
        assert api("DELETE", "/api/detectors/hot")[0] == 404
        assert api("GET", "/api/detectors")[1]["total"] == 0
        status, err = api("GET", "/api/alerts?state=open")
        assert status == 400 and err["error"] == "invalid_parameter"
    finally:
        server.stop()


def test_api_requires_the_admin_key():
    server = Server().start()
    try:
        key = server.key
        server.key = "wrong"
        assert server.api("GET", "/api/rules")[0] == 401
        assert server.api("GET", "/api/alerts")[0] == 401
        server.key = key
        assert server.api("GET", "/api/alerts")[0] == 200
    finally:
        server.stop()
