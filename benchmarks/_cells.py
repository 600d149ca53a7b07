"""Resumable grids of cells, as ``uea.py`` and ``peers.py`` run them.

A *cell* is a tuple of arguments of the script's ``run_cell``, which returns the cell's
result rows. Every finished cell appends its rows to a CSV as it ends, so an interrupted
run keeps its finished cells and a rerun skips them.

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold


def grid_parser(doc: str, datasets: list[str], missing_rates: list[float], seeds: list[int], methods: list[str],
                quick: str) -> argparse.ArgumentParser:
    """The command line of a resumable grid: which cells (``--datasets``, ``--missing-rates``, ``--seeds``,
    ``--methods``), ``--n-jobs``, ``--quick`` (what it does: ``quick``), ``--report-only``, ``--output-dir``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=datasets, help="default: all")
    parser.add_argument("--missing-rates", nargs="+", type=float, default=missing_rates)
    parser.add_argument("--seeds", nargs="+", type=int, help=f"default: {seeds}")
    parser.add_argument("--methods", nargs="+", choices=methods, default=methods)
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel processes (cells); default 1")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {quick}")
    parser.add_argument("--report-only", action="store_true", help="only regenerate the markdown from the CSV")
    parser.add_argument("--output-dir", type=Path, help="default: benchmarks/results (a temporary folder with --quick)")
    return parser


def parse_grid(parser: argparse.ArgumentParser, argv, name: str, datasets: list[str], seeds: list[int], quick: dict):
    """``parser``'s arguments, with ``datasets`` and ``seeds`` defaulted (``quick``'s with ``--quick``), and
    ``csv_path``, ``md_path`` (:func:`output_paths`), ``command`` and ``threads`` (:func:`share_threads`)."""
    args = parser.parse_args(argv)
    args.datasets = args.datasets or (quick["datasets"] if args.quick else datasets)
    args.seeds = args.seeds or (quick["seeds"] if args.quick else seeds)
    args.csv_path, args.md_path = output_paths(name, args.output_dir, args.quick)
    args.command = shlex.join(["python", f"benchmarks/{name}.py", *(sys.argv[1:] if argv is None else argv)])
    args.threads = share_threads(args.n_jobs)
    return args


def output_paths(name: str, output_dir: Path | None, quick: bool) -> tuple[Path, Path]:
    """``<output_dir>/<name>.csv`` and ``.md``, the folder created; by default ``benchmarks/results``, or a
    temporary folder with ``quick``."""
    output_dir = output_dir or (
        Path(tempfile.gettempdir()) / f"sklearn_msae_{name}_quick" if quick else Path(__file__).parent / "results"
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir / f"{name}.csv", output_dir / f"{name}.md"


def share_threads(n_jobs: int) -> int:
    """Torch threads per process: the default (the cores, ``OMP_NUM_THREADS`` if set) shared out between
    ``n_jobs`` processes; also set here, so that the report's machine line shows them."""
    threads = max(1, torch.get_num_threads() // n_jobs)
    torch.set_num_threads(threads)
    return threads


# Columns that hold names: read back as text, so that a commit-named variant such as ``0913782`` stays that name
# (not the number 913782, which matches no cell of a grid)
NAME_COLUMNS = ("dataset", "method", "variant", "model", "candidate", "start", "readout", "probe", "embedder")


def read_results(path: Path, columns: list[str]) -> pd.DataFrame:
    """The rows written so far (none, with ``columns``, before the first cell); name columns as text."""
    if not path.exists():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(path, dtype={name: str for name in NAME_COLUMNS if name in columns})


def stratified_folds(y, n_splits: int) -> StratifiedKFold:
    """Shuffled stratified ``n_splits``-fold CV (seed 0), fewer folds where a class has fewer series."""
    smallest_class = np.unique(y, return_counts=True)[1].min()
    return StratifiedKFold(n_splits=min(n_splits, smallest_class), shuffle=True, random_state=0)


def written_cells(path: Path, columns: list[str], key: list[str]) -> set[tuple]:
    """The ``key`` of every cell written to ``path`` so far (a missing rate read back as a float, as the grids
    write it), to compare with the cells of a grid."""
    written = read_results(path, columns)[key]
    if "missing_rate" in key:
        written = written.astype({"missing_rate": float})
    return set(written.itertuples(index=False, name=None))


def _run_cell_safely(run_cell, cell: tuple, *args) -> tuple[tuple, list[dict], str]:
    """``run_cell(*cell, *args)`` whose failure is reported, not raised: one bad cell must not stop the others."""
    try:
        return cell, run_cell(*cell, *args), ""
    except Exception:  # noqa: BLE001  (any failure is printed and the cell retried by the next run)
        return cell, [], traceback.format_exc()


def _model_accuracy(row: dict) -> str:
    return f"{row['model']} {row['accuracy']:.3f}"


def run_cells(run_cell, cells: list[tuple], done: set[tuple], args: tuple, csv_path: Path, columns: list[str],
              n_jobs: int, describe=_model_accuracy) -> int:
    """Run ``run_cell(*cell, *args)`` for every cell not ``done`` on ``n_jobs`` processes; return the failures.

    Each cell's rows are appended to ``csv_path`` as it ends and printed (``describe(row)``); a failure is printed
    to stderr and leaves the cell for the next run.
    """
    todo = [cell for cell in cells if cell not in done]
    print(f"{len(cells) - len(todo)} of {len(cells)} cells already in {csv_path}; running {len(todo)}", flush=True)
    failures = 0
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_cell_safely)(run_cell, cell, *args) for cell in todo
    )
    for cell, rows, error in results:
        if error:
            failures += 1
            print(f"FAILED {cell}:\n{error}", file=sys.stderr, flush=True)
            continue
        pd.DataFrame(rows, columns=columns).to_csv(csv_path, mode="a", header=not csv_path.exists(), index=False)
        print(", ".join(describe(row) for row in rows), "—", cell, flush=True)
    return failures
