"""Command-line options the long-running commands share: a bad value is refused before anything starts."""
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug" / "lorikeet"


@pytest.mark.parametrize("command", ["serve", "broker"])
def test_unknown_log_level_is_refused_with_the_valid_names(command, tmp_path):
    # Before: an unknown level silently became `info`.
    result = subprocess.run([str(BIN), command, "--log-level", "verbose", "--data-dir", str(tmp_path)]
                            if command == "serve" else [str(BIN), command, "--log-level", "verbose"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "verbose" in result.stderr
    for level in ("trace", "debug", "info", "warning", "error"):
        assert level in result.stderr, result.stderr
    assert not any(tmp_path.iterdir()), "nothing may be created when the options are invalid"
