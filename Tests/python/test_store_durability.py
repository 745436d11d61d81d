"""Durability of the telemetry store: kill -9 a real `lorikeet import telemetry` child while it
ingests (and while it compacts) and check that every acknowledged point is there and the store
still answers queries and accepts writes."""
import os
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, ".build", "debug", "lorikeet")
T0 = 1767225600000


def write_csv(path, rows, offset=0):
    with open(path, "w") as f:
        f.write("time,device,metric,value\n")
        for i in range(offset, offset + rows):
            # 50 devices x 2 metrics, one point every minute per series; value encodes the row.
            series = i % 100
            f.write(f"{T0 + (i // 100) * 60000},dev-{series // 2},m{series % 2},{i / 10}\n")


def query_csv(data_dir, sql):
    out = subprocess.run([BINARY, "query", "--data-dir", data_dir, "--format", "csv", sql],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()[1:]


def acked_rows(data_dir):
    rows = query_csv(data_dir, "SELECT device, metric, time - 0 AS t, value FROM telemetry")
    return {tuple(r.split(",")[:3]): r.split(",")[3] for r in rows}


def expected_key(i):
    series = i % 100
    return (f"dev-{series // 2}", f"m{series % 2}", str(T0 + (i // 100) * 60000))


@pytest.mark.parametrize("phase", ["ingest", "compaction"])
def test_kill_9_loses_no_acknowledged_point(phase):
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "data")
        csv = os.path.join(tmp, "points.csv")
        total = 200_000
        write_csv(csv, total)
        proc = subprocess.Popen([BINARY, "import", "telemetry", "--data-dir", data_dir, "--batch-rows", "2000",
                                 "--acknowledge", csv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        acknowledged = 0
        try:
            wanted = 20 if phase == "ingest" else total // 2000
            deadline = time.monotonic() + 120
            while acknowledged < wanted and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                acknowledged = int(line.split()[1])
            assert acknowledged > 0, "no batch was acknowledged"
            if phase == "compaction":
                time.sleep(0.05)  # let compaction start on the child's side
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL or phase == "compaction"

        stored = acked_rows(data_dir)
        assert len(stored) >= acknowledged
        # Batches commit in file order: the first `acknowledged` rows are all there, exactly.
        for i in range(0, acknowledged, 97):
            assert stored.get(expected_key(i)) == str(i / 10), f"row {i} lost or wrong"
        for i in range(len(stored), acknowledged):
            pytest.fail(f"row {i} missing")

        # The store still accepts writes and compacts: import the rest again (duplicates keep the
        # latest value) and everything is there.
        done = subprocess.run([BINARY, "import", "telemetry", "--data-dir", data_dir, csv],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        count = query_csv(data_dir, "SELECT count(*), sum(value) FROM telemetry")
        assert count[0].split(",")[0] == str(total)


def test_bad_rows_are_skipped_and_reported_with_line_numbers():
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "x.csv")
        with open(csv, "w") as f:
            f.write("time,device,metric,value\n2026-01-01T00:00:00Z,a,t,1\nnope,a,t,2\n1767225660000,a,t,x\n1767225720000,a,t,3\n")
        out = subprocess.run([BINARY, "import", "telemetry", "--data-dir", tmp, csv], capture_output=True, text=True, timeout=60)
        assert out.returncode == 3
        assert "line 3:" in out.stderr and "line 4:" in out.stderr
        assert query_csv(tmp, "SELECT count(*) FROM telemetry") == ["2"]
