"""Interpolation with RoMAEEmbedder: the RoMAE paper's HeTVAE synthetic task and Spirals.

HeTVAE synthetic task (Shukla & Marlin 2022; RoMAE paper Table "synthetic"): 2000
univariate series on t = 0.02 i, i = 1..50; values are a kernel smoother (RBF weights
exp(-120 (t - r_k)^2), normalised by their sum, as HeTVAE's ``kernel_smoother``) of
10 latent z_k ~ N(0, 1) at r_k = 0.1 k, plus N(0, 0.1^2) noise. Each series keeps 3-10
observed points; split 80/10/10. Score: MSE at the unobserved points against the noisy
values. As in both reference codes (HeTVAE's ``get_synthetic_data`` and
RoMAE-Experiments' ``SyntheticDataset``), training series are the full noisy
trajectories; the mask ratio leaves 6 of 50 points visible, the middle of the 3-10 range
of the evaluation series, which only ever show their 3-10 observed points.

Spirals (ContiFormer's generator, as RoMAE-Experiments' ``SpiralDataset`` configures it):
300 Archimedean spirals, 150 points on theta in [0, 6 pi], a = 0 and b = 0.3 with
N(0, 0.02^2) jitter per spiral, clockwise or counter-clockwise at random, N(0, 0.1^2)
observation noise; the first half (75 points) is the interpolation window. Train on the
200 first spirals' full noisy windows (60 % of the points hidden per sample, as
RoMAE-Experiments); each of the 100 test spirals shows 30 random points of its window and
is scored at the other 45: RMSE = sqrt(mean over points of the squared Euclidean error),
ContiFormer's definition, against the clean trajectory (and against the noisy one).

Baselines: linear interpolation between the observed points (flat beyond them;
``_baselines.interpolate_linear`` on the time grid), the
per-series mean, and for the synthetic task the exact posterior mean E[y_u | y_o] of the
generator (a linear-Gaussian model): the best MSE any method can reach in expectation.

Run ``nice python benchmarks/interpolation.py`` (5 seeds, writes
``benchmarks/results/interpolation.md``); ``--quick`` runs one seed with short training.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
from _baselines import interpolate_linear  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from _report import header, machine, run_parser, write  # noqa: E402

from sklearn_msae import RoMAEEmbedder

# One small network for both tasks; no [CLS], so predictions depend on time differences only.
MODEL = {
    "embed_dim": 64, "num_heads": 4, "depth": 2, "decoder_embed_dim": 64, "decoder_num_heads": 4,
    "decoder_depth": 2, "use_cls": False, "pooling": "mean", "lr": 1e-3, "device": "cpu",
    "max_steps": None,  # every epoch, as the papers' budgets (and the recorded runs) count them
}
HETVAE = {"mask_ratio": 0.88, "batch_size": 64, "max_epochs": 40}  # 44 of 50 hidden: 6 visible
SPIRALS = {"mask_ratio": 0.6, "batch_size": 32, "max_epochs": 200}  # 45 of 75 hidden: 30 visible
PAPER = {"hetvae": "RoMAE 0.233 ± 0.007; HeTVAE 0.223 ± 0.070", "spirals": "RoMAE 0.0183; ContiFormer 0.49"}
TARGET_HETVAE_MSE = 0.20  # beat the paper's RoMAE (0.233) and HeTVAE (0.223)


# ---- data ---------------------------------------------------------------------------


def hetvae_task(seed: int, n_series: int = 2000) -> dict:
    rng = np.random.default_rng(seed)
    times, anchors = 0.02 * np.arange(1, 51), 0.1 * np.arange(1, 11)
    weights = np.exp(-120.0 * (times[:, None] - anchors[None, :]) ** 2)  # (50, 10)
    weights /= weights.sum(axis=1, keepdims=True)  # kernel smoother: a weighted mean of the z_k
    noisy = rng.standard_normal((n_series, 10)) @ weights.T + 0.1 * rng.standard_normal((n_series, 50))
    observed = _random_subsets(rng, n_series, 50, rng.integers(3, 11, n_series))
    order = rng.permutation(n_series)
    n_train, n_valid = int(0.8 * n_series), int(0.1 * n_series)
    return {
        "times": times, "noisy": noisy[:, None, :], "observed": observed, "covariance": weights @ weights.T + 0.01 * np.eye(50),
        "train": order[:n_train], "valid": order[n_train : n_train + n_valid], "test": order[n_train + n_valid :],
    }


def spirals_task(seed: int, n_spirals: int = 300, n_total: int = 150) -> dict:
    rng = np.random.default_rng(seed)
    theta = np.linspace(0.0, 6 * np.pi, n_total)
    a = 0.02 * rng.standard_normal((n_spirals, 1))
    b = 0.3 + 0.02 * rng.standard_normal((n_spirals, 1))
    turn_cw = 6 * np.pi + 1.0 - theta  # ContiFormer's clockwise branch, run backwards in time
    radius_cw = a + b * 50.0 / turn_cw
    clockwise = np.stack([radius_cw * np.cos(turn_cw) - 5.0, radius_cw * np.sin(turn_cw)], axis=1)[:, :, ::-1]
    radius_cc = a + b * theta
    counter = np.stack([radius_cc * np.cos(theta) + 5.0, radius_cc * np.sin(theta)], axis=1)
    clean = np.where(rng.random((n_spirals, 1, 1)) < 0.5, clockwise, counter)[:, :, : n_total // 2]  # (n, 2, 75)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    return {
        "times": theta[: n_total // 2], "clean": clean, "noisy": noisy,
        "observed": _random_subsets(rng, n_spirals, n_total // 2, np.full(n_spirals, 30)),
        "train": np.arange(200), "test": np.arange(200, n_spirals),
    }


def _random_subsets(rng, n_series: int, n_points: int, sizes: np.ndarray) -> np.ndarray:
    """Boolean (n_series, n_points): ``sizes[i]`` points of row i, uniformly without replacement."""
    ranks = rng.random((n_series, n_points)).argsort(axis=1).argsort(axis=1)
    return ranks < sizes[:, None]


def as_frame(values: np.ndarray, times: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    """(instance, time) frame of the kept points of ``values`` (n, C, T) on the time grid ``times``."""
    series, step = np.nonzero(keep)
    index = pd.MultiIndex.from_arrays([series, times[step]], names=["series", "time"])
    return pd.DataFrame(values.transpose(0, 2, 1)[series, step], index=index)


# ---- methods --------------------------------------------------------------------------


def romae_predictions(embedder: RoMAEEmbedder, task: dict, split: str) -> np.ndarray:
    """(n, C, T) predictions at the unobserved grid points of ``split`` (NaN at observed ones)."""
    rows, times = task[split], task["times"]
    observed = task["observed"][rows]
    X = as_frame(task["noisy"][rows], times, observed)
    queries = [times[~row] for row in observed]  # ragged: 40-47 (synthetic) or 45 (spirals)
    answers = embedder.interpolate(X, queries)  # (n, C, Q_max)
    grid = np.full(task["noisy"][rows].shape, np.nan)
    for i, row in enumerate(observed):  # each series' answers back to its unobserved steps
        grid[i][:, ~row] = answers[i, :, : (~row).sum()]
    return grid


def linear_predictions(task: dict, split: str) -> np.ndarray:
    """Linear interpolation on the time grid between the observed points (flat beyond them); NaN at observed ones."""
    rows = task[split]
    observed = task["observed"][rows][:, None, :]
    gaps = np.where(observed, task["noisy"][rows], np.nan)
    return np.where(observed, np.nan, interpolate_linear(gaps, times=task["times"]))


def mean_predictions(task: dict, split: str) -> np.ndarray:
    rows = task[split]
    noisy, observed = task["noisy"][rows], task["observed"][rows][:, None, :]
    means = np.nanmean(np.where(observed, noisy, np.nan), axis=2, keepdims=True)
    return np.where(observed, np.nan, means)


def posterior_mean_predictions(task: dict, split: str) -> np.ndarray:
    """Exact E[y_u | y_o] of the synthetic task's linear-Gaussian generator."""
    rows, covariance = task[split], task["covariance"]
    grid = np.full(task["noisy"][rows].shape, np.nan)
    for i, (values, keep) in enumerate(zip(task["noisy"][rows, 0], task["observed"][rows])):
        grid[i, 0, ~keep] = covariance[np.ix_(~keep, keep)] @ np.linalg.solve(covariance[np.ix_(keep, keep)], values[keep])
    return grid


