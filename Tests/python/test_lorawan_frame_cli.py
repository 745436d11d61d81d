"""Drives the real `lorikeet frame decode` / `frame keys` binary against published vectors.

The vectors live in Data/vectors/lorawan/frames.json, each naming its source.
"""
import json
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug" / "lorikeet"
VECTORS = json.loads((ROOT / "Data" / "vectors" / "lorawan" / "frames.json").read_text())


def run(*args):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=30)


def contains(actual, expected):
    """True when every key/value in `expected` is present in `actual` (recursively; lists by position)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) >= len(expected) and all(contains(a, e) for a, e in zip(actual, expected))
    return actual == expected


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_decode_vector(vector):
    result = run("frame", "decode", *vector["args"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert contains(report, vector["expect"]), json.dumps(report, indent=1)


def test_wrong_key_reports_mic_invalid():
    # brocaar/lorawan TestPHYPayloadData frame with the wrong NwkSKey.
    result = run("frame", "decode", "400403020180010001a694642615d6c3b582", "--nwk-s-key", "03" * 16)
    assert result.returncode == 0
    assert json.loads(result.stdout)["micValid"] is False


@pytest.mark.parametrize("args, fragment", [
    (["frame", "decode", "40"], "too short"),
    (["frame", "decode", "4z"], "not valid hex"),
    (["frame", "decode", "41040302018001000100000000"], "Major"),
    (["frame", "decode", "4004030201050100aa00000000"], "FOptsLen"),
    (["frame", "decode", "e0", "--nwk-s-key", "0102"], "--nwk-s-key"),
    (["frame", "decode", "e0", "--mac-version", "2.0"], "MAC version"),
    (["frame", "keys", "--mac-version", "1.1", "--app-key", "01" * 16, "--join-nonce", "1", "--net-id", "000013",
      "--dev-nonce", "1"], "join-eui"),
    (["frame", "keys", "--mac-version", "1.0.3", "--app-key", "01" * 16, "--join-nonce", "16777216", "--net-id", "000013",
      "--dev-nonce", "1"], "--join-nonce"),
])
def test_bad_input_is_one_line_on_stderr(args, fragment):
    result = run(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]
    assert result.stdout == ""


def test_keys_lorawan_10_and_11():
    # TheThingsNetwork/lorawan-stack pkg/crypto/key_derivation_test.go TestKeyDerivation.
    common = ["--app-key", "BEC499C69E9C939E413B663961636C61", "--join-nonce", "0xAE3B1C", "--net-id", "020101", "--dev-nonce", "0x7369"]
    r10 = run("frame", "keys", "--mac-version", "1.0.3", *common)
    assert r10.returncode == 0, r10.stderr
    assert json.loads(r10.stdout) == {"macVersion": "1.0", "nwkSKey": "0db924ee6af90698e05fc7ce48303c01",
                                      "appSKey": "8c1e0543a229088de6f84e74bb46bd62"}
    r11 = run("frame", "keys", "--mac-version", "1.1", *common, "--join-eui", "0000001223224242", "--dev-eui", "0042004213424341")
    assert r11.returncode == 0, r11.stderr
    keys = json.loads(r11.stdout)
    assert keys["appSKey"] == "b035cce24e4a040eb5cecbf21724412d"
    assert keys["fNwkSIntKey"] == "379084e7ce22ff191bff4b77536f2aa3"
    assert keys["sNwkSIntKey"] == "63c59309d53485bc5164dbf71627aeb9"
    assert keys["nwkSEncKey"] == "ce07a009a3970ac0519a099ed53e550b"
    assert keys["jsIntKey"] == "cb8e9ee114c3fb5ce472a5aa13ab1855"
    assert keys["jsEncKey"] == "bb711eefb9829b4a75866f8616bacd6d"
