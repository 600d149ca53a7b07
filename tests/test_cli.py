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


def test_benchmark_writes_csv_and_markdown_tables(tmp_path, capsys):
    argv = ["benchmark", "--datasets", "BasicMotions", "--missing-rates", "0.3", "--embedders", "himae",
            "--probes", "ridge", "--no-baseline", "--max-epochs", "1", "--output-dir", str(tmp_path)]
    assert main(argv) == 0
    assert "himae+ridge" in capsys.readouterr().out
    report = (tmp_path / "sktime_uea.md").read_text()
    assert "| BasicMotions | 30% |" in report and "sklearn-msae benchmark --datasets BasicMotions" in report
    assert (tmp_path / "sktime_uea.csv").read_text().startswith("dataset,missing_rate,model,accuracy")


def test_benchmark_rejects_an_unknown_embedder():
    with pytest.raises(SystemExit):
        main(["benchmark", "--embedders", "nope"])
