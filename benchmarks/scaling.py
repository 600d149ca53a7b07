"""Scaling: pretraining and transform throughput vs threads, workers, data size and batch size.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 5 python benchmarks/scaling.py [--quick]

Every measurement uses ``HiMAEEmbedder(size="small", device="cpu")`` on BasicMotions
(ships with sktime: 40 training series, 6 channels, 100 time steps), enlarged where
needed by tiling the training set: the cost of a series depends on its shape, not on
its values, so tiled copies cost what new series of the same shape would. Copies after
the first get Gaussian noise of 1 % of each channel's standard deviation: without it the
folds of a search would hold identical training sets, which the ``memory`` cache
rightly pretrains once.

1. Pretraining throughput vs torch threads (1, 2): ``fit`` on the training set (x1).
2. Pretraining throughput vs data size: ``fit`` on the training set x1, x4, x16, 1 thread.
3. GridSearchCV fan-out vs workers: the search over ``emb__layer`` (4 layers, 4 folds,
   ``memory`` set, ``refit=False``) on the training set x4, run sequentially, with
   joblib's loky backend on 2 processes, and with joblib's Dask backend on a loopback
   ``LocalCluster`` of 1 and 2 worker processes; every worker runs torch on 1 thread.
   Each search starts from an empty cache, after a 1-epoch search has warmed the
   workers up (imports, first-call initialisation of torch and skorch).
4. Transform throughput vs ``inference_batch_size`` on the training set x16 (median
   of 3 runs), 1 thread.

Throughput: series/s is series x epochs / wall time of pretraining (series / wall time
for transform); tokens/s counts HiMAE's masking patches (``patch_size`` = 5 time steps
across all channels, so 20 per BasicMotions series). Each pretraining is preceded by
nothing but the warm-up fit, so times include skorch's per-epoch overhead, as a user's do.

Writes ``benchmarks/results/scaling.md``; ``--quick`` (2 epochs, x1 and x4 only, the
search on x1) is a smoke run of a minute or two.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import distributed
import numpy as np
import torch
from _report import machine, timed, versions  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sktime.datasets import load_basic_motions

from sklearn_msae import HiMAEEmbedder

THREADS = (1, 2)
LAYERS = [1, 2, 3, 4]
FOLDS = 4
BATCH_SIZES = (1, 16, 64, 256, 1024)
TRANSFORM_REPEATS = 3


def make_embedder(epochs: int, **params) -> HiMAEEmbedder:
    return HiMAEEmbedder(size="small", max_epochs=epochs, random_state=0, device="cpu", **params)


def tile(X: np.ndarray, y: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """``factor`` copies of ``X``, all but the first jittered (module docstring)."""
    rng = np.random.default_rng(0)
    scale = 0.01 * X.std(axis=(0, 2), keepdims=True)  # (1, C, 1)
    copies = [X, *(X + scale * rng.standard_normal(X.shape, dtype=np.float32) for _ in range(factor - 1))]
    return np.concatenate(copies), np.tile(y, factor)


def patches_per_series(X: np.ndarray) -> int:
    return math.ceil(X.shape[-1] / make_embedder(1).patch_size)


def pretraining(X: np.ndarray, epochs: int, threads: int) -> dict:
    """Wall time and throughput of one ``fit`` with ``threads`` torch threads."""
    torch.set_num_threads(threads)
    try:
        seconds, embedder = timed(lambda: make_embedder(epochs).fit(X))
    finally:
        torch.set_num_threads(1)
    series_per_s = len(X) * epochs / seconds
    return {"seconds": seconds, "series/s": series_per_s, "tokens/s": series_per_s * patches_per_series(X),
            "embedder": embedder}


def search(X: np.ndarray, y: np.ndarray, epochs: int) -> dict:
    """Wall time of the layer search from an empty cache, under the active joblib backend."""
    with tempfile.TemporaryDirectory() as cache:
        pipe = Pipeline([("emb", make_embedder(epochs, memory=cache)), ("clf", LogisticRegression(max_iter=1000))])
        grid = GridSearchCV(pipe, {"emb__layer": LAYERS}, cv=FOLDS, refit=False)
        seconds, grid = timed(lambda: grid.fit(X, y))
        # joblib.Memory keeps one output.pkl per distinct call: the number of networks trained
        n_pretrained = len(list(Path(cache).rglob("output.pkl")))
    n_train = len(X) * (FOLDS - 1) / FOLDS  # series per training fold
    return {"seconds": seconds, "series/s": n_pretrained * n_train * epochs / seconds,
            "pretrained": n_pretrained, "best layer": grid.best_params_["emb__layer"]}


@contextmanager
def dask_backend(n_workers: int):
    """joblib's Dask backend on ``n_workers`` single-threaded worker processes, loopback only."""
    with distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster), parallel_config("dask"):
        yield


FAN_OUT = {  # row -> (joblib context, worker processes)
    "sequential (n_jobs=1)": (nullcontext, 1),
    "joblib loky, 2 processes": (lambda: parallel_config("loky", n_jobs=2, inner_max_num_threads=1), 2),
    "Dask LocalCluster, 1 worker": (lambda: dask_backend(1), 1),
    "Dask LocalCluster, 2 workers": (lambda: dask_backend(2), 2),
}


def transform_throughput(embedder: HiMAEEmbedder, X: np.ndarray, batch_size: int) -> dict:
    embedder.set_params(inference_batch_size=batch_size)
    seconds = statistics.median(timed(lambda: embedder.transform(X))[0] for _ in range(TRANSFORM_REPEATS))
    return {"seconds": seconds, "series/s": len(X) / seconds, "tokens/s": len(X) / seconds * patches_per_series(X)}


