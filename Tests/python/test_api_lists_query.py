"""The device list and POST /api/query after the #8 debt was paid, over real HTTP against
`lorikeet serve`: the list (flags answered from SQL, JSON written by hand) equals the per-device
answers for hostile names; keys never appear; POST /api/query reuses engines across many
concurrent requests and refuses statements that would change a shared engine's connection;
`http.queryEngines` is validated."""
import json
import os
import subprocess
import tempfile
import threading

import pytest

from api_support import BINARY, REPO, Server, free_port

APP_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
NWK_KEY = "000102030405060708090a0b0c0d0e0f"
NAMES = ["plain", 'quote " backslash \\ slash /', "controls \x01 \x08 \t \n \x0c \r \x1f", "unicode é 雨 🦜", "", "</script><b>x</b>"]


@pytest.fixture(scope="module")
def server():
    s = Server(config={"http": {"queryEngines": 2}})
    yield s
    s.stop()


def test_device_list_equals_the_per_device_answers(server):
    assert server.call("POST", "/api/applications", {"id": "lists", "name": "Lists"})[0] == 201
    assert server.call("POST", "/api/device-profiles", {"id": "lp", "region": "EU868", "macVersion": "1.0.3"})[0] == 201
    for i, name in enumerate(NAMES):
        body = {"devEUI": f"00000000000a00{i:02x}", "applicationID": "lists", "deviceProfileID": "lp", "name": name,
                "appKey": APP_KEY}
        if i == 1:
            body["nwkKey"] = NWK_KEY
        if i == 2:
            del body["appKey"]
            body["abp"] = {"devAddr": "26011f22", "nwkSKey": NWK_KEY, "appSKey": APP_KEY}
        if i == 3:
            body["disabled"] = True
        st, created = server.call("POST", "/api/devices", body)
        assert st == 201, created
    st, page = server.call("GET", "/api/devices?applicationId=lists&limit=1000")
    assert st == 200 and page["total"] == len(NAMES) and page["limit"] == 1000 and page["offset"] == 0
    assert [d["name"] for d in page["items"]] == NAMES
    for item in page["items"]:
        st, one = server.call("GET", f"/api/devices/{item['devEUI']}")
        assert st == 200 and one == item, (one, item)
    flags = [(d["activation"], d["hasAppKey"], d["hasNwkKey"], d["disabled"]) for d in page["items"]]
    assert flags == [("otaa", True, False, False), ("otaa", True, True, False), ("abp", False, False, False),
                     ("otaa", True, False, True), ("otaa", True, False, False), ("otaa", True, False, False)]
    assert page["items"][2]["abp"]["hasSessionKeys"] is True
    # Paged in SQL; keys never in the answer.
    st, second = server.call("GET", "/api/devices?applicationId=lists&limit=2&offset=2")
    assert [d["name"] for d in second["items"]] == NAMES[2:4] and second["total"] == len(NAMES)
    st, raw = server.call("GET", "/api/devices?applicationId=lists", raw=None)
    text = json.dumps(raw).lower()
    assert APP_KEY not in text and NWK_KEY not in text and "kw1:" not in text


def test_queries_reuse_engines_and_cannot_change_them(server):
    # Many concurrent queries on a pool of 2 engines: every one answers, none waits forever.
    errors, answers = [], []

    def worker(n):
        for k in range(10):
            st, rows = server.call("POST", "/api/query", {"sql": f"SELECT {n} * 100 + {k} AS v, count(*) AS d FROM devices"})
            (answers if st == 200 else errors).append((n, k, st, rows))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(answers) == 80
    assert sorted(rows[0]["v"] for _, _, _, rows in answers) == sorted(n * 100 + k for n in range(8) for k in range(10))

    # Statements that would change a shared connection are refused with a reason …
    for sql, reason in (("BEGIN", "transaction"), ("ATTACH DATABASE '/tmp/x.sqlite' AS x", "ATTACH"),
                        ("DETACH DATABASE registry", "DETACH"), ("PRAGMA case_sensitive_like = 1", "pragma"),
                        ("SAVEPOINT s", "transaction")):
        st, err = server.call("POST", "/api/query", {"sql": sql})
        assert st == 400 and err["error"] == "query_failed" and reason.lower() in err["message"].lower(), (sql, err)
    # … so the engines still see the registry, outside any transaction, and read pragmas still work.
    for _ in range(4):
        st, rows = server.call("POST", "/api/query", {"sql": "SELECT count(*) AS n FROM devices WHERE application_id = 'lists'"})
        assert st == 200 and rows == [{"n": len(NAMES)}], rows
    st, rows = server.call("POST", "/api/query", {"sql": "PRAGMA table_info(uplinks)"})
    assert st == 200 and any(r["name"] == "dev_eui" for r in rows), rows
    # A SQL error still says where.
    st, err = server.call("POST", "/api/query", {"sql": "SELECT count(*) FROM telemetry WHER device = 'x'"})
    assert st == 400 and "column" in err["message"], err


def test_query_engines_must_be_in_range():
    data_dir = tempfile.mkdtemp(prefix="lorikeet-api-cfg-")
    path = os.path.join(data_dir, "config.json")
    with open(path, "w") as f:
        json.dump({"http": {"queryEngines": 0}}, f)
    r = subprocess.run([BINARY, "serve", "--config", path, "--data-dir", data_dir, "--http-port", str(free_port()),
                        "--udp-port", "0", "--mqtt-port", "0", "--mqtt-ws-port", "off"],
                       cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "queryEngines" in (r.stderr + r.stdout), (r.returncode, r.stderr[-500:])
