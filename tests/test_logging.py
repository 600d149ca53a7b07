"""Progress and logging: silent by default, progress bars when ``verbose``.

Library code reports through ``logging`` (the package logger has a ``NullHandler``, so
nothing shows unless the application configures logging) and shows skorch / tqdm
progress bars only when ``verbose`` is positive; only the command line prints.
Progress bars go to stderr, skorch's per-epoch table to stdout.
"""

import ast
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEClassifier
from sklearn_msae.cli import main
from sklearn_msae.sktime.benchmark import run_uea_benchmark

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_msae"
TINY_BENCHMARK = dict(
    missing_rates=0.0,
    embedders=["himae"],
    probes=["ridge"],
    baseline=False,
    max_epochs=1,
    embedder_params={"himae": {"size": "tiny"}},
)


def test_library_code_never_prints():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "cli.py":  # the command line's output is its purpose
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, f"print() in library code (use logging.getLogger(__name__)): {offenders}"


def test_package_logger_has_a_null_handler():
    assert any(isinstance(handler, logging.NullHandler) for handler in logging.getLogger("sklearn_msae").handlers)


def test_warnings_logged_by_the_library_stay_silent_without_logging_configuration():
    # a fresh interpreter: pytest's own handlers on the root logger would hide a missing NullHandler
    code = "import logging, sklearn_msae; logging.getLogger('sklearn_msae.sktime.benchmark').warning('not shown')"
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == result.stderr == ""


def test_embedder_is_silent_at_verbose_0(basic_motions, capsys, caplog):
    X = basic_motions[0]
    caplog.set_level(logging.DEBUG, logger="sklearn_msae")
    embedder = HiMAEEmbedder(size="tiny", max_epochs=1, inference_batch_size=16, random_state=0).fit(X)
    embedder.transform(X)
    embedder.reconstruct(X)
    embedder.score(X)
    assert capsys.readouterr() == ("", "")
    assert not caplog.records


def test_embedder_shows_progress_at_verbose_1(basic_motions, capsys):
    X = basic_motions[0]
    embedder = HiMAEEmbedder(size="tiny", max_epochs=2, inference_batch_size=16, verbose=1, random_state=0).fit(X)
    out, err = capsys.readouterr()
    assert "train_loss" in out and out.count("\n") >= 2  # skorch's table: one row per epoch
    assert "batches" in err or "it/s" in err or "%|" in err  # skorch's ProgressBar
    for method in (embedder.transform, embedder.reconstruct, embedder.score):
        method(X)
        err = capsys.readouterr().err
        assert "HiMAEEmbedder" in err and "3/3" in err  # 40 series in batches of 16


@pytest.mark.parametrize("verbose", [0, 1])
def test_fine_tuning_progress_follows_verbose(basic_motions, capsys, verbose):
    X, y = basic_motions[0], basic_motions[1]
    embedder = AIMEmbedder(size="tiny", max_epochs=1, inference_batch_size=16, random_state=0)  # pretrained in fit
    clf = MAEClassifier(embedder, max_epochs=1, verbose=verbose, random_state=0)
    clf.fit(X, y).predict(X)
    out, err = capsys.readouterr()
    if verbose:
        assert out.count("train_loss") == 2  # the tables of the pretraining and of the fine-tuning
        assert "pretrained embeddings" in err and "AIMEmbedder" in err and "3/3" in err
    else:
        assert out == err == ""


@pytest.mark.parametrize("verbose", [0, 1])
def test_benchmark_progress_follows_verbose_and_tasks_are_logged(capsys, caplog, verbose):
    caplog.set_level(logging.INFO, logger="sklearn_msae")
    run_uea_benchmark("BasicMotions", **TINY_BENCHMARK, verbose=verbose)
    out, err = capsys.readouterr()
    assert out == ""
    if verbose:
        assert "UEA benchmark" in err and "1/1" in err
    else:
        assert err == ""
    messages = [record.getMessage() for record in caplog.records if record.name == "sklearn_msae.sktime.benchmark"]
    assert len(messages) == 1 and "BasicMotions at missing rate 0" in messages[0]


def test_cli_benchmark_shows_progress_when_verbose(tmp_path, capsys):
    argv = ["benchmark", "--datasets", "BasicMotions", "--missing-rates", "0", "--embedders", "himae",
            "--probes", "ridge", "--no-baseline", "--max-epochs", "1", "--output-dir", str(tmp_path),
            "--verbose", "1"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "himae+ridge" in out
    assert "UEA benchmark" in err and "1/1" in err
