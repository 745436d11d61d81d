"""`lorikeet regions check|show` against the repository's Regions/ and a broken copy of it."""
import json
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "lorikeet"
REGIONS = ROOT / "Regions"


def run(*args):
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=60)


def test_check_accepts_the_shipped_regions():
    result = run("regions", "check", "--dir", str(REGIONS))
    assert result.returncode == 0, result.stderr
    assert "17 plans valid" in result.stdout
    assert "US915: US902-928, fixed, 72 uplink channel(s), 72 enabled" in result.stdout
    assert "US915_FSB2: US902-928, fixed, 72 uplink channel(s), 9 enabled" in result.stdout
    assert "EU868_8CH: EU863-870, dynamic, 8 uplink channel(s), 8 enabled" in result.stdout


def test_check_names_file_and_field_of_a_broken_plan(tmp_path):
    copy = tmp_path / "Regions"
    shutil.copytree(REGIONS, copy)
    plan = json.loads((copy / "AU915.json").read_text())
    plan["rx2"]["frequency"] = 869525000  # outside AU915's band
    (copy / "AU915.json").write_text(json.dumps(plan))
    result = run("regions", "check", "--dir", str(copy))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "lorikeet: AU915.json: rx2.frequency: frequency 869525000 Hz is outside frequencyRange 915000000…928000000"
    ]


def test_an_edited_file_changes_what_show_prints(tmp_path):
    copy = tmp_path / "Regions"
    shutil.copytree(REGIONS, copy)
    before = run("regions", "show", "EU868", "--dir", str(copy))
    assert "RX2: 869525000 Hz DR0" in before.stdout
    plan = json.loads((copy / "EU868.json").read_text())
    plan["rx2"] = {"frequency": 869525000, "dataRate": 3}
    (copy / "EU868.json").write_text(json.dumps(plan))
    after = run("regions", "show", "EU868", "--dir", str(copy))
    assert after.returncode == 0, after.stderr
    assert "RX2: 869525000 Hz DR3" in after.stdout
