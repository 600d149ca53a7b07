"""The command line: `sklearn-msae demo` runs end to end on BasicMotions."""

import re

import pytest

from sklearn_msae.cli import main


def test_demo_prints_accuracy_profile_and_wall_time(capsys):
    assert main(["demo", "--max-epochs", "5"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert 0.0 <= accuracy <= 1.0
    assert "Resolution profile" in out and re.search(r"wall time: [0-9.]+ s", out)
    assert len(re.findall(r"^\s+[1-4]\s+\d+\s+[0-9.]+$", out, flags=re.M)) == 4  # one row per level


def test_unknown_command_exits_with_usage():
    with pytest.raises(SystemExit):
        main(["nope"])
