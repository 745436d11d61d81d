"""The HTTP API over real HTTP against `lorikeet serve`: CRUD of every core resource, keys
write-only and encrypted at rest, validation errors, paging, and 401/403 for each role."""
import os
import re
import sqlite3

import pytest

from api_support import Server, lorikeet

APP_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
NWK_S_KEY = "000102030405060708090a0b0c0d0e0f"
APP_S_KEY = "f0e0d0c0b0a090807060504030201000"


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def is_error(body, code=None):
    assert isinstance(body, dict) and set(body) == {"error", "message"}, body
    assert isinstance(body["error"], str) and isinstance(body["message"], str) and body["message"]
    if code:
        assert body["error"] == code, body


def setup_apps(s):
    for app in ("alpha", "beta"):
        st, _ = s.call("POST", "/api/applications", {"id": app, "name": app.title()})
        assert st in (201, 409)
    st, _ = s.call("POST", "/api/device-profiles", {"id": "eu", "region": "EU868", "macVersion": "1.0.3"})
    assert st in (201, 409)


def make_device(s, eui, app, key="admin", **extra):
    body = {"devEUI": eui, "applicationID": app, "deviceProfileID": "eu", "appKey": APP_KEY, **extra}
    return s.call("POST", "/api/devices", body, key=key)


def new_key(s, name, role, app=None):
    body = {"name": name, "role": role}
    if app:
        body["applicationID"] = app
    st, created = s.call("POST", "/api/api-keys", body)
    assert st == 201, created
    assert created["secret"].startswith("lk_") and created["role"] == role
    return created


def test_health_needs_no_key_and_everything_else_does(server):
    assert server.call("GET", "/healthz", key=None)[0] == 200
    for path in ("/api/applications", "/api/devices", "/api/openapi.json", "/api/nonexistent", "/api/api-keys"):
        st, body = server.call("GET", path, key=None)
        assert st == 401, path
        is_error(body, "unauthorized")
        st, body = server.call("GET", path, key="lk_0000000000000000000000000000000000000000")
        assert st == 401, path
        is_error(body, "unauthorized")
    st, body = server.call("POST", "/api/query", {"sql": "SELECT 1"}, key=None)
    assert st == 401
    st, body = server.call("GET", "/api/applications", headers={"Authorization": "Basic abc"}, key=None)
    assert st == 401 and "Bearer" in body["message"]
    # Paths the router treats as /api paths need the key too.
    import http.client
    for path in ("//api/applications", "///api//devices", "/%61pi/applications", "/api/./applications", "//metrics"):
        c = http.client.HTTPConnection("127.0.0.1", server.http, timeout=5)
        c.request("GET", path)
        r = c.getresponse()
        assert r.status == 401, (path, r.status)
        c.close()
    st, body = server.call("GET", "/api/nonexistent")
    assert st == 404
    is_error(body, "not_found")


def test_applications_crud(server):
    st, app = server.call("POST", "/api/applications", {"id": "crud-app", "name": "CRUD", "description": "d"})
    assert st == 201 and app == {"id": "crud-app", "name": "CRUD", "description": "d"}
    st, body = server.call("POST", "/api/applications", {"id": "crud-app"})
    assert st == 409
    is_error(body, "application_already_exists")
    assert server.call("GET", "/api/applications/crud-app")[1]["name"] == "CRUD"
    st, app = server.call("PUT", "/api/applications/crud-app", {"name": "Renamed"})
    assert st == 200 and app["name"] == "Renamed" and app["description"] == "d"
    st, body = server.call("PUT", "/api/applications/crud-app", {"id": "other"})
    assert st == 400
    st, page = server.call("GET", "/api/applications")
    assert st == 200 and set(page) == {"items", "total", "limit", "offset"}
    assert "crud-app" in [a["id"] for a in page["items"]]
    assert server.call("DELETE", "/api/applications/crud-app")[0] == 204
    st, body = server.call("GET", "/api/applications/crud-app")
    assert st == 404
    is_error(body, "application_not_found")
    st, body = server.call("POST", "/api/applications", {"id": "bad id!"})
    assert st == 400


