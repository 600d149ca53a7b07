"""The command line: `sklearn-msae demo` runs end to end on BasicMotions."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_msae.cli import main


def test_demo_prints_accuracy_profile_and_wall_time(capsys, pretrain_calls):
    assert main(["demo", "--max-epochs", "5"]) == 0
    out = capsys.readouterr().out
    # at --verbose 0 too, each long step is announced before it runs, with the time so far
    steps = re.findall(r"^\[\s*[0-9.]+ s\] (pretraining|resolution profile)", out, flags=re.M)
    assert steps == ["pretraining", "resolution profile"]
    assert out.index("] pretraining") < out.index("test accuracy:") < out.index("] resolution profile")
    assert len(pretrain_calls) == 1  # the profile's fold reuses the pipeline's pretraining (cached)
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert 0.0 <= accuracy <= 1.0
    assert "Resolution profile" in out and re.search(r"wall time: [0-9.]+ s", out)
    assert len(re.findall(r"^\s+[1-4]\s+\d+\s+[0-9.]+$", out, flags=re.M)) == 4  # one row per level


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"], ["benchmark", "--help"]])
def test_help_imports_none_of_the_heavy_packages(argv):
    # the console script's own import path: `from sklearn_msae.cli import main`, then main()
    probe = (
        "import json, sys\n"
        "from sklearn_msae.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "heavy = ('numpy', 'torch', 'sklearn', 'skorch', 'sktime', 'pandas')\n"
        "print(json.dumps({'code': code, 'imported': [name for name in heavy if name in sys.modules]}))\n"
    )
    root = str(Path(__file__).resolve().parents[1])  # this checkout's package, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    usage, report = result.stdout.rsplit("\n", 2)[:2]
    assert "usage: sklearn-msae" in usage
    assert json.loads(report) == {"code": 0, "imported": []}


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