def hidden_mse(predictions: np.ndarray, target: np.ndarray) -> float:
    """Mean over unobserved points (finite predictions) of the squared error summed over channels."""
    squared = ((predictions - target) ** 2).sum(axis=1)  # (n, T), NaN at observed points
    return float(np.nanmean(squared))


# ---- experiments ----------------------------------------------------------------------


def run_hetvae(seed: int, epochs: int) -> dict:
    task = hetvae_task(seed)
    train = as_frame(task["noisy"][task["train"]], task["times"], np.ones((len(task["train"]), 50), dtype=bool))
    start = time.perf_counter()
    embedder = RoMAEEmbedder(**MODEL, **{**HETVAE, "max_epochs": epochs}, random_state=seed).fit(train)
    fit_seconds = time.perf_counter() - start
    valid, test = task["noisy"][task["valid"]], task["noisy"][task["test"]]  # scored against the noisy values
    return {
        "RoMAEEmbedder (valid)": hidden_mse(romae_predictions(embedder, task, "valid"), valid),
        "RoMAEEmbedder": hidden_mse(romae_predictions(embedder, task, "test"), test),
        "exact posterior mean (oracle)": hidden_mse(posterior_mean_predictions(task, "test"), test),
        "linear interpolation": hidden_mse(linear_predictions(task, "test"), test),
        "per-series mean": hidden_mse(mean_predictions(task, "test"), test),
        "fit seconds": fit_seconds,
    }


