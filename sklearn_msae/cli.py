"""The ``sklearn-msae`` command line."""

from __future__ import annotations

import argparse
import time

import numpy as np


def demo(args: argparse.Namespace) -> int:
    """HiMAE on BasicMotions (ships with sktime): probe accuracy and per-layer profile."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sktime.datasets import load_basic_motions

    from . import HiMAEEmbedder
    from .inspection import resolution_profile

    start = time.perf_counter()
    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
    print(f"BasicMotions: {X_train.shape[0]} train / {X_test.shape[0]} test series, "
          f"{X_train.shape[1]} channels, {X_train.shape[2]} time points")

    embedder = HiMAEEmbedder(random_state=args.random_state, max_epochs=args.max_epochs, verbose=args.verbose)
    pipe = make_pipeline(embedder, LogisticRegression(max_iter=1000))
    accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
    print(f"HiMAEEmbedder(layer=-1) + LogisticRegression test accuracy: {accuracy:.3f}")

    X = np.concatenate([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    official_split = [(np.arange(len(X_train)), np.arange(len(X_train), len(X)))]
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    profile = resolution_profile(embedder, X, y, probe=probe, cv=official_split, verbose=True)
    print("\nResolution profile (official split, one pretraining, a probe per level):")
    print(profile[["layer", "n_features", "score"]].rename(columns={"score": "test accuracy"}).to_string(index=False))
    print(f"\nwall time: {time.perf_counter() - start:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sklearn-msae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="HiMAE embeddings + a linear probe on BasicMotions")
    demo_parser.add_argument("--max-epochs", type=int, default=100, help="pretraining epochs (default 100)")
    demo_parser.add_argument("--random-state", type=int, default=0)
    demo_parser.add_argument("--verbose", type=int, default=0, help="1: skorch progress bars while pretraining")
    demo_parser.set_defaults(run=demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
