"""Per-application retention through the real binary: old chunks of one application go, the
other application's points and the recent ones stay."""
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, ".build", "debug", "lorikeet")


def run(*args, check=True):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60, check=check)


def count(data_dir, device):
    out = run("query", "--data-dir", data_dir, "--format", "csv",
              f"SELECT count(*) FROM telemetry WHERE device = '{device}'").stdout.strip().splitlines()
    return int(out[-1])


def test_retention_drops_only_expired_chunks_of_its_application():
    now = int(time.time() * 1000)
    day = 86_400_000
    with tempfile.TemporaryDirectory() as d:
        for app, device in (("farm", "a"), ("city", "b")):
            csv = os.path.join(d, f"{app}.csv")
            with open(csv, "w") as f:
                f.write("time,device,metric,value\n")
                for age in (30, 10, 0):  # days ago
                    f.write(f"{now - age * day},{device},t,{age}.5\n")
            run("import", "telemetry", "--data-dir", d, "--application", app, csv)
        assert count(d, "a") == 3 and count(d, "b") == 3
        out = run("retention", "--data-dir", d, "--application", "farm", "--days", "7", "--apply").stdout
        assert "dropped" in out
        assert count(d, "a") == 1          # only today's point of farm is left
        assert count(d, "b") == 3          # city has no retention
        bad = run("retention", "--data-dir", d, "--application", "farm", "--days", "0", check=False)
        assert bad.returncode != 0 and "--days" in bad.stderr
