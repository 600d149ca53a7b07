"""A pretraining corpus of univariate windows, built offline from every series at hand.

`build_pretraining_corpus` writes ``.npy`` shards of shape ``(n, 1, length)`` that
`SeriesStore` reads as one panel, and a manifest ``sources.csv`` saying where every
shard comes from, under which licence and how to cite it.
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._uea import DATA_ENV_VAR, list_uea, load_uea

__all__ = ["build_pretraining_corpus"]

SOURCES = ("uea", "sktime", "physiology", "synthetic")
#: At most this many windows come from one channel of one series ...
MAX_WINDOWS_PER_SERIES = 64
#: ... and at most this many from one dataset, so that no single set dominates the corpus.
MAX_WINDOWS_PER_DATASET = 2000
#: A window with fewer observed values carries too little signal to reconstruct.
MIN_OBSERVED = 8
MANIFEST = "sources.csv"

# The classification sets bundled with sktime 1.2.0 (its UCR/UEA sample); the bundled
# regression sets (Covid3Month, Tecator) and UnitTest (a slice of Chinatown) are left out.
_SKTIME_CLASSIFICATION = (
    "ACSF1",
    "ArrowHead",
    "BasicMotions",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
    "OSULeaf",
    "PLAID",
)
_PHYSIOLOGY = ("ecg", "ppg", "rsp", "eda", "emg")
_WINDOWS_PER_RECORDING = 16  # few enough that every kind gets many recordings (rates, noise)

_LICENCES = {
    "uea": (
        "UEA/UCR archive: free for research use",
        "A. Bagnall et al. (2018), The UEA multivariate time series classification archive, "
        "arXiv:1811.00075; H. A. Dau et al. (2019), The UCR time series archive, IEEE/CAA J. Autom. Sinica "
        "6(6); https://timeseriesclassification.com",
    ),
    "sktime": (
        "BSD-3-Clause (bundled with sktime); UCR/UEA sets: free for research use",
        "sktime 1.2.0, https://github.com/sktime/sktime (sktime/datasets/data); "
        "UCR/UEA sets: Bagnall et al. (2018), Dau et al. (2019)",
    ),
    "physiology": (
        "MIT (neurokit2); the signals are simulated",
        "D. Makowski et al. (2021), NeuroKit2: A Python toolbox for neurophysiological signal processing, "
        "Behavior Research Methods 53; https://github.com/neuropsychology/NeuroKit",
    ),
    "synthetic": ("generated; the licence of sklearn-msae", "sklearn_msae.datasets.build_pretraining_corpus"),
}


def _rng(random_state: int, *keys: str) -> np.random.Generator:
    """A generator of its own per ``keys``: a dataset's draws do not depend on the other sources built."""
    return np.random.default_rng([random_state, *(zlib.crc32(key.encode()) for key in keys)])