def test_device_profiles_crud(server):
    st, p = server.call("POST", "/api/device-profiles", {"id": "cls-c", "supportsClassC": True, "rx1Delay": 2})
    assert st == 201 and p["supportsClassC"] is True and p["rx1Delay"] == 2 and p["region"] == "EU868"
    st, p = server.call("PUT", "/api/device-profiles/cls-c", {"rx1Delay": 3, "name": "Class C"})
    assert st == 200 and p["rx1Delay"] == 3 and p["supportsClassC"] is True and p["name"] == "Class C"
    st, body = server.call("PUT", "/api/device-profiles/cls-c", {"rx1Delay": 99})
    assert st == 400 and "rx1Delay" in body["message"]
    assert server.call("GET", "/api/device-profiles/cls-c")[1]["rx1Delay"] == 3
    assert server.call("DELETE", "/api/device-profiles/cls-c")[0] == 204
    assert server.call("GET", "/api/device-profiles/cls-c")[0] == 404


def test_devices_keys_are_write_only_and_encrypted_at_rest(server):
    setup_apps(server)
    st, d = make_device(server, "0004a30b001c0001", "alpha", name="probe", nwkKey=NWK_S_KEY)
    assert st == 201, d
    assert d["hasAppKey"] is True and d["hasNwkKey"] is True and d["activation"] == "otaa"
    assert "appKey" not in d and "nwkKey" not in d
    st, d = server.call("GET", "/api/devices/0004A30B001C0001")
    assert st == 200 and d["name"] == "probe"
    text = repr(server.call("GET", "/api/devices")[1]) + repr(d)
    assert APP_KEY not in text.lower() and NWK_S_KEY not in text.lower()

    # ABP with session keys.
    st, d = server.call("POST", "/api/devices", {"devEUI": "0004a30b001c0002", "applicationID": "alpha", "deviceProfileID": "eu",
                                                 "abp": {"devAddr": "26011f22", "nwkSKey": NWK_S_KEY, "appSKey": APP_S_KEY}})
    assert st == 201, d
    assert d["activation"] == "abp" and d["abp"] == {"devAddr": "26011F22", "hasSessionKeys": True} or d["abp"]["hasSessionKeys"] is True
    assert APP_S_KEY not in repr(d).lower()

    # Update: name and disabled change, keys stay set without being shown.
    st, d = server.call("PUT", "/api/devices/0004a30b001c0001", {"name": "renamed", "disabled": True})
    assert st == 200 and d["name"] == "renamed" and d["disabled"] is True and d["hasAppKey"] is True
    st, d = server.call("PUT", "/api/devices/0004a30b001c0001", {"appKey": "00" * 16})
    assert st == 200 and d["hasAppKey"] is True

    # At rest: no key in plaintext in the registry file; the KEK is a 0600 file beside it.
    db = sqlite3.connect(os.path.join(server.data_dir, "registry.sqlite"))
    bodies = " ".join(row[0] for row in db.execute("SELECT body FROM devices"))
    db.close()
    assert "kw1:" in bodies
    for k in (APP_KEY, NWK_S_KEY, APP_S_KEY, "00" * 16):
        assert k not in bodies.lower()
    kek = os.path.join(server.data_dir, "kek.key")
    assert oct(os.stat(kek).st_mode & 0o777) == "0o600"
    assert APP_KEY not in server.logs().lower() and APP_S_KEY not in server.logs().lower()

    assert server.call("DELETE", "/api/devices/0004a30b001c0002")[0] == 204
    assert server.call("GET", "/api/devices/0004a30b001c0002")[0] == 404


