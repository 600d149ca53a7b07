"""The ``sklearn-msae`` command line.

Each command imports what it needs when it runs, so that ``--help`` and a mistyped
argument answer at once instead of after seconds of importing torch, scikit-learn and
skorch (the package itself imports its estimators lazily too).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time


def demo(args: argparse.Namespace) -> int:
    """HiMAE on BasicMotions (ships with sktime): probe accuracy and per-layer profile.

    Each step says what it starts before it runs, with the time it took after, so the
    demo is never silent for long, even at ``--verbose 0``.
    """
    import tempfile

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sktime.datasets import load_basic_motions

    from . import HiMAEEmbedder
    from .inspection import resolution_profile

    start = time.perf_counter()

    def step(message: str) -> None:
        print(f"[{time.perf_counter() - start:5.1f} s] {message}", flush=True)

    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
    print(f"BasicMotions: {X_train.shape[0]} train / {X_test.shape[0]} test series, "
          f"{X_train.shape[1]} channels, {X_train.shape[2]} time points")

    # the profile's fold is the official split: through the cache it reuses the pipeline's pretraining
    with tempfile.TemporaryDirectory(prefix="sklearn-msae-demo-") as cache:
        embedder = HiMAEEmbedder(
            random_state=args.random_state, max_epochs=args.max_epochs, verbose=args.verbose, memory=cache
        )
        step(f"pretraining HiMAE ({embedder.size}, {args.max_epochs} epochs) on the training series, "
             "then fitting a LogisticRegression on its embeddings")
        pipe = make_pipeline(embedder, LogisticRegression(max_iter=1000))
        accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
        print(f"HiMAEEmbedder(layer={embedder.layer!r}) + LogisticRegression test accuracy: {accuracy:.3f}")

        X = np.concatenate([X_train, X_test])
        y = np.concatenate([y_train, y_test])
        official_split = [(np.arange(len(X_train)), np.arange(len(X_train), len(X)))]
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        step("resolution profile: a probe on each level of the pretrained network")
        profile = resolution_profile(embedder, X, y, probe=probe, cv=official_split, verbose=args.verbose)
    print("\nResolution profile (official split, one pretraining, a probe per level):")
    print(profile[["layer", "n_features", "score"]].rename(columns={"score": "test accuracy"}).to_string(index=False))
    print(f"\nwall time: {time.perf_counter() - start:.1f} s")
    return 0


# The UEA suite: wearable-sensor sets of the RoMAE paper's irregular-sampling table, plus RacketSports
UEA_SUITE = ["BasicMotions", "Epilepsy", "RacketSports", "LSST"]


def benchmark(args: argparse.Namespace) -> int:
    """Linear probes of the embedders vs MiniRocket on UEA data sets, through sktime's benchmarking."""
    from .sktime.benchmark import run_uea_benchmark

    results = run_uea_benchmark(
        args.datasets or UEA_SUITE,
        missing_rates=args.missing_rates,
        embedders=args.embedders,
        probes=args.probes,
        baseline=not args.no_baseline,
        max_epochs=args.max_epochs,
        random_state=args.random_state,
        data_home=args.data_home,
        output_dir=args.output_dir,
        name=args.name,
        command="sklearn-msae " + " ".join(args.argv),
        n_jobs=args.n_jobs,
        verbose=args.verbose,
    )
    print(results[["dataset", "missing_rate", "model", "accuracy", "fit_time_s"]].to_string(index=False))
    print(f"\nwritten: {args.output_dir}/{args.name}.csv and {args.output_dir}/{args.name}.md")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sklearn-msae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="HiMAE embeddings + a linear probe on BasicMotions")
    demo_parser.add_argument("--max-epochs", type=int, default=100, help="pretraining epochs (default 100)")
    demo_parser.add_argument("--random-state", type=int, default=0)
    demo_parser.add_argument("--verbose", type=int, default=0,
                             help="1: progress bars (pretraining, resolution profile) and log messages")
    demo_parser.set_defaults(run=demo)

    bench = commands.add_parser("benchmark", help="embedders + linear probes vs MiniRocket (sktime benchmarking)")
    bench.add_argument("--suite", choices=["uea"], default="uea",
                       help=f"data sets when --datasets is not given; uea: {', '.join(UEA_SUITE)}")
    bench.add_argument("--datasets", nargs="+", metavar="NAME", help="UEA data set names (override the suite)")
    bench.add_argument("--missing-rates", nargs="+", type=float, default=[0.0, 0.3], metavar="RATE",
                       help="fractions of time steps dropped per series (default: 0.0 0.3)")
    bench.add_argument("--embedders", nargs="+", default=["himae", "aim", "romae"], choices=["himae", "aim", "romae"])
    bench.add_argument("--probes", nargs="+", default=["logistic", "ridge"], choices=["logistic", "ridge"])
    bench.add_argument("--no-baseline", action="store_true", help="skip MiniRocket (which needs numba)")
    bench.add_argument("--max-epochs", type=int, default=20, help="pretraining epochs of every embedder (default 20)")
    bench.add_argument("--random-state", type=int, default=0)
    bench.add_argument("--data-home", help="folder of <Name>/<Name>_{TRAIN,TEST}.ts (default: SKLEARN_MSAE_DATA, ...)")
    bench.add_argument("--n-jobs", type=int, default=None,
                       help="worker processes, one per model at a time, sharing the cores (default 1; -1: all cores)")
    bench.add_argument("--output-dir", default="benchmark_results", help="where the CSV and markdown go")
    bench.add_argument("--name", default="sktime_uea", help="stem of the output files (default sktime_uea)")
    bench.add_argument("--verbose", type=int, default=0,
                       help="1: a progress bar over the tasks and log messages; 2: also pretraining progress")
    bench.set_defaults(run=benchmark)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    if args.verbose:
        # the library only logs (silently by default); the command line shows its messages
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