def _prepare_folder(path: str | os.PathLike) -> Path:
    """``path`` created, or emptied of an earlier corpus; refused if it holds anything else."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"path must be a folder; {folder} is a file")
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    if entries:
        # Rebuilding over an earlier corpus is routine; anything else in the folder is
        # someone's data, never deleted (and a stray shard would join the SeriesStore).
        ours = set()
        if (folder / MANIFEST).is_file():
            shards = pd.read_csv(folder / MANIFEST, keep_default_na=False).get("shard", pd.Series(dtype=str))
            ours = {MANIFEST, *(name for name in shards if name)}
        foreign = [entry.name for entry in entries if entry.name not in ours or not entry.is_file()]
        if foreign:
            raise ValueError(
                f"path {str(folder)!r} holds files that are not a corpus built by build_pretraining_corpus "
                f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); pass an empty or new folder"
            )
        for entry in entries:
            entry.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _standardize(series: list[np.ndarray]) -> list[np.ndarray]:
    """Every channel z-scored with the dataset's own statistics over its observed values (std 0 -> 1).

    This is the per-channel scaling an embedder's ``fit`` applies to a user's data.
    """
    values = np.concatenate(series, axis=1)  # (n_channels, all time steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN channel: mean NaN, its windows skipped
        mean = np.nanmean(values, axis=1, keepdims=True)
        std = np.nanstd(values, axis=1, keepdims=True)
    std[~(std > 0)] = 1.0
    return [(s - mean) / std for s in series]


def _zscore_rows(windows: np.ndarray) -> np.ndarray:
    """Each window z-scored over its observed values (std 0 -> 1)."""
    mean = np.nanmean(windows, axis=1, keepdims=True)
    std = np.nanstd(windows, axis=1, keepdims=True)
    std[~(std > 0)] = 1.0
    return (windows - mean) / std


def _crop(series: list[np.ndarray], length: int, rng: np.random.Generator) -> np.ndarray:
    """Univariate windows ``(n, length)`` of every channel of ``series`` (each ``(n_channels, T_i)``).

    A channel's trailing NaN mark a shorter series and are cut first. A channel at
    least ``length`` long gives non-overlapping crops from a random offset (at most
    `MAX_WINDOWS_PER_SERIES`, drawn); a shorter one is kept whole, NaN-padded.
    Windows with fewer than `MIN_OBSERVED` values are skipped, and at most
    `MAX_WINDOWS_PER_DATASET` are drawn from the rest. Gaps inside stay NaN.
    """
    candidates = []  # (series, channel, start)
    for i, values in enumerate(series):
        for c, channel in enumerate(values):
            observed = np.flatnonzero(~np.isnan(channel))
            if observed.size < MIN_OBSERVED:
                continue
            end = int(observed[-1]) + 1
            n_fit = end // length
            if n_fit == 0:
                candidates.append((i, c, 0))
                continue
            starts = rng.integers(end - n_fit * length + 1) + length * np.arange(n_fit)
            if n_fit > MAX_WINDOWS_PER_SERIES:
                starts = np.sort(rng.choice(starts, MAX_WINDOWS_PER_SERIES, replace=False))
            counts = np.concatenate([[0], np.cumsum(~np.isnan(channel))])
            candidates.extend((i, c, int(s)) for s in starts if counts[s + length] - counts[s] >= MIN_OBSERVED)
    if len(candidates) > MAX_WINDOWS_PER_DATASET:
        chosen = np.sort(rng.choice(len(candidates), MAX_WINDOWS_PER_DATASET, replace=False))
        candidates = [candidates[k] for k in chosen]
    windows = np.full((len(candidates), length), np.nan)
    for row, (i, c, start) in enumerate(candidates):
        piece = series[i][c, start : start + length]
        windows[row, : piece.size] = piece
    return windows


def _lengths(series: list[np.ndarray]) -> str:
    """``"T"`` or ``"Tmin-Tmax"``: the observed lengths (up to the last observed value) of the series."""
    ends = []
    for values in series:
        observed = np.flatnonzero(~np.isnan(values).all(axis=0))
        ends.append(int(observed[-1]) + 1 if observed.size else 0)
    low, high = min(ends), max(ends)
    return str(low) if low == high else f"{low}-{high}"


def _uea_series(name: str, data_home: str | os.PathLike) -> list[np.ndarray]:
    """The training split of a UEA/UCR set as a list of ``(n_channels, T)`` arrays (NaN-padded)."""
    X, _ = load_uea(name, split="train", data_home=data_home)
    return list(X)


def _uea_training_sets(home: str | os.PathLike) -> list[str]:
    """The sets of `list_uea` (home) that have a training split."""
    return [name for name in list_uea(home) if (Path(home).expanduser() / name / f"{name}_TRAIN.ts").is_file()]


def _forecasting_series() -> dict[str, tuple[pd.DataFrame, str]]:
    """sktime's bundled forecasting series that load offline: name -> (one column per series, frequency)."""
    import sktime.datasets as skd

    data = Path(skd.__file__).resolve().parent / "data"
    uschange_y, uschange_X = skd.load_uschange()
    longley_y, longley_X = skd.load_longley()
    frames = {
        "airline": skd.load_airline().to_frame(),
        "lynx": skd.load_lynx().to_frame(),
        "shampoo_sales": skd.load_shampoo_sales().to_frame(),
        "uschange": pd.concat([uschange_y, uschange_X], axis=1),
        "longley": pd.concat([longley_y, longley_X], axis=1),
        "PBS_dataset": skd.load_PBS_dataset().to_frame(),
        # load_solar asks a web API first; its stored sample is the same file, read directly
        "solar": pd.read_csv(data / "solar" / "solar.csv", index_col=0)[["solar_gen"]],
        "seatbelts": pd.read_csv(data / "seatbelts" / "seatbelts.csv", index_col=0)[["KSI"]],
    }
    frequencies = {"solar": "30min", "seatbelts": "monthly"}
    out = {}
    for name, frame in frames.items():
        freq = frequencies.get(name) or getattr(frame.index, "freqstr", None) or ""
        out[name] = (frame.astype(np.float64), freq)
    return out


