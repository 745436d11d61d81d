"""The OpenAPI 3.1 document: the committed docs/openapi.json is what `lorikeet openapi` generates
(regenerate with `lorikeet openapi > docs/openapi.json`), it validates, and the server serves it
to any valid key."""
import json
import os
import subprocess

import pytest
from openapi_spec_validator import validate

from api_support import BINARY, REPO, Server

COMMITTED = os.path.join(REPO, "docs", "openapi.json")


def generated():
    r = subprocess.run([BINARY, "openapi"], cwd=REPO, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_committed_copy_is_current():
    with open(COMMITTED, "rb") as f:
        committed = f.read()
    assert committed == generated(), "docs/openapi.json is stale: run `lorikeet openapi > docs/openapi.json`"


def test_document_validates_as_openapi_3_1():
    doc = json.loads(generated())
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    # Every operation answers errors in the contract's shape and has an operationId.
    ids = set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["operationId"] not in ids, op["operationId"]
            ids.add(op["operationId"])
            assert op["responses"], (method, path)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def test_served_document_equals_generated(server):
    st, served = server.call("GET", "/api/openapi.json")
    assert st == 200 and served == json.loads(generated())
    assert server.call("GET", "/api/openapi.json", key=None)[0] == 401