def test_validation_errors_say_what_is_wrong(server):
    setup_apps(server)
    st, body = make_device(server, "0004a30b001c0003", "alpha", colour="red")
    assert st == 400
    is_error(body, "unknown_field")
    assert "colour" in body["message"]
    st, body = server.call("POST", "/api/devices", {"devEUI": "0004a30b001c0003", "applicationID": "alpha", "deviceProfileID": "eu",
                                                    "abp": {"devAddr": "26011f22", "nwkSKey": NWK_S_KEY, "appSKey": APP_S_KEY, "x": 1}})
    assert st == 400 and "abp.x" in body["message"]
    st, body = make_device(server, "0004a30b001c", "alpha")
    assert st == 400 and "devEUI" in body["message"]
    st, body = make_device(server, "0004a30b001c0003", "alpha", appKey="abc")
    assert st == 400 and "appKey" in body["message"]
    st, body = make_device(server, "zz04a30b001c0003", "alpha")
    assert st == 400 and "devEUI" in body["message"]
    st, body = server.call("POST", "/api/devices", {"devEUI": "0004a30b001c0003", "applicationID": "alpha", "deviceProfileID": "eu"})
    assert st == 400 and "appKey" in body["message"]
    st, body = server.call("POST", "/api/devices", {"devEUI": 5, "applicationID": "alpha", "deviceProfileID": "eu"})
    assert st == 400 and "devEUI" in body["message"]
    st, body = server.call("GET", "/api/devices/not-an-eui")
    assert st == 400
    is_error(body, "invalid_eui")
    st, body = server.call("POST", "/api/applications", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert st == 400
    is_error(body, "invalid_json")
    st, body = server.call("POST", "/api/applications", raw=b"[1,2]", headers={"Content-Type": "application/json"})
    assert st == 400
    st, body = server.call("POST", "/api/applications", raw=b"", headers={"Content-Type": "application/json"})
    assert st == 400
    st, body = make_device(server, "0004a30b001c0003", "nope")
    assert st == 400 and "nope" in body["message"]
    st, body = server.call("POST", "/api/applications", {"id": "big", "description": "x" * (2 << 20)})
    assert st == 413
    is_error(body, "payload_too_large")
    for q in ("limit=0", "limit=5000", "offset=-1", "limit=abc"):
        st, body = server.call("GET", f"/api/devices?{q}")
        assert st == 400, q
        is_error(body, "invalid_parameter")
    # Deep nesting and odd bytes do not crash the server.
    st, _ = server.call("POST", "/api/applications", raw=b"[" * 100000, headers={"Content-Type": "application/json"})
    assert st == 400
    st, _ = server.call("POST", "/api/applications", raw=bytes(range(256)), headers={"Content-Type": "application/json"})
    assert st == 400
    assert server.call("GET", "/healthz", key=None)[0] == 200


def test_paging_and_filters(server):
    setup_apps(server)
    for i in range(5):
        make_device(server, f"00000000000010{i:02x}", "beta")
    st, page = server.call("GET", "/api/devices?applicationId=beta&limit=2&offset=2")
    assert st == 200 and page["total"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [d["devEUI"] for d in page["items"]] == ["0000000000001002", "0000000000001003"]
    st, page = server.call("GET", "/api/devices?applicationId=beta&offset=4")
    assert page["limit"] == 100 and len(page["items"]) == 1
    st, page = server.call("GET", "/api/devices?applicationId=beta&offset=10")
    assert page["items"] == [] and page["total"] == 5


def test_gateways_crud(server):
    st, g = server.call("POST", "/api/gateways", {"gatewayEUI": "aa555a0000000101", "name": "roof",
                                                  "location": {"latitude": 52.1, "longitude": 4.3, "altitude": 12}})
    assert st == 201 and g["name"] == "roof"
    assert server.call("POST", "/api/gateways", {"gatewayEUI": "aa555a0000000101"})[0] == 409
    st, g = server.call("PUT", "/api/gateways/aa555a0000000101", {"name": "mast"})
    assert st == 200 and g["name"] == "mast" and g["location"]["latitude"] == 52.1
    st, body = server.call("PUT", "/api/gateways/aa555a0000000101", {"location": {"latitude": 91, "longitude": 0}})
    assert st == 400 and "latitude" in body["message"]
    assert server.call("GET", "/api/gateways")[1]["total"] >= 1
    assert server.call("DELETE", "/api/gateways/aa555a0000000101")[0] == 204
    assert server.call("GET", "/api/gateways/aa555a0000000101")[0] == 404


def test_device_groups_crud_and_members(server):
    setup_apps(server)
    make_device(server, "0000000000002001", "alpha")
    make_device(server, "0000000000002002", "alpha")
    make_device(server, "0000000000002003", "beta")
    st, g = server.call("POST", "/api/device-groups", {"id": "floor1", "applicationID": "alpha", "name": "Floor 1",
                                                       "devices": ["0000000000002001"]})
    assert st == 201 and g["devices"] == ["0000000000002001"]
    st, g = server.call("POST", "/api/device-groups/floor1/devices", {"devEUI": "0000000000002002"})
    assert st == 200 and g["devices"] == ["0000000000002001", "0000000000002002"]
    st, body = server.call("POST", "/api/device-groups/floor1/devices", {"devEUI": "0000000000002003"})
    assert st == 400 and "another application" in body["message"]
    assert server.call("DELETE", "/api/device-groups/floor1/devices/0000000000002001")[0] == 204
    assert server.call("DELETE", "/api/device-groups/floor1/devices/0000000000002001")[0] == 404
    st, g = server.call("PUT", "/api/device-groups/floor1", {"description": "first floor"})
    assert st == 200 and g["description"] == "first floor" and g["devices"] == ["0000000000002002"]
    st, page = server.call("GET", "/api/device-groups?applicationId=alpha")
    assert page["total"] == 1 and page["items"][0]["id"] == "floor1"
    assert server.call("DELETE", "/api/device-groups/floor1")[0] == 204
    assert server.call("GET", "/api/device-groups/floor1")[0] == 404


def test_downlink_queue(server):
    setup_apps(server)
    make_device(server, "0000000000003001", "alpha")
    st, body = server.call("POST", "/api/devices/0000000000003001/queue", {"fPort": 2, "dataHex": "0102"})
    assert st == 201 and body["id"]
    st, body = server.call("POST", "/api/devices/0000000000003001/queue", {"fPort": 3, "data": "AQID", "confirmed": True})
    assert st == 201
    second = body["id"]
    st, page = server.call("GET", "/api/devices/0000000000003001/queue")
    assert page["total"] == 2 and page["items"][0]["data"] == "AQI=" and page["items"][1]["confirmed"] is True
    assert server.call("POST", "/api/devices/0000000000003001/queue", {"fPort": 0, "dataHex": "01"})[0] == 400
    assert server.call("POST", "/api/devices/0000000000003001/queue", {"fPort": 2, "dataHex": "0g"})[0] == 400
    assert server.call("POST", "/api/devices/0000000000003001/queue", {"fPort": 2, "data": "!!", "dataHex": "01"})[0] == 400
    assert server.call("POST", "/api/devices/0000000000009999/queue", {"fPort": 2})[0] == 404
    assert server.call("DELETE", f"/api/devices/0000000000003001/queue/{second}")[0] == 204
    assert server.call("GET", "/api/devices/0000000000003001/queue")[1]["total"] == 1
    assert server.call("DELETE", "/api/devices/0000000000003001/queue")[0] == 204
    assert server.call("GET", "/api/devices/0000000000003001/queue")[1]["total"] == 0


def test_api_keys_and_roles(server):
    setup_apps(server)
    make_device(server, "0000000000004001", "alpha")
    make_device(server, "0000000000004002", "beta")
    alpha = new_key(server, "alpha-key", "application", "alpha")
    analyst = new_key(server, "analyst-key", "analyst")
    admin2 = new_key(server, "second-admin", "admin")
    st, keys = server.call("GET", "/api/api-keys")
    assert st == 200 and {"alpha-key", "analyst-key", "second-admin"} <= {k["name"] for k in keys["items"]}
    assert "secret" not in repr(keys) and alpha["secret"] not in repr(keys)
    assert server.call("GET", f"/api/api-keys/{alpha['id']}")[1]["applicationID"] == "alpha"
    assert server.call("POST", "/api/api-keys", {"name": "alpha-key", "role": "analyst"})[0] == 409
    assert server.call("POST", "/api/api-keys", {"name": "x", "role": "root"})[0] == 400
    assert server.call("POST", "/api/api-keys", {"name": "y", "role": "application"})[0] == 400
    assert server.call("POST", "/api/api-keys", {"name": "z", "role": "analyst", "applicationID": "alpha"})[0] == 400

    a, n, m = alpha["secret"], analyst["secret"], admin2["secret"]
    # A second admin key may do everything.
    assert server.call("GET", "/api/gateways", key=m)[0] == 200
    assert server.call("POST", "/api/applications", {"id": "by-admin2"}, key=m)[0] == 201

    # Application key: its own devices only.
    st, page = server.call("GET", "/api/devices", key=a)
    assert st == 200 and page["items"] and {d["applicationID"] for d in page["items"]} == {"alpha"}
    assert server.call("GET", "/api/devices?applicationId=beta", key=a)[0] == 403
    assert server.call("GET", "/api/devices/0000000000004001", key=a)[0] == 200
    st, body = server.call("GET", "/api/devices/0000000000004002", key=a)
    assert st == 404
    is_error(body, "device_not_found")
    assert server.call("DELETE", "/api/devices/0000000000004002", key=a)[0] == 404
    assert server.call("GET", "/api/devices/0000000000004002/queue", key=a)[0] == 404
    assert server.call("POST", "/api/devices/0000000000004001/queue", {"fPort": 1, "dataHex": "01"}, key=a)[0] == 201
    assert make_device(server, "0000000000004003", "alpha", key=a)[0] == 201
    st, body = make_device(server, "0000000000004004", "beta", key=a)
    assert st == 403
    is_error(body, "forbidden")
    assert server.call("PUT", "/api/devices/0000000000004003", {"applicationID": "beta"}, key=a)[0] == 403
    assert server.call("GET", "/api/device-profiles", key=a)[0] == 200
    assert server.call("POST", "/api/device-profiles", {"id": "p2"}, key=a)[0] == 403
    st, apps = server.call("GET", "/api/applications", key=a)
    assert st == 200 and [x["id"] for x in apps["items"]] == ["alpha"]
    assert server.call("GET", "/api/applications/beta", key=a)[0] == 403
    for method, path in (("GET", "/api/gateways"), ("GET", "/api/api-keys"), ("POST", "/api/applications"),
                         ("DELETE", "/api/applications/alpha"), ("POST", "/api/query"), ("GET", "/api/rules"),
                         ("GET", "/api/stream?applicationId=beta"), ("GET", "/api/stream")):
        st, body = server.call(method, path, {} if method == "POST" else None, key=a)
        assert st == 403, (method, path)
        is_error(body, "forbidden")
    st, groups = server.call("POST", "/api/device-groups", {"id": "g-beta", "applicationID": "beta"}, key=a)
    assert st == 403
    assert server.call("POST", "/api/device-groups", {"id": "g-alpha", "applicationID": "alpha"}, key=a)[0] == 201
    assert server.call("POST", "/api/device-groups", {"id": "g-beta", "applicationID": "beta"})[0] == 201
    assert server.call("GET", "/api/device-groups/g-beta", key=a)[0] == 404
    assert [g["id"] for g in server.call("GET", "/api/device-groups", key=a)[1]["items"]] == ["g-alpha"]
    assert server.call("GET", "/api/openapi.json", key=a)[0] == 200

    # Analyst: reads everything but keys, writes nothing, may query.
    for path in ("/api/devices", "/api/gateways", "/api/applications", "/api/devices/0000000000004002", "/api/openapi.json"):
        assert server.call("GET", path, key=n)[0] == 200, path
    assert server.call("GET", "/api/api-keys", key=n)[0] == 403
    for method, path, body in (("POST", "/api/applications", {"id": "x"}), ("DELETE", "/api/devices/0000000000004001", None),
                               ("PUT", "/api/gateways/aa555a0000000101", {"name": "x"}),
                               ("POST", "/api/devices/0000000000004001/queue", {"fPort": 1})):
        st, err = server.call(method, path, body, key=n)
        assert st == 403, (method, path)
        is_error(err, "forbidden")
    st, rows = server.call("POST", "/api/query", {"sql": "SELECT 1 AS one"}, key=n)
    assert st == 200 and rows == [{"one": 1}]

    # Deleted keys stop working at once; the admin.key keeps working.
    assert server.call("DELETE", f"/api/api-keys/{analyst['id']}")[0] == 204
    assert server.call("GET", "/api/devices", key=n)[0] == 401
    assert server.call("DELETE", f"/api/api-keys/{analyst['id']}")[0] == 404
    assert server.call("GET", "/api/devices")[0] == 200
    # Secrets never reach the log.
    logs = server.logs()
    assert a not in logs and n not in logs and m not in logs and server.admin_key not in logs


def test_cli_api_keys(server):
    setup_apps(server)
    r = lorikeet("api-key", "create", "--role", "application", "--application", "alpha", "--name", "cli-key", data_dir=server.data_dir)
    assert r.returncode == 0, r.stderr
    secret = re.search(r"secret: (lk_[0-9a-f]{40})", r.stdout).group(1)
    key_id = re.search(r"id:\s+([0-9a-f]{16})", r.stdout).group(1)
    st, page = server.call("GET", "/api/devices", key=secret)
    assert st == 200 and {d["applicationID"] for d in page["items"]} <= {"alpha"}
    r = lorikeet("api-key", "list", data_dir=server.data_dir)
    assert r.returncode == 0 and "cli-key" in r.stdout and secret not in r.stdout
    r = lorikeet("api-key", "create", "--role", "boss", "--name", "n", data_dir=server.data_dir)
    assert r.returncode != 0 and "--role" in r.stderr
    r = lorikeet("api-key", "delete", "cli-key", data_dir=server.data_dir)
    assert r.returncode == 0 and key_id in r.stdout
    assert server.call("GET", "/api/devices", key=secret)[0] == 401
