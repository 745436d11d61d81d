"""Drives the real `lorikeet codec run` / `codec test` binary as an independent client."""
import json
import os
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, ".build", "debug", "lorikeet")
CODECS = os.path.join(ROOT, "Codecs")


@pytest.fixture
def scripts():
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, source):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(source)
            return path

        yield write


def start_batch():
    return subprocess.Popen([BINARY, "codec", "run", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def ask(proc, request):
    """Sends one line and reads its answer before sending anything else: proves answers are flushed."""
    proc.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line, "batch ended early: " + proc.stderr.read()
    return json.loads(line)


def test_run_prints_result_and_exits_zero():
    out = subprocess.run([BINARY, "codec", "run", "--script", os.path.join(CODECS, "milesight-ipso.js"),
                          "--function", "decodeUplink", "--input", '{"bytes": [1,117,100,3,103,16,1,4,104,113], "fPort": 85}'],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"data": {"battery": 100, "temperature": 27.2, "humidity": 56.5},
                                      "warnings": [], "errors": []}


def test_run_error_goes_to_stderr_with_nonzero_exit(scripts):
    path = scripts("throws.js", "function decodeUplink() { throw new TypeError('no'); }")
    out = subprocess.run([BINARY, "codec", "run", "--script", path, "--input", '{"bytes": "01", "fPort": 1}'],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert out.stdout == ""
    assert "TypeError: no" in out.stderr


def test_batch_answers_in_order_flushed_and_survives_failures(scripts):
    counter = scripts("counter.js", "let n = 0; function decodeUplink(i) { n++; return { data: { n, first: i.bytes[0] } }; }")
    looping = scripts("loop.js", "function decodeUplink() { for (;;) {} }")
    garbage = scripts("garbage.js", "function encodeDownlink() { return { bytes: [1, 999] }; }")
    proc = start_batch()
    try:
        # Each script is loaded once: the counter keeps counting across lines.
        for expected in (1, 2):
            answer = ask(proc, {"id": expected, "script": counter, "function": "decodeUplink",
                                "input": {"bytes": [7], "fPort": 1}})
            assert answer == {"id": expected, "ok": True, "output": {"data": {"n": expected, "first": 7}}}
        started = time.monotonic()
        answer = ask(proc, {"id": "loop", "script": looping, "function": "decodeUplink", "input": {"bytes": [], "fPort": 1}})
        assert answer["ok"] is False and "time limit" in answer["error"]
        assert time.monotonic() - started < 5
        answer = ask(proc, "this is not json")
        assert answer["ok"] is False and answer["id"] is None and "invalid JSON" in answer["error"]
        answer = ask(proc, {"id": 9, "script": garbage, "function": "encodeDownlink", "input": {"data": {}}})
        assert answer["ok"] is False and "0–255" in answer["error"]
        answer = ask(proc, {"id": 10, "script": "/does/not/exist.js", "input": {}})
        assert answer["ok"] is False and "cannot read" in answer["error"]
        # Bytes as base64, and the built-in Cayenne LPP codec.
        answer = ask(proc, {"id": 11, "script": "builtin:cayenne-lpp", "input": {"bytes": "A2cBEAVnAP8=", "fPort": 1}})
        assert answer["output"]["data"] == {"temperature_3": 27.2, "temperature_5": 25.5}
        # Still alive, and the counter's context was never disturbed.
        answer = ask(proc, {"id": 12, "script": counter, "input": {"bytes": [8], "fPort": 1}})
        assert answer["output"]["data"] == {"n": 3, "first": 8}
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_batch_many_lines_in_one_write_keep_order():
    requests = [json.dumps({"id": i, "script": os.path.join(CODECS, "elsys.js"),
                            "input": {"fPort": 5, "bytes": [1, 0, i % 200]}}) for i in range(300)]
    out = subprocess.run([BINARY, "codec", "run", "--batch"], input="\n".join(requests) + "\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["id"] for a in answers] == list(range(300))
    assert all(a["ok"] for a in answers)
    assert answers[123]["output"]["data"]["temperature"] == 12.3


def test_codec_test_runs_yaml_examples_and_fails_on_mismatch(scripts):
    out = subprocess.run([BINARY, "codec", "test", os.path.join(CODECS, "dragino-lht65.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("4 passed, 0 failed")

    script = scripts("codec.js", "function decodeUplink(i) { return { data: { v: i.bytes[0] } }; }")
    yaml_path = scripts("codec.yaml", f"""uplinkDecoder:
  fileName: {os.path.basename(script)}
  examples:
    - description: right
      input: {{ fPort: 1, bytes: [0x05] }}
      output: {{ data: {{ v: 5 }} }}
    - description: wrong
      input: {{ fPort: 1, bytes: [0x05] }}
      output: {{ data: {{ v: 6 }} }}
""")
    out = subprocess.run([BINARY, "codec", "test", yaml_path], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "✗" in out.stdout and "wrong" in out.stdout and "1 passed, 1 failed" in out.stdout


def test_codec_test_runs_the_whole_catalogue():
    out = subprocess.run([BINARY, "codec", "test", os.path.join(CODECS, "catalog.json")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert ", 0 failed" in out.stdout
