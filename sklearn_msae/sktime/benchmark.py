"""Linear-probe benchmark of the embedders on UEA datasets, run by sktime's `ClassificationBenchmark`.

Every embedder adapter is paired with every linear probe as an sktime pipeline
``adapter * probe`` and compared with MiniRocket (+ standardisation + ridge), on the
official train/test split of each dataset, optionally with a fraction of every series'
time steps dropped (Kidger et al., 2020; see `sklearn_msae.datasets.load_uea`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.metrics import accuracy_score
from sklearn.model_selection import PredefinedSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from joblib import Parallel, delayed, effective_n_jobs
from tqdm.auto import tqdm

from ..datasets import load_uea
from .aim import AIMTransformer
from .himae import HiMAETransformer
from .romae import RoMAETransformer

__all__ = ["EMBEDDERS", "PROBES", "run_uea_benchmark"]

logger = logging.getLogger(__name__)

#: Embedder names accepted by `run_uea_benchmark`, with their sktime adapter.
EMBEDDERS = {"himae": HiMAETransformer, "aim": AIMTransformer, "romae": RoMAETransformer}

#: Linear probes accepted by `run_uea_benchmark`: features are standardised first.
PROBES = {
    "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "ridge": lambda: make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))),
}

BASELINE = "MiniRocket"

_RESULT_COLUMNS = [
    "dataset", "missing_rate", "model", "accuracy", "fit_time_s", "predict_time_s",
    "n_train", "n_test", "n_channels", "n_timepoints", "error",
]


def run_uea_benchmark(
    datasets,
    *,
    missing_rates=(0.0, 0.3),
    embedders=("himae", "aim", "romae"),
    probes=("logistic", "ridge"),
    baseline=True,
    max_epochs=20,
    embedder_params=None,
    random_state=0,
    data_home=None,
    output_dir=None,
    name="sktime_uea",
    command=None,
    n_jobs=None,
    verbose=0,
):
    """Probe the embedders on UEA datasets with sktime's `ClassificationBenchmark`.

    For each dataset and missing rate, the official training and test splits are
    loaded with `sklearn_msae.datasets.load_uea` (numpy3D: dropped time steps and the
    end padding of unequal-length series are NaN), concatenated, and evaluated on one
    `sklearn.model_selection.PredefinedSplit` fold (train on the training split, score
    accuracy on the test split). The models are

    - ``"<embedder>+<probe>"``: the sktime pipeline ``adapter * probe``; the adapter
      pretrains its masked autoencoder on the training split only (self-supervised,
      no labels), then the probe is fitted on its embeddings;
    - ``"MiniRocket"`` (if ``baseline``): MiniRocketMultivariate, then StandardScaler
      and RidgeClassifierCV; where the data holds NaN, sktime's linear-interpolation
      `Imputer` runs first, because MiniRocket does not take NaN.

    The probes of one embedder share one pretraining: the adapters get a temporary
    ``memory`` cache, so the first probe pays the pretraining and the next ones load
    its weights (their ``fit_time_s`` is probe fitting and embedding only).

    Parameters
    ----------
    datasets : str or sequence of str
        UEA dataset names, e.g. ``["BasicMotions", "Epilepsy"]``.
    missing_rates : float or sequence of float, default=(0.0, 0.3)
        Fractions of time steps dropped per series (``load_uea``'s ``missing_rate``);
        every dataset is run at every rate.
    embedders : sequence of str, default=("himae", "aim", "romae")
        Keys of `EMBEDDERS`.
    probes : sequence of str, default=("logistic", "ridge")
        Keys of `PROBES`.
    baseline : bool, default=True
        Also run MiniRocket.
    max_epochs : int, default=20
        Pretraining epochs of every embedder.
    embedder_params : dict of str to dict, default=None
        Extra constructor arguments per embedder name, e.g.
        ``{"himae": {"size": "tiny"}}``; the embedders' defaults otherwise.
    random_state : int, default=0
        Seed of the dropped time steps, of the embedders and of MiniRocket.
    data_home : str or os.PathLike, default=None
        Folder of the ``.ts`` files, see `load_uea`.
    output_dir : str or os.PathLike, default=None
        Where ``<name>.csv`` (one row per dataset, missing rate and model) and
        ``<name>.md`` (tables and run environment) are written; created if missing.
        ``None`` writes nothing.
    name : str, default="sktime_uea"
        Stem of the output files.
    command : str, default=None
        The command line that started the run, recorded in the markdown report.
    n_jobs : int, default=None
        Number of worker processes (joblib; ``None`` is 1, ``-1`` all cores). The work
        is split into one unit per embedder (with all its probes) or baseline, dataset
        and missing rate; the cores are shared out as torch threads among the workers.
        On a laptop, ``n_jobs=2`` with one thread each is usually faster than one
        process with two threads.
    verbose : int, default=0
        ``1``: a progress bar over the units of work (see ``n_jobs``); ``2``: also the
        pretraining progress of the embedders (their ``verbose=1``, unless
        ``embedder_params`` sets it). Each task's end, and each model that fails, is
        also logged (``logging``, logger ``sklearn_msae.sktime.benchmark``).

    Returns
    -------
    results : pandas.DataFrame
        One row per dataset, missing rate and model, with columns ``dataset``,
        ``missing_rate``, ``model``, ``accuracy``, ``fit_time_s``, ``predict_time_s``,
        ``n_train``, ``n_test``, ``n_channels``, ``n_timepoints`` and ``error`` (empty,
        or the exception of a model that failed; its accuracy is then NaN).

    Raises
    ------
    ValueError
        If a name in ``embedders``, ``probes`` or ``embedder_params`` is unknown, or if
        there is nothing to run.
    ModuleNotFoundError
        If ``baseline`` is True and numba, which MiniRocket needs, is not installed.

    Examples
    --------
    >>> from sklearn_msae.sktime.benchmark import run_uea_benchmark
    >>> results = run_uea_benchmark("BasicMotions", missing_rates=0.0, embedders=["himae"],
    ...                             probes=["ridge"], baseline=False, max_epochs=1,
    ...                             embedder_params={"himae": {"size": "tiny"}})
    >>> results[["dataset", "model"]].to_numpy().tolist()
    [['BasicMotions', 'himae+ridge']]
    """
    datasets, embedders, probes = (
        [names] if isinstance(names, str) else list(names) for names in (datasets, embedders, probes)
    )
    missing_rates = [float(missing_rates)] if np.isscalar(missing_rates) else [float(r) for r in missing_rates]
    embedder_params = dict(embedder_params or {})
    for what, names, known in (
        ("embedders", embedders, EMBEDDERS),
        ("probes", probes, PROBES),
        ("embedder_params", embedder_params, EMBEDDERS),
    ):
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise ValueError(f"unknown {what} {unknown}; choose from {sorted(known)}")
    if not datasets or not missing_rates or not (embedders or baseline):
        raise ValueError("nothing to run: give at least one dataset, one missing rate and one model")
    if baseline and importlib.util.find_spec("numba") is None:
        # fail before hours of pretraining, not when the baseline's turn comes
        raise ModuleNotFoundError(
            "the MiniRocket baseline needs numba (sktime's MiniRocketMultivariate is compiled with it): "
            "pip install numba, or pass baseline=False"
        )

    import torch

    n_workers = effective_n_jobs(n_jobs)
    # the cores are split between the workers: more torch threads than cores makes
    # OpenMP threads spin against each other, which is many times slower, not faster
    torch_threads = max(1, torch.get_num_threads() // n_workers)
    # one unit of work = one embedder (all its probes, sharing its pretraining through the
    # cache) or the baseline, on one dataset at one missing rate
    units = [
        (dataset, missing_rate, model)
        for dataset in datasets
        for missing_rate in missing_rates
        for model in [*embedders, *([BASELINE] if baseline else [])]
    ]
    started = time.perf_counter()
    rows, cpu_time = [], 0.0
    with tempfile.TemporaryDirectory(prefix="sklearn_msae_benchmark_") as cache:
        adapters = {
            embedder: EMBEDDERS[embedder](
                **{"max_epochs": max_epochs, "max_steps": None, "random_state": random_state, "memory": cache,
                   "verbose": int(verbose >= 2), **embedder_params.get(embedder, {})}
            )
            for embedder in embedders
        }
        run_unit = delayed(_run_unit)
        unit_rows = Parallel(n_jobs=n_workers, return_as="generator")(
            run_unit(dataset, missing_rate, model, adapters.get(model), probes, random_state, data_home, torch_threads)
            for dataset, missing_rate, model in units
        )
        for (dataset, missing_rate, model), (new_rows, unit_cpu_time) in tqdm(
            zip(units, unit_rows), total=len(units), desc="UEA benchmark", unit="model", disable=not verbose
        ):
            rows += new_rows
            cpu_time += unit_cpu_time
            logger.info("%s, %s at missing rate %g: done after %.1f s", model, dataset, missing_rate,
                        time.perf_counter() - started)
    results = pd.DataFrame(rows, columns=_RESULT_COLUMNS)
    wall_time = time.perf_counter() - started

    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        results.to_csv(output_dir / f"{name}.csv", index=False)
        call = (
            f"run_uea_benchmark({datasets!r}, missing_rates={missing_rates!r}, embedders={embedders!r}, "
            f"probes={probes!r}, baseline={baseline!r}, max_epochs={max_epochs!r}, "
            f"embedder_params={embedder_params!r}, random_state={random_state!r}, n_jobs={n_jobs!r})"
        )
        (output_dir / f"{name}.md").write_text(
            _markdown_report(
                results, call=call, command=command, wall_time=wall_time, cpu_time=cpu_time,
                workers=f"{n_workers} process(es) x {torch_threads} torch thread(s)",
            ),
            encoding="utf-8",
        )
    return results


def _run_unit(dataset, missing_rate, model, adapter, probes, random_state, data_home, torch_threads):
    """`_run_task` for one embedder ``model`` with its ``adapter``, or for the baseline alone.

    Returns the rows and the CPU seconds the unit took: on shared cores, the wall time
    says as much about the other jobs as about the benchmark.
    """
    import torch

    torch.set_num_threads(torch_threads)
    started = time.process_time()
    try:
        baseline = model == BASELINE
        adapters = {} if baseline else {model: adapter}
        rows = _run_task(dataset, missing_rate, adapters, probes, baseline, random_state, data_home)
        return rows, time.process_time() - started
    finally:
        # MiniRocket ends by resetting numba's OpenMP thread count to the number of cores, and
        # that count is torch's too: without this, every later pretraining runs on all cores
        torch.set_num_threads(torch_threads)


def _run_task(dataset, missing_rate, adapters, probes, baseline, random_state, data_home) -> list[dict]:
    """The result rows of every model on one dataset at one missing rate."""
    from sktime.benchmarking.classification import ClassificationBenchmark
    from sktime.classification.compose import SklearnClassifierPipeline

    split_data = [
        load_uea(dataset, split, data_home=data_home, missing_rate=missing_rate, random_state=random_state)
        for split in ("train", "test")
    ]
    (X_train, _), (X_test, _) = split_data
    n_timepoints = max(X_train.shape[2], X_test.shape[2])
    X = np.concatenate([_pad_time(X_split, n_timepoints) for X_split, _ in split_data])
    y = np.concatenate([y_split for _, y_split in split_data])
    # -1: never in a test fold (the training split); 0: the single test fold
    test_fold = np.r_[np.full(len(X_train), -1), np.zeros(len(X_test), dtype=int)]

    models = {
        f"{embedder}+{probe}": adapter * PROBES[probe]() for embedder, adapter in adapters.items() for probe in probes
    }
    if baseline:
        from sktime.transformations.compose import FitInTransform
        from sktime.transformations.impute import Imputer
        from sktime.transformations.rocket import MiniRocketMultivariate

        # interpolation is per series and learns nothing: FitInTransform applies it to
        # whatever instances come, where a fitted Imputer expects the training instances
        transformers = [FitInTransform(Imputer(method="linear"))] if np.isnan(X).any() else []
        transformers.append(MiniRocketMultivariate(random_state=random_state))
        models[BASELINE] = SklearnClassifierPipeline(PROBES["ridge"](), transformers)

    benchmark = ClassificationBenchmark()
    benchmark.add_estimator(models)
    task_id = f"{dataset}@{missing_rate}"
    benchmark.add_task((X, y), PredefinedSplit(test_fold), [accuracy_score], task_id=task_id, error_score="raise")
    with warnings.catch_warnings():
        # sktime also reports the standard deviation over folds (ddof=1): undefined for our one fold
        warnings.filterwarnings("ignore", "Degrees of freedom <= 0", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered in scalar divide", RuntimeWarning)
        summary = benchmark.run(output_file=None)  # empty, without columns, when every model failed
    scores = summary.set_index("model_id") if len(summary) else summary
    failures = {failure.model_id: failure for failure in benchmark.failed_experiments}

    shared = {
        "dataset": dataset,
        "missing_rate": missing_rate,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_channels": X.shape[1],
        "n_timepoints": n_timepoints,
    }
    rows = []
    for model in models:
        if model in failures:
            failure = failures[model]
            error = f"{failure.exception_type}: {failure.exception_message}"
            logger.warning("%s failed on %s: %s", model, task_id, error)
            rows.append({**shared, "model": model, "error": error})
        else:
            score = scores.loc[model]
            rows.append({
                **shared,
                "model": model,
                "accuracy": score["accuracy_score_mean"],
                "fit_time_s": score["fit_time_mean"],
                "predict_time_s": score["pred_time_mean"],
                "error": "",
            })
    return rows


def _pad_time(X: np.ndarray, n_timepoints: int) -> np.ndarray:
    """``X`` (n, C, T) padded at the end with NaN (unobserved) to ``n_timepoints``."""
    return np.pad(X, [(0, 0), (0, 0), (0, n_timepoints - X.shape[2])], constant_values=np.nan)


def _markdown_report(
    results: pd.DataFrame, *, call: str, command: str | None, wall_time: float, cpu_time: float, workers: str
) -> str:
    """Accuracy and fit-time tables plus the run's call, wall time, versions and machine."""
    models = list(dict.fromkeys(results["model"]))
    embedder_models = [model for model in models if model != BASELINE]
    accuracy = _by_task(results, "accuracy", models)
    if BASELINE in models and embedder_models:
        accuracy["best embedder - MiniRocket"] = accuracy[embedder_models].max(axis=1) - accuracy[BASELINE]
    lines = ["# Linear probes of the embedders vs MiniRocket on UEA datasets (sktime)", ""]
    lines += ["Test accuracy on the official split.", "", *_markdown_table(accuracy, ".3f"), ""]
    lines += [
        "Fit time in seconds: pretraining + probe (the first probe of an embedder pays its pretraining, the others "
        "load it from the cache); MiniRocket's first fit in a fresh environment includes numba's compilation.",
        "",
        *_markdown_table(_by_task(results, "fit_time_s", models), ".1f"),
    ]
    failed = results[results["error"].fillna("") != ""]
    if len(failed):
        lines += ["", "Failed runs:", ""]
        lines += [f"- {r.dataset} ({r.missing_rate:.0%} dropped), {r.model}: {r.error}" for r in failed.itertuples()]
    lines += ["", "## Run", ""]
    if command:
        lines.append(f"- Command: `{command}`")
    lines += [
        f"- Call: `{call}`",
        f"- Wall time: {wall_time:.0f} s ({wall_time / 60:.1f} min); CPU time of the models, summed over "
        f"workers: {cpu_time:.0f} s ({cpu_time / 60:.1f} min)",
        f"- Workers: {workers}",
    ]
    lines += [f"- Versions: {_versions()}", f"- Machine: {_machine()}", ""]
    return "\n".join(lines)


def _by_task(results: pd.DataFrame, value: str, models: list[str]) -> pd.DataFrame:
    """``value`` with one row per (dataset, missing rate) and one column per model, in run order."""
    table = results.pivot_table(
        index=["dataset", "missing_rate"], columns="model", values=value, sort=False, dropna=False
    )
    return table.reindex(columns=models)


def _markdown_table(table: pd.DataFrame, spec: str) -> list[str]:
    """The lines of a markdown table of ``table`` (indexed by dataset and missing rate)."""
    header = ["dataset", "dropped", *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (dataset, missing_rate), row in table.iterrows():
        cells = [dataset, f"{missing_rate:.0%}", *(_format(value, spec) for value in row)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _format(value, spec: str) -> str:
    return "failed" if pd.isna(value) else format(value, spec)


def _versions() -> str:
    import sklearn
    import sktime
    import torch

    from .. import __version__

    return (
        f"sklearn-msae {__version__}, Python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, sktime {sktime.__version__}, numpy {np.__version__}, "
        f"pandas {pd.__version__}"
    )


def _machine() -> str:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{_cpu_model()}, {cores} cores available, torch threads {torch.get_num_threads()}, {gpu}"


def _cpu_model() -> str:
    """The CPU model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
