"""Detector progress survives a restart of `lorikeet serve`.

Two ABP devices (Cayenne LPP) send 35.0 °C over real packet-forwarder UDP (`lorikeet simulate`) for
about a second, against a threshold detector that needs 14 s above 30 °C and an absence detector
with an 8 s timeout. Then the server is restarted mid-duration — gracefully (SIGTERM: state saved
at shutdown) or with SIGKILL (state saved by the periodic save, every 5 s when it changed) — and no
uplink is sent after the restart. Without persisted state neither alert could ever fire (the new
process would never have seen these devices); with it, the threshold alert fires 14 s after the
first warm uplink and the absence alert 8 s after the last uplink, both after the restart.
"""
import os
import json
import time

import pytest

from rules_support import Server, lorikeet, wait_for
from test_events_simulate import HOT, alerts, devices, simulate


def provision(server):
    path = os.path.join(server.data_dir, "devices.json")
    with open(path, "w") as f:
        json.dump(devices(0), f)
    for args in (["application", "add", "--id", "cold"],
                 ["device-profile", "add", "--id", "lpp", "--region", "EU868", "--codec", "cayenne-lpp"],
                 ["device", "import", path]):
        r = lorikeet(*args, data_dir=server.data_dir)
        assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_detector_progress_survives_a_restart(how):
    server = Server()
    path = provision(server)
    server.start()
    try:
        warm = {"id": "freezer-warm", "scope": {"application": "cold"},
                "threshold": {"metric": "temperature_1", "direction": "above", "threshold": 30, "durationSeconds": 14}}
        quiet = {"id": "quiet", "scope": {"device": "00000000000000b1"}, "absence": {"timeoutSeconds": 8}}
        for d in (warm, quiet):
            status, body = server.api("POST", "/api/detectors", d)
            assert status == 201, body

        before = time.time()
        simulate(server, path, HOT, duration=1.0)
        after = time.time()
        assert alerts(server, detectorId="freezer-warm") == []
        if how == "kill":
            # Past a periodic save that includes the samples (saves are at least 5 s apart; one
            # happened when the detectors were created, just before `before`).
            time.sleep(max(0.0, before + 6.5 - time.time()))
            server.kill()
        else:
            server.stop()
        server.start()
        restarted = time.time()

        # The threshold fires 14 s after the first warm uplink (not 14 s after the restart, and not never).
        fired = wait_for(lambda: len(alerts(server, detectorId="freezer-warm", state="firing")) == 2 and
                         alerts(server, detectorId="freezer-warm", state="firing"), timeout=25, what="threshold alerts after restart")
        seen = time.time()
        for a in fired:
            assert before * 1000 + 14_000 <= a["firedAt"] <= after * 1000 + 14_000, (a, before, after)
        assert restarted * 1000 < min(a["firedAt"] for a in fired), "the restart was meant to happen mid-duration"
        assert seen <= max(a["firedAt"] for a in fired) / 1000 + 5, "noticed by the next ticks"

        if how == "terminate":
            # Saved at shutdown: the absence deadline counts from the last uplink before the restart.
            absent = wait_for(lambda: alerts(server, detectorId="quiet", state="firing"), timeout=15, what="absence alert after restart")
            assert [a["device"] for a in absent] == ["00000000000000b1"]
            assert before * 1000 + 8_000 <= absent[0]["firedAt"] <= after * 1000 + 8_000, (absent, before, after)
    finally:
        server.stop()