def table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)]


def report(results: dict, X: np.ndarray, args, wall_s: float) -> str:
    n_train = len(X)
    by_threads, by_size = results["threads"], results["sizes"]
    sequential = results["fan-out"]["sequential (n_jobs=1)"]["seconds"]
    return "\n".join([
        "# Scaling: pretraining and transform throughput (issue 10)",
        "",
        f"Command: `OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 5 python benchmarks/scaling.py"
        f"{' --quick' if args.quick else ''}` — wall time {wall_s / 60:.1f} min.",
        "",
        f"Versions: {versions('torch', 'skorch', 'scikit-learn', 'joblib', 'dask', 'distributed', 'numpy')}.",
        "",
        f"Machine: {machine()} outside the thread measurement. The cores were shared with other jobs "
        "while this ran, so every figure is a lower bound on throughput and speed-ups from a second "
        "thread or worker are understated.",
        "",
        f"Embedder: `{make_embedder(args.epochs)!r}`; BasicMotions training set ({n_train} series, "
        f"{patches_per_series(X)} patches each) tiled xN. Protocol: module docstring of "
        "`benchmarks/scaling.py`.",
        "",
        f"## Pretraining vs torch threads (x{args.thread_scale}, {args.epochs} epochs)",
        "",
        *table(["torch threads", "fit (s)", "series/s", "tokens/s", "speed-up"], [
            [threads, f"{r['seconds']:.1f}", f"{r['series/s']:.0f}", f"{r['tokens/s']:.0f}",
             f"{by_threads[THREADS[0]]['seconds'] / r['seconds']:.2f}x"]
            for threads, r in by_threads.items()
        ]),
        "",
        f"## Pretraining vs data size (1 thread, {args.epochs} epochs)",
        "",
        *table(["data", "series", "fit (s)", "series/s", "tokens/s"], [
            [f"x{factor}", factor * n_train, f"{r['seconds']:.1f}", f"{r['series/s']:.0f}", f"{r['tokens/s']:.0f}"]
            for factor, r in by_size.items()
        ]),
        "",
        f"## GridSearchCV over `emb__layer` fanned out ({len(LAYERS)} layers x {FOLDS} folds, `memory`, "
        f"x{args.search_scale}, {args.epochs} epochs)",
        "",
        "Pretrained series/s counts each cached network once (series of its training fold x epochs), "
        "over the wall time of the whole search (pretraining, transforms and probes).",
        "",
        *table(["backend", "worker processes", "search (s)", "speed-up", "pretrained series/s",
                "networks trained", "best layer"], [
            [name, FAN_OUT[name][1], f"{r['seconds']:.1f}", f"{sequential / r['seconds']:.2f}x",
             f"{r['series/s']:.0f}", r["pretrained"], r["best layer"]]
            for name, r in results["fan-out"].items()
        ]),
        "",
        f"## Transform vs `inference_batch_size` (x{args.transform_scale}, 1 thread, median of "
        f"{TRANSFORM_REPEATS})",
        "",
        *table(["inference_batch_size", "transform (s)", "series/s", "tokens/s"], [
            [size, f"{r['seconds']:.3f}", f"{r['series/s']:.0f}", f"{r['tokens/s']:.0f}"]
            for size, r in results["transform"].items()
        ]),
        "",
    ])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, x1 and x4 data only: a smoke run")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "scaling.md")
    args = parser.parse_args(argv)
    args.epochs = 2 if args.quick else 10
    sizes = (1, 4) if args.quick else (1, 4, 16)
    args.thread_scale, args.search_scale, args.transform_scale = 1, (1 if args.quick else 4), sizes[-1]
    # worker processes inherit this process's environment, and an inherited thread count
    # overrides Dask's nanny defaults: 1 torch thread per worker, as in the sequential run
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    torch.set_num_threads(1)

    X, y = load_basic_motions(split="train", return_type="numpy3D")
    X = X.astype(np.float32)
    start = time.perf_counter()
    make_embedder(1).fit(X)  # first-call initialisation of torch and skorch, kept out of every timing
    results = {"sizes": {}, "fan-out": {}, "transform": {}}
    results["threads"] = {threads: pretraining(tile(X, y, args.thread_scale)[0], args.epochs, threads)
                          for threads in THREADS}
    for factor in sizes:  # the thread measurement's 1-thread fit is the x1 one
        results["sizes"][factor] = (results["threads"][1] if factor == args.thread_scale
                                    else pretraining(tile(X, y, factor)[0], args.epochs, 1))
        print(f"pretraining x{factor}: {results['sizes'][factor]['series/s']:.0f} series/s", flush=True)

    X_search, y_search = tile(X, y, args.search_scale)
    for name, (backend, _) in FAN_OUT.items():
        with backend():
            search(X, y, epochs=1)  # warm-up: starts and initialises the workers
            results["fan-out"][name] = search(X_search, y_search, args.epochs)
        print(f"{name}: {results['fan-out'][name]['seconds']:.1f} s", flush=True)

    embedder = results["sizes"][1]["embedder"]
    X_transform = tile(X, y, args.transform_scale)[0]
    for size in BATCH_SIZES:
        results["transform"][size] = transform_throughput(embedder, X_transform, size)

    text = report(results, X, args, time.perf_counter() - start)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
