"""Loaders for the UEA/UCR time-series classification archive (local ``.ts`` files).

`load_uea` reads ``<data_home>/<Name>/<Name>_{TRAIN,TEST}.ts`` through sktime's
``.ts`` reader and can punch the irregular-sampling holes of Kidger et al. (2020),
"Neural Controlled Differential Equations for Irregular Time Series" (also used by
RoMAE): per series, ``int(missing_rate * T)`` whole time steps are dropped.
`list_uea` lists the datasets that can be found. Nothing is ever downloaded.

Where the files are looked for is decided by `_data_homes` (see there): an explicit
``data_home``, else the folder named by ``SKLEARN_MSAE_DATA``, then sktime's bundled
datasets.
"""

from __future__ import annotations

import difflib
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DATA_ENV_VAR", "list_uea", "load_uea"]

#: Environment variable naming a folder of ``<Name>/<Name>_{TRAIN,TEST}.ts`` files.
DATA_ENV_VAR = "SKLEARN_MSAE_DATA"

_SPLITS = ("train", "test")
_RETURN_TYPES = ("numpy3D", "pd-multiindex")


def _data_homes(data_home=None) -> list[Path]:
    """The folders searched for ``<Name>/<Name>_{TRAIN,TEST}.ts``, in order.

    An explicit ``data_home`` is the only folder searched. Otherwise the search path is

    1. the folder named by the environment variable ``SKLEARN_MSAE_DATA`` (if set);
    2. the datasets bundled with sktime (``sktime/datasets/data``: BasicMotions,
       JapaneseVowels and a few univariate UCR sets).

    The library knows no other place (no path of a source checkout): tests and CI point
    ``SKLEARN_MSAE_DATA`` at their data.

    The first folder that holds the requested files wins.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        An explicit data folder.

    Returns
    -------
    homes : list of pathlib.Path
        The candidate folders; they need not exist.
    """
    if data_home is not None:
        return [Path(data_home).expanduser()]
    homes = []
    if os.environ.get(DATA_ENV_VAR):
        homes.append(Path(os.environ[DATA_ENV_VAR]).expanduser())
    import sktime.datasets

    homes.append(Path(sktime.datasets.__file__).resolve().parent / "data")
    return homes


def _names_in(home: Path) -> list[str]:
    """Names of the datasets in ``home`` (a folder ``Name`` holding ``Name_TRAIN.ts`` or ``Name_TEST.ts``)."""
    if not home.is_dir():
        return []
    return sorted(
        entry.name
        for entry in home.iterdir()
        if entry.is_dir() and any((entry / f"{entry.name}_{s.upper()}.ts").is_file() for s in _SPLITS)
    )


def list_uea(data_home=None) -> list[str]:
    """Names of the UEA/UCR datasets available locally.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder holding ``<Name>/<Name>_{TRAIN,TEST}.ts``. ``None`` searches, in order,
        ``$SKLEARN_MSAE_DATA`` and sktime's bundled datasets, and returns the union.

    Returns
    -------
    names : list of str
        Sorted dataset names (a name counts if its train or its test file exists).

    Examples
    --------
    >>> from sklearn_msae.datasets import list_uea
    >>> "BasicMotions" in list_uea()
    True
    """
    return sorted({name for home in _data_homes(data_home) for name in _names_in(home)})


def _read_header(path: Path) -> dict[str, str]:
    """The ``@key value`` lines of a ``.ts`` file before ``@data``, keys lower-cased."""
    header = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line.startswith("@"):
                continue
            key, _, value = line[1:].partition(" ")
            key = key.lower()
            if key == "data":
                break
            header[key] = value.strip()
    return header


def _restore_label_case(y: np.ndarray, header: dict[str, str]) -> np.ndarray:
    """Undo the lower-casing of class labels by sktime's reader, using ``@classLabel``."""
    tokens = header.get("classlabel", "").split()
    if not tokens or tokens[0].lower() != "true":
        return y
    original = {}
    for label in tokens[1:]:
        original.setdefault(label.lower(), set()).add(label)
    mapping = {low: labels.pop() for low, labels in original.items() if len(labels) == 1}
    if not mapping:
        return y
    return np.asarray([mapping.get(label, label) for label in y.tolist()], dtype=str)