def _simulate(kind: str, n_samples: int, sampling_rate: int, rng: np.random.Generator) -> np.ndarray:
    """One neurokit2 recording of ``kind`` with physiological parameters and noise drawn from ``rng``."""
    import neurokit2 as nk

    # neurokit2's models need a few breaths and beats (breathmetrics fails on a few seconds)
    duration = max(int(np.ceil(n_samples / sampling_rate)) + 1, 30)
    seed = int(rng.integers(2**31))
    noise = float(rng.uniform(0.0, 0.15))
    common = {"duration": duration, "sampling_rate": sampling_rate, "random_state": seed}
    if kind == "ecg":
        # ECGSYN is realistic but slow below 100 Hz (2.4 s for 160 s at 25 Hz); the wavelet model is instant
        method = "ecgsyn" if sampling_rate >= 100 else "simple"
        heart_rate = float(rng.uniform(45, 140))
        signal = nk.ecg_simulate(
            **common, noise=noise, heart_rate=heart_rate, heart_rate_std=float(rng.uniform(0, 6)), method=method
        )
    elif kind == "ppg":
        signal = nk.ppg_simulate(
            **common,
            heart_rate=float(rng.uniform(45, 140)),
            frequency_modulation=float(rng.uniform(0, 0.4)),
            ibi_randomness=float(rng.uniform(0, 0.3)),
            drift=float(rng.uniform(0, 1)),
            motion_amplitude=float(rng.uniform(0, 0.5)),
            powerline_amplitude=float(rng.uniform(0, 0.05)),
        )
    elif kind == "rsp":
        signal = nk.rsp_simulate(
            **common,
            noise=noise,
            respiratory_rate=float(rng.uniform(6, 35)),
            method=str(rng.choice(["breathmetrics", "sinusoidal"])),
        )
    elif kind == "eda":
        signal = nk.eda_simulate(
            **common,
            noise=noise,
            scr_number=int(rng.integers(1, max(2, duration // 8))),
            drift=float(rng.uniform(-0.05, 0.05)),
        )
    else:  # emg: bursts must fit in the recording
        burst_number = int(rng.integers(1, max(2, duration // 4)))
        signal = nk.emg_simulate(
            **common,
            noise=noise,
            burst_number=burst_number,
            burst_duration=float(rng.uniform(0.2, min(1.5, 0.8 * duration / burst_number))),
        )
    return np.asarray(signal, dtype=np.float64)[:n_samples]


def _physiology(kind: str, n_windows: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, int, str]:
    """``n_windows`` instance-z-scored windows of simulated ``kind`` recordings; also the recordings and rates."""
    windows, rates = [], []
    while sum(len(w) for w in windows) < n_windows:
        n = min(_WINDOWS_PER_RECORDING, n_windows - sum(len(w) for w in windows))
        rate = int(rng.integers(25, 251))
        windows.append(_simulate(kind, n * length, rate, rng).reshape(n, length))
        rates.append(rate)
    out = _zscore_rows(np.concatenate(windows)) if windows else np.empty((0, length))
    sampling = f"{min(rates)}-{max(rates)} Hz" if rates else ""
    return out, len(rates), sampling


def _synthetic_windows(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` generic windows ``(n, length)``: periodic parts, trends, AR noise, events and gaps.

    Each window sums, each with its own probability: up to three periodic components
    (log-uniform periods from 4 steps to twice the window, random phases, one to three
    harmonics), a linear/quadratic trend, AR(1)/AR(2) noise (stationary coefficients),
    a burst of extra noise, a level shift or a step, and spikes. A third of the windows
    get gaps: scattered NaN values, NaN blocks or a NaN tail (a shorter series), never
    leaving fewer than `MIN_OBSERVED` values. Each window is z-scored over its observed
    values.
    """
    t = np.arange(length, dtype=np.float64)[None, :]
    u = t / length
    x = np.zeros((n, length))

    def some(p: float) -> np.ndarray:
        return (rng.random(n) < p)[:, None]

    for _ in range(3):
        period = np.exp(rng.uniform(np.log(4), np.log(2 * length), n))[:, None]
        phase = rng.uniform(0, 2 * np.pi, n)[:, None]
        amplitude = rng.lognormal(0, 0.5, n)[:, None] * some(0.6)
        n_harmonics = rng.integers(1, 4, n)[:, None]
        for h in (1, 2, 3):
            x += amplitude * (h <= n_harmonics) / h * np.sin(2 * np.pi * h * t / period + h * phase)
    x += some(0.4) * (rng.normal(0, 2, (n, 1)) * u + rng.normal(0, 1, (n, 1)) * u**2)

    # AR(2) noise; phi2 = 0 for half of the windows (AR(1)); inside the stationarity triangle
    phi2 = rng.uniform(-0.9, 0.9, n) * (rng.random(n) < 0.5)
    phi1 = rng.uniform(phi2 - 1, 1 - phi2) * 0.97
    innovations = rng.normal(0, 1, (n, length)) * rng.lognormal(-1, 0.7, (n, 1))
    noise = np.zeros((n, length + 2))
    for step in range(length):  # vectorized over windows, sequential in time
        noise[:, step + 2] = phi1 * noise[:, step + 1] + phi2 * noise[:, step] + innovations[:, step]
    x += noise[:, 2:]

    start, width = rng.integers(0, length, (n, 1)), rng.integers(length // 16 + 1, length // 4 + 2, (n, 1))
    burst = (t >= start) & (t < start + width)
    x += some(0.2) * burst * rng.normal(0, 1, (n, length)) * rng.lognormal(0.5, 0.5, (n, 1))
    x += some(0.3) * (t >= rng.integers(1, length, (n, 1))) * rng.normal(0, 2, (n, 1))  # level shift / step
    spikes = (rng.random((n, length)) < rng.uniform(0.002, 0.02, (n, 1))) & some(0.25)
    x += spikes * rng.normal(0, 5, (n, length))

    gaps = np.zeros((n, length), dtype=bool)
    kind = np.where(rng.random(n) < 1 / 3, rng.integers(0, 3, n), -1)
    gaps |= (kind == 0)[:, None] & (rng.random((n, length)) < rng.uniform(0.05, 0.5, (n, 1)))
    for _ in range(3):  # up to three NaN blocks
        start, width = rng.integers(0, length, (n, 1)), rng.integers(1, length // 5 + 2, (n, 1))
        gaps |= ((kind == 1)[:, None] & some(0.7)) & (t >= start) & (t < start + width)
    gaps |= (kind == 2)[:, None] & (t >= rng.integers(MIN_OBSERVED, length, (n, 1)))
    gaps[(~gaps).sum(axis=1) < MIN_OBSERVED] = False  # too few values left: keep that window whole
    return _zscore_rows(np.where(gaps, np.nan, x))


def _check_count(value, name: str) -> int:
    """``value`` as an int, or a ValueError naming the parameter ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative int; got {value!r}")
    return int(value)


def build_pretraining_corpus(
    path: str | os.PathLike,
    *,
    length: int = 256,
    sources: Sequence[str] = SOURCES,
    n_physiology: int = 4000,
    n_synthetic: int = 4000,
    data_home: str | os.PathLike | None = None,
    exclude: Sequence[str] = (),
    random_state: int = 0,
) -> pd.DataFrame:
    """Write a corpus of univariate windows for pretraining a channel-independent network.

    Every channel of every series available offline becomes windows of ``length``
    steps, stored as ``.npy`` shards of shape ``(n, 1, length)`` (float32, NaN =
    unobserved) that `SeriesStore` reads as one panel, with a manifest
    ``<path>/sources.csv``. Nothing is downloaded.

    Parameters
    ----------
    path : str or os.PathLike
        Folder of the corpus, created if missing. It must be empty or hold a corpus
        built earlier by this function (its ``sources.csv`` and the shards listed
        there, and nothing else): that corpus is then deleted and rebuilt. A folder
        holding any other file is refused, so nothing else is ever deleted.
    length : int, default=256
        Window length in time steps, at least 16.
    sources : sequence of {"uea", "sktime", "physiology", "synthetic"}, default=all four
        The data sources, see Notes.
    n_physiology : int, default=4000
        Number of simulated physiological windows, shared evenly by ECG, PPG,
        respiration, EDA and EMG.
    n_synthetic : int, default=4000
        Number of synthetic windows.
    data_home : str or os.PathLike, default=None
        Folder of ``<Name>/<Name>_TRAIN.ts`` for the ``"uea"`` source; ``None`` uses
        the folder of the environment variable ``SKLEARN_MSAE_DATA``. Without either
        the ``"uea"`` source contributes nothing (with a warning).
    exclude : sequence of str, default=()
        Names of data sets (UEA / sktime classification sets, sktime forecasting
        series) left out of the corpus, for a network that has never seen the sets it
        will be evaluated on. Each must be one that ``sources`` would read; a name
        matching none is refused (a typo would otherwise leave a set in silently).
    random_state : int, default=0
        Seeds every draw (crops, simulations, synthetic windows): the same seed writes
        the same files, byte for byte. Each dataset draws from its own stream, so its
        windows do not depend on the other sources built.

    Returns
    -------
    manifest : pandas.DataFrame
        The content of ``sources.csv``, one row per data source (dataset, forecasting
        series, simulated signal kind or generator): ``source``, ``name``, ``shard``
        (file name, empty when no window was written), ``n_series`` (series read or
        simulated), ``n_channels``, ``n_windows`` (rows of the shard),
        ``series_length`` (observed length or range), ``sampling``, ``licence`` and
        ``citation``.

    Raises
    ------
    ValueError
        If ``length``, ``sources``, ``n_physiology``, ``n_synthetic``, ``exclude``,
        ``random_state`` or ``path`` is invalid.
    ImportError
        If ``"physiology"`` is asked for and neurokit2 is not installed.

    See Also
    --------
    SeriesStore : Reads the shards as one panel, streamed by ``fit``.

    Notes
    -----
    Sources:

    - ``"uea"``: the training split (never the test split, the evaluation data) of
      every UEA/UCR set in ``data_home`` (see `list_uea`). UEA/UCR archive, free for
      research use; cite Bagnall et al. (2018) and Dau et al. (2019).
    - ``"sktime"``: the training splits of the classification sets bundled with
      sktime (ACSF1, ArrowHead, BasicMotions, GunPoint, ItalyPowerDemand,
      JapaneseVowels, OSULeaf, PLAID), except those the ``"uea"`` source already
      took, and its bundled forecasting series (airline, lynx, shampoo_sales,
      uschange, longley, PBS_dataset, solar, seatbelts; every column a series).
      BSD-3-Clause with sktime; the UCR/UEA sets as above.
    - ``"physiology"``: ECG, PPG, respiration, EDA and EMG recordings simulated with
      neurokit2 (MIT; ``pip install neurokit2``) at heart and respiratory rates,
      noise levels and sampling rates (25-250 Hz) drawn at random, 16 windows per
      recording, each window z-scored.
    - ``"synthetic"``: generic windows of a seeded numpy generator (periodic
      components, trends, AR(1)/AR(2) noise, bursts, level shifts, spikes, and NaN
      gaps in a third of the windows), each window z-scored over its observed values;
      under the licence of this package.

    Real datasets are scaled like ``fit`` scales a user's data: every channel
    z-scored with the dataset's own (training) statistics over its observed values
    (std 0 -> 1). Then every channel of every series is cut into non-overlapping
    windows from a random offset, at most 64 per channel of a series and 2,000 per
    dataset (drawn), so no single source dominates. A series shorter than
    ``length`` is stored once with a NaN tail; NaN gaps stay NaN; windows with fewer
    than 8 observed values are skipped.

    With the 10 UEA sets of the project's ``SKLEARN_MSAE_DATA``, the default corpus
    holds 21,853 windows (uea 12,169, sktime 1,684, physiology 4,000, synthetic
    4,000; 22 MB) and built in 32 s on one core.

    References
    ----------
    A. Bagnall, H. A. Dau, J. Lines, M. Flynn, J. Large, A. Bostrom, P. Southam and
    E. Keogh, "The UEA multivariate time series classification archive, 2018",
    arXiv:1811.00075.

    H. A. Dau, A. Bagnall, K. Kamgar, C.-C. M. Yeh, Y. Zhu, S. Gharghabi,
    C. A. Ratanamahatana and E. Keogh, "The UCR time series archive", IEEE/CAA
    Journal of Automatica Sinica 6(6), 2019.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_msae.datasets import SeriesStore, build_pretraining_corpus
    >>> folder = tempfile.mkdtemp()
    >>> manifest = build_pretraining_corpus(folder, sources=("synthetic",), n_synthetic=50, length=64)
    >>> manifest[["source", "shard", "n_windows"]]
          source                  shard  n_windows
    0  synthetic  synthetic-generic.npy         50
    >>> SeriesStore(folder).shape
    (50, 1, 64)
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 16:
        raise ValueError(f"length must be an int >= 16; got {length!r}")
    length = int(length)
    if isinstance(sources, str) or not isinstance(sources, Iterable):
        raise ValueError(f"sources must be a sequence of names among {list(SOURCES)}; got {sources!r}")
    sources = list(sources)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources or len(set(sources)) != len(sources):
        raise ValueError(
            f"sources must be distinct names among {list(SOURCES)}, at least one; got {sources!r}"
        )
    n_physiology = _check_count(n_physiology, "n_physiology")
    n_synthetic = _check_count(n_synthetic, "n_synthetic")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) or random_state < 0:
        raise ValueError(f"random_state must be a non-negative int; got {random_state!r}")
    random_state = int(random_state)
    if isinstance(exclude, str) or not isinstance(exclude, Iterable):
        raise ValueError(f"exclude must be a sequence of data set names; got {exclude!r}")
    exclude = list(exclude)
    if not all(isinstance(name, str) for name in exclude):
        raise ValueError(f"exclude must hold data set names (str); got {exclude!r}")
    exclude = set(exclude)
    home = data_home if data_home is not None else os.environ.get(DATA_ENV_VAR)
    uea_names = _uea_training_sets(home) if "uea" in sources and home else []
    forecasting = _forecasting_series() if "sktime" in sources else {}
    readable = {*uea_names, *(_SKTIME_CLASSIFICATION if "sktime" in sources else ()), *forecasting}
    if exclude - readable:
        raise ValueError(
            f"exclude names data sets that sources {sources} do not read: {sorted(exclude - readable, key=str)}; "
            f"they read {sorted(readable)}"
        )
    if "physiology" in sources and n_physiology:
        try:
            import neurokit2  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "the 'physiology' source simulates signals with neurokit2: pip install neurokit2"
            ) from exc
    folder = _prepare_folder(path)

    rows = []

    def add(source: str, name: str, windows: np.ndarray, **info) -> None:
        shard = f"{source}-{name}.npy" if len(windows) else ""
        if shard:
            np.save(folder / shard, windows[:, None, :].astype(np.float32))
        licence, citation = _LICENCES[source]
        rows.append(
            {"source": source, "name": name, "shard": shard, **info, "n_windows": len(windows),
             "licence": licence, "citation": citation}
        )

    def add_real(source: str, name: str, series: list[np.ndarray], sampling: str) -> None:
        windows = _crop(_standardize(series), length, _rng(random_state, source, name))
        add(source, name, windows, n_series=len(series), n_channels=series[0].shape[0],
            series_length=_lengths(series), sampling=sampling)

    taken = set()
    if "uea" in sources:
        if not home:
            warnings.warn(
                f"no UEA data: pass data_home or set {DATA_ENV_VAR}; the 'uea' source contributes nothing",
                UserWarning,
                stacklevel=2,
            )
        for name in uea_names:
            if name not in exclude:
                add_real("uea", name, _uea_series(name, home), "")
            taken.add(name)
    if "sktime" in sources:
        import sktime.datasets

        bundled = Path(sktime.datasets.__file__).resolve().parent / "data"
        for name in _SKTIME_CLASSIFICATION:
            # a set in data_home and in sktime is taken once, from data_home
            if name not in taken and name not in exclude:
                add_real("sktime", name, _uea_series(name, bundled), "")
        for name, (frame, freq) in forecasting.items():
            if name not in exclude:
                add_real("sktime", name, [frame.to_numpy().T], freq)
    if "physiology" in sources:
        for k, kind in enumerate(_PHYSIOLOGY):
            share = n_physiology // len(_PHYSIOLOGY) + (k < n_physiology % len(_PHYSIOLOGY))
            windows, n_recordings, sampling = _physiology(kind, share, length, _rng(random_state, "physiology", kind))
            add("physiology", kind, windows, n_series=n_recordings, n_channels=1,
                series_length=str(_WINDOWS_PER_RECORDING * length) if n_recordings else "", sampling=sampling)
    if "synthetic" in sources:
        windows = _synthetic_windows(n_synthetic, length, _rng(random_state, "synthetic"))
        add("synthetic", "generic", windows, n_series=n_synthetic, n_channels=1,
            series_length=str(length), sampling="")

    manifest = pd.DataFrame(
        rows,
        columns=["source", "name", "shard", "n_series", "n_channels", "n_windows", "series_length",
                 "sampling", "licence", "citation"],
    )
    manifest.to_csv(folder / MANIFEST, index=False)
    return manifest