def run_spirals(seed: int, epochs: int) -> dict:
    task = spirals_task(seed)
    train = as_frame(task["noisy"][task["train"]], task["times"], np.ones((200, 75), dtype=bool))
    start = time.perf_counter()
    embedder = RoMAEEmbedder(**MODEL, **{**SPIRALS, "max_epochs": epochs}, random_state=seed).fit(train)
    fit_seconds = time.perf_counter() - start
    clean, noisy = task["clean"][task["test"]], task["noisy"][task["test"]]
    romae, linear = romae_predictions(embedder, task, "test"), linear_predictions(task, "test")
    return {
        "RoMAEEmbedder": np.sqrt(hidden_mse(romae, clean)),
        "RoMAEEmbedder (vs noisy)": np.sqrt(hidden_mse(romae, noisy)),
        "linear interpolation": np.sqrt(hidden_mse(linear, clean)),
        "linear interpolation (vs noisy)": np.sqrt(hidden_mse(linear, noisy)),
        "fit seconds": fit_seconds,
    }


def summarise(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """Mean and sample standard deviation (0 for one seed) of every metric over seeds."""
    return {
        key: (float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0)
        for key in rows[0]
        for values in [[row[key] for row in rows]]
    }


def table(title: str, metric: str, summary: dict, paper: str, digits: int) -> str:
    lines = [f"### {title}", "", f"| method | {metric} (mean ± std over seeds) |", "|---|---|"]
    for key, (mean, std) in summary.items():
        if key != "fit seconds":
            lines.append(f"| {key} | {mean:.{digits}f} ± {std:.{digits}f} |")
    lines += [f"| paper | {paper} |", "", f"RoMAEEmbedder fit time per seed: {summary['fit seconds'][0]:.0f} s", ""]
    return "\n".join(lines)


def notes(hetvae: dict, spirals: dict) -> str:
    mse, std = hetvae["RoMAEEmbedder"]
    oracle = hetvae["exact posterior mean (oracle)"][0]
    verdict = "met" if mse <= TARGET_HETVAE_MSE else "missed"
    return "\n".join([
        "### Notes",
        "",
        f"- Synthetic target MSE <= {TARGET_HETVAE_MSE}: **{verdict}** ({mse:.4f} ± {std:.4f} on the test splits; "
        f"{mse / oracle - 1:+.1%} from the exact posterior mean, the best achievable in expectation). The test "
        "split has 200 series, so its MSE varies by seed about as much as the methods differ; compare the "
        "methods seed by seed (the script prints them).",
        f"- Spirals: RMSE {spirals['RoMAEEmbedder'][0]:.4f} against the clean trajectory; the paper's 0.0183 is "
        f"{'not ' if spirals['RoMAEEmbedder'][0] > 0.0183 else ''}reproduced. RoMAE-Experiments publishes the "
        "spirals data and pretraining scripts but not the evaluation, so the paper's units, normalisation and "
        "target (clean or noisy, which points) are unknown; in the generator's raw units used here (clockwise "
        "spirals reach radius 15 in the window) the observation noise alone is 0.141 RMSE against the noisy "
        "points. ContiFormer's own script differs again (noise 0.05, no per-spiral jitter, all spirals "
        "counter-clockwise, coordinates min-max normalised, 50 observed points, all 150 points scored). Our "
        "network is also far smaller and shorter-trained than the paper's "
        "RoMAE-tiny (CPU budget).",
        "",
    ])


def main(argv=None) -> None:
    parser = run_parser(__doc__, "interpolation.md", seeds=5, quick="one seed, a quarter of the epochs")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    seeds = range(1 if args.quick else args.seeds)
    scale = 4 if args.quick else 1

    start = time.perf_counter()
    hetvae_rows, spirals_rows = [], []
    for seed in seeds:
        hetvae_rows.append(run_hetvae(seed, HETVAE["max_epochs"] // scale))
        print(f"synthetic seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in hetvae_rows[-1].items()), flush=True)
    for seed in seeds:
        spirals_rows.append(run_spirals(seed, SPIRALS["max_epochs"] // scale))
        print(f"spirals seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in spirals_rows[-1].items()), flush=True)
    wall = time.perf_counter() - start

    report = "\n".join([
        *header("Interpolation benchmarks (RoMAEEmbedder)", "interpolation.py", argv, wall, f"{len(seeds)} seed(s)",
                machine(), libraries=("torch", "scikit-learn", "numpy", "pandas")),
        f"Network (both tasks): {MODEL}; synthetic {HETVAE}; spirals {SPIRALS}.",
        "",
        table("HeTVAE synthetic task: MSE at unobserved points vs noisy values (test split unless noted)",
              "MSE", summarise(hetvae_rows), PAPER["hetvae"], 4),
        table("Spirals: RMSE at the 45 unobserved points of each test window (vs clean trajectory unless noted)",
              "RMSE", summarise(spirals_rows), PAPER["spirals"], 4),
        notes(summarise(hetvae_rows), summarise(spirals_rows)),
        "The protocol and its differences from the papers' are in the module docstring of "
        "`benchmarks/interpolation.py`.",
        "",
    ])
    write(report, args.output)


if __name__ == "__main__":
    main()
