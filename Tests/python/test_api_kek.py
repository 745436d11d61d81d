"""The key-encryption key lives outside the database: from LORIKEET_KEK when set (then no
kek.key is written), and a server given another KEK refuses to start instead of serving
devices whose keys it cannot read."""
import os
import subprocess

from api_support import BINARY, REPO, Server, free_port

KEK1 = "11" * 32
KEK2 = "22" * 32
APP_KEY = "2b7e151628aed2a6abf7158809cf4f3c"


def test_kek_from_environment_and_wrong_kek_refused():
    s = Server(extra_env={"LORIKEET_KEK": KEK1})
    try:
        assert not os.path.exists(os.path.join(s.data_dir, "kek.key"))
        assert s.call("POST", "/api/applications", {"id": "a"})[0] == 201
        assert s.call("POST", "/api/device-profiles", {"id": "p"})[0] == 201
        st, _ = s.call("POST", "/api/devices", {"devEUI": "0000000000000001", "applicationID": "a", "deviceProfileID": "p", "appKey": APP_KEY})
        assert st == 201
    finally:
        s.stop()
    data_dir = s.data_dir

    env = dict(os.environ, LORIKEET_KEK=KEK2)
    r = subprocess.run([BINARY, "serve", "--data-dir", data_dir, "--udp-port", str(free_port(2)), "--http-port", str(free_port()),
                        "--mqtt-port", str(free_port()), "--mqtt-ws-port", "off"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "key-encryption key" in (r.stdout + r.stderr)
    assert APP_KEY not in (r.stdout + r.stderr)

    env = dict(os.environ, LORIKEET_KEK="not hex")
    r = subprocess.run([BINARY, "api-key", "list", "--data-dir", data_dir], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "LORIKEET_KEK" in (r.stdout + r.stderr)

    s = Server(extra_env={"LORIKEET_KEK": KEK1}, data_dir=data_dir)
    try:
        st, d = s.call("GET", "/api/devices/0000000000000001")
        assert st == 200 and d["hasAppKey"] is True
    finally:
        s.stop()