def _frame_layout(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a pd-multiindex frame: instance code and integer time position; per instance: length."""
    codes, _ = pd.factorize(frame.index.get_level_values(0), sort=False)
    positions = np.asarray(frame.index.get_level_values(1), dtype=np.int64)
    lengths = np.bincount(codes).astype(np.int64)
    return codes, positions, lengths


def _pad(X: np.ndarray, n_timepoints: int) -> np.ndarray:
    """``X`` (n, C, T) padded at the end of the time axis with NaN up to ``n_timepoints``."""
    if X.shape[2] == n_timepoints:
        return X
    out = np.full((*X.shape[:2], n_timepoints), np.nan, dtype=X.dtype)
    out[:, :, : X.shape[2]] = X
    return out


def _split_rng(random_state, split: str):
    """The generator that draws the holes of ``split``.

    An integer seed gives every split its own stream (``SeedSequence([seed, split])``),
    so a split's holes do not depend on which other splits are loaded with it.
    """
    if random_state is None or isinstance(random_state, numbers.Integral):
        entropy = None if random_state is None else [int(random_state), _SPLITS.index(split)]
        return np.random.default_rng(entropy)
    return random_state  # a RandomState or Generator instance, consumed in order


def _draw_holes(lengths: np.ndarray, missing_rate: float, rng) -> np.ndarray:
    """Boolean (n, max(lengths)): ``int(missing_rate * T_i)`` steps of series ``i``, uniformly without replacement."""
    n_timepoints = int(lengths.max(initial=0))
    keys = rng.random((len(lengths), n_timepoints))
    keys[np.arange(n_timepoints)[None, :] >= lengths[:, None]] = 2.0  # padding is never drawn
    ranks = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
    n_drop = np.array([int(missing_rate * length) for length in lengths.tolist()], dtype=np.int64)
    return ranks < n_drop[:, None]


def _load_split(path: Path, return_type: str, missing_rate: float, rng):
    """One split: ``(X, y)`` with holes applied; numpy3D is padded with NaN at the end."""
    from sktime.datasets import load_from_tsfile

    header = _read_header(path)
    equal_length = header.get("equallength", "true").lower() != "false"
    if return_type == "numpy3D" and equal_length:
        X, y = load_from_tsfile(str(path), return_data_type="numpy3D")
        X = np.asarray(X, dtype=np.float64)
        lengths = np.full(X.shape[0], X.shape[2], dtype=np.int64)
    else:
        X, y = load_from_tsfile(str(path), return_data_type="pd-multiindex")
        codes, positions, lengths = _frame_layout(X)
        if return_type == "numpy3D":
            rows = X.to_numpy(dtype=np.float64)
            padded = np.full((len(lengths), rows.shape[1], int(lengths.max(initial=0))), np.nan)
            padded[codes, :, positions] = rows
            X = padded
    y = _restore_label_case(np.asarray(y, dtype=str), header)

    if missing_rate > 0:
        holes = _draw_holes(lengths, missing_rate, rng)
        if return_type == "numpy3D":
            X = np.where(holes[:, None, :], np.nan, X)
        else:
            X = X[~holes[codes, positions]]
    return X, y


def load_uea(
    name,
    split=None,
    data_home=None,
    missing_rate=0.0,
    random_state=None,
    return_type="numpy3D",
):
    """Load a UEA/UCR classification dataset from local ``.ts`` files.

    Reads ``<data_home>/<name>/<name>_TRAIN.ts`` and/or ``..._TEST.ts`` with sktime's
    ``.ts`` reader; nothing is downloaded. Optionally drops time steps at random to
    make the series irregularly sampled, following the protocol of Kidger et al.
    (2020) used by RoMAE.

    Parameters
    ----------
    name : str
        Dataset name, spelled like its folder, e.g. ``"BasicMotions"``.
    split : {"train", "test"} or None, default=None
        Which split to load (case-insensitive). ``None`` loads both and returns the
        training series first, then the test series (instances of the test split are
        numbered after those of the training split in ``pd-multiindex``).
    data_home : str or os.PathLike, default=None
        Folder holding ``<name>/<name>_{TRAIN,TEST}.ts``; it is then the only place
        searched. ``None`` searches, in order, the folder in the environment variable
        ``SKLEARN_MSAE_DATA`` and the datasets bundled with sktime (BasicMotions,
        JapaneseVowels, ...); the first folder with the files wins.
    missing_rate : float in [0, 1), default=0.0
        Fraction of time steps dropped per series: exactly ``int(missing_rate * T)``
        whole time steps (all channels at once) of every series of length ``T``,
        chosen uniformly without replacement, independently per series.
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None, default=None
        Draws the dropped time steps. An integer fixes them per split: the same seed
        gives the same holes, whether the split is loaded alone or with ``split=None``;
        another seed gives other holes. A generator instance is consumed (train first,
        then test). ``None`` draws fresh holes at every call.
    return_type : {"numpy3D", "pd-multiindex"}, default="numpy3D"
        ``"numpy3D"``: float64 array ``(n_series, n_channels, n_timepoints)``; dropped
        time steps are NaN. Series of unequal length (e.g. JapaneseVowels) are padded
        at the end with NaN up to the longest series (NaN means unobserved in this
        library). ``"pd-multiindex"``: sktime's long ``DataFrame`` with a two-level
        ``(instance, time)`` ``MultiIndex`` and one float64 column per channel
        (``dim_0``, ``dim_1``, ...); dropped time steps are removed rows, so the
        integer time level keeps the original positions ``0..T-1`` and becomes
        irregular. Unequal lengths are kept as they are.

    Returns
    -------
    X : ndarray of shape (n_series, n_channels, n_timepoints) or pandas.DataFrame
        The series, see ``return_type``.
    y : ndarray of shape (n_series,), dtype str
        The class labels as written in the file. sktime's reader lower-cases them;
        the original spelling is restored from the ``@classLabel`` header line.

    Raises
    ------
    FileNotFoundError
        If the dataset's files are in none of the searched folders; the message lists
        every path looked at and the datasets available there.
    ValueError
        If ``split``, ``return_type``, ``missing_rate`` or ``random_state`` is invalid.

    See Also
    --------
    list_uea : Names of the datasets available locally.

    References
    ----------
    P. Kidger, J. Morrill, J. Foster and T. Lyons, "Neural Controlled Differential
    Equations for Irregular Time Series", NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae.datasets import load_uea
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> X.shape, y[:2]
    ((40, 6, 100), array(['Standing', 'Standing'], dtype='<U9'))

    Drop 30 % of the time steps of every series (NaN in all channels):

    >>> X, y = load_uea("BasicMotions", split="test", missing_rate=0.3, random_state=0)
    >>> np.isnan(X).all(axis=1).sum(axis=1)[:3]
    array([30, 30, 30])

    In ``pd-multiindex`` the dropped rows are removed, leaving irregular time indices:

    >>> X, y = load_uea("BasicMotions", return_type="pd-multiindex",
    ...                 missing_rate=0.3, random_state=0)
    >>> len(y), X.loc[0].shape
    (80, (70, 6))
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty str such as 'BasicMotions'; got {name!r}")
    if split is not None and (not isinstance(split, str) or split.lower() not in _SPLITS):
        raise ValueError(f"split must be 'train', 'test' or None; got {split!r}")
    if return_type not in _RETURN_TYPES:
        raise ValueError(f"return_type must be one of {list(_RETURN_TYPES)}; got {return_type!r}")
    if (
        isinstance(missing_rate, bool)
        or not isinstance(missing_rate, numbers.Real)
        or not 0 <= missing_rate < 1
    ):
        raise ValueError(f"missing_rate must be a float in [0, 1); got {missing_rate!r}")
    if isinstance(random_state, bool) or not (
        random_state is None
        or (isinstance(random_state, numbers.Integral) and 0 <= random_state < 2**32)
        or isinstance(random_state, (np.random.RandomState, np.random.Generator))
    ):
        raise ValueError(
            "random_state must be None, an int in [0, 2**32), a numpy RandomState or a numpy "
            f"Generator; got {random_state!r}"
        )
    splits = _SPLITS if split is None else (split.lower(),)

    homes = _data_homes(data_home)
    wanted = [f"{name}/{name}_{s.upper()}.ts" for s in splits]
    folder = next((home / name for home in homes if all((home / w).is_file() for w in wanted)), None)
    if folder is None:
        looked = []
        for home in homes:
            available = _names_in(home)
            where = "does not exist" if not home.is_dir() else f"available: {', '.join(available) or 'none'}"
            looked.append(f"  - {', '.join(str(home / w) for w in wanted)}\n    ({home}: {where})")
        close = difflib.get_close_matches(name, [n for home in homes for n in _names_in(home)], n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise FileNotFoundError(
            f"UEA dataset {name!r} (split={split!r}) not found.{hint} Looked for:\n"
            + "\n".join(looked)
            + f"\nPass data_home= or set the environment variable {DATA_ENV_VAR} to a folder "
            "holding <Name>/<Name>_TRAIN.ts and <Name>/<Name>_TEST.ts."
        )

    parts = [
        _load_split(folder / f"{name}_{s.upper()}.ts", return_type, float(missing_rate), _split_rng(random_state, s))
        for s in splits
    ]
    if len(parts) == 1:
        return parts[0]
    y = np.concatenate([part[1] for part in parts])
    if return_type == "numpy3D":
        n_timepoints = max(part[0].shape[2] for part in parts)
        return np.concatenate([_pad(part[0], n_timepoints) for part in parts]), y
    frames, offset = [], 0
    for frame, labels in parts:
        index = frame.index
        instances, _ = pd.factorize(index.get_level_values(0), sort=False)
        frame = frame.set_axis(
            pd.MultiIndex.from_arrays([instances + offset, index.get_level_values(1)], names=index.names)
        )
        frames.append(frame)
        offset += len(labels)
    return pd.concat(frames), y
