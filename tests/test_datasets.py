"""Tests of `sklearn_msae.datasets` against the local UEA archive.

Shapes and labels are checked against an independent parse of the ``.ts`` files
(header lines and data lines), not against sktime.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_msae.datasets import list_uea, load_uea, make_masking_task

UEA_SETS = [
    "ArticularyWordRecognition",
    "AtrialFibrillation",
    "Epilepsy",
    "FingerMovements",
    "JapaneseVowels",
    "LSST",
    "Libras",
    "PenDigits",
    "RacketSports",
    "StandWalkJump",
]
RATE = 0.3


def _data_dir() -> Path:
    """The UEA folder the tests read: ``$SKLEARN_MSAE_DATA`` if set, else ``<repo>/../shared/data/uea``."""
    if os.environ.get("SKLEARN_MSAE_DATA"):
        return Path(os.environ["SKLEARN_MSAE_DATA"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "uea"


DATA_DIR = _data_dir()
requires_data = pytest.mark.skipif(
    not DATA_DIR.is_dir(),
    reason=f"UEA data folder {DATA_DIR} not found (set SKLEARN_MSAE_DATA to a folder of <Name>/<Name>_TRAIN.ts)",
)


def _need(name: str) -> None:
    if not (DATA_DIR / name / f"{name}_TRAIN.ts").is_file():
        pytest.skip(f"{name} not in the UEA data folder {DATA_DIR}")


@functools.lru_cache(maxsize=None)
def _parse_ts(name: str, split: str) -> dict:
    """Header fields, per-instance lengths and labels of a ``.ts`` file, read without sktime."""
    header, lengths, labels, n_dims = {}, [], [], set()
    with open(DATA_DIR / name / f"{name}_{split.upper()}.ts", encoding="utf-8") as handle:
        in_data = False
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                key, _, value = line[1:].partition(" ")
                if key.lower() == "data":
                    in_data = True
                else:
                    header[key.lower()] = value.strip()
                continue
            *dims, label = line.split(":")
            n_dims.add(len(dims))
            dim_lengths = {len(dim.split(",")) for dim in dims}
            assert len(dim_lengths) == 1, "channels of one instance differ in length"
            lengths.append(dim_lengths.pop())
            labels.append(label.strip())
    assert len(n_dims) == 1
    return {
        "n_dims": int(header.get("dimensions", header.get("dimension"))),
        "n_dims_data": n_dims.pop(),
        "equal_length": header["equallength"].lower() == "true",
        "series_length": int(header["serieslength"]) if "serieslength" in header else None,
        "lengths": np.array(lengths),
        "labels": np.array(labels),
        "class_labels": header["classlabel"].split()[1:],
    }


@functools.lru_cache(maxsize=None)
def _clean(name: str, split: str):
    """numpy3D without holes, loaded once per set and split (do not modify)."""
    return load_uea(name, split=split, data_home=DATA_DIR)


@requires_data
@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("name", UEA_SETS)
def test_shapes_and_labels_match_file(name, split):
    _need(name)
    info = _parse_ts(name, split)
    X, y = _clean(name, split)
    assert info["n_dims"] == info["n_dims_data"]
    n_timepoints = info["series_length"] if info["equal_length"] else info["lengths"].max()
    if info["equal_length"]:
        assert (info["lengths"] == info["series_length"]).all()
    assert X.shape == (len(info["lengths"]), info["n_dims"], n_timepoints)
    assert X.dtype == np.float64
    # lengths: observed up to T_i, NaN padding after (only unequal-length sets are padded)
    observed = ~np.isnan(X).all(axis=1)
    np.testing.assert_array_equal(observed.sum(axis=1), info["lengths"])
    assert not np.isnan(X[observed[:, None, :].repeat(X.shape[1], axis=1)]).any()
    # labels exactly as written in the file (sktime lower-cases them)
    assert y.shape == (len(info["lengths"]),)
    np.testing.assert_array_equal(y, info["labels"])
    assert set(y) <= set(info["class_labels"])


@requires_data
@pytest.mark.parametrize("name", UEA_SETS)
def test_missing_rate_drops_whole_steps(name):
    _need(name)
    split = "test" if name in ("LSST", "PenDigits") else "train"  # the smaller split of the large sets
    lengths = _parse_ts(name, split)["lengths"]
    clean, _ = _clean(name, split)
    X, _ = load_uea(name, split=split, data_home=DATA_DIR, missing_rate=RATE, random_state=0)
    assert X.shape == clean.shape
    nan = np.isnan(X)
    holes = nan.all(axis=1) & ~np.isnan(clean).all(axis=1)
    assert (nan.any(axis=1) == nan.all(axis=1)).all(), "a dropped step must be NaN in every channel"
    np.testing.assert_array_equal(holes.sum(axis=1), [int(RATE * length) for length in lengths])
    np.testing.assert_array_equal(X[~nan], clean[~nan])  # the rest is untouched

    again, _ = load_uea(name, split=split, data_home=DATA_DIR, missing_rate=RATE, random_state=0)
    np.testing.assert_array_equal(np.isnan(again), nan)
    other, _ = load_uea(name, split=split, data_home=DATA_DIR, missing_rate=RATE, random_state=1)
    assert (np.isnan(other) != nan).any()


@requires_data
@pytest.mark.parametrize("name", UEA_SETS)
def test_multiindex_with_missing_rate(name):
    _need(name)
    split = "test" if name in ("LSST", "PenDigits") else "train"
    lengths = _parse_ts(name, split)["lengths"]
    clean, _ = _clean(name, split)
    frame, y = load_uea(
        name, split=split, data_home=DATA_DIR, missing_rate=RATE, random_state=0, return_type="pd-multiindex"
    )
    assert isinstance(frame, pd.DataFrame) and frame.index.nlevels == 2
    assert frame.shape[1] == clean.shape[1] and len(y) == len(lengths)
    instance = frame.index.get_level_values(0).to_numpy()
    time = frame.index.get_level_values(1)
    assert time.dtype.kind == "i", "time positions must stay integers"
    np.testing.assert_array_equal(np.unique(instance), np.arange(len(lengths)))
    rows = np.bincount(instance, minlength=len(lengths))
    np.testing.assert_array_equal(rows, [length - int(RATE * length) for length in lengths])
    time = time.to_numpy()
    assert ((time >= 0) & (time < lengths[instance])).all()
    same_instance = instance[1:] == instance[:-1]
    assert (np.diff(time)[same_instance] > 0).all(), "time positions must increase within a series"
    # the kept rows hold the original values at their original positions
    np.testing.assert_array_equal(frame.to_numpy(), clean[instance, :, time])
    # and the same seed drops the same steps as in numpy3D
    holes, _ = load_uea(name, split=split, data_home=DATA_DIR, missing_rate=RATE, random_state=0)
    kept = np.zeros(clean.shape[::2], dtype=bool)
    kept[instance, time] = True
    np.testing.assert_array_equal(kept, ~np.isnan(holes).all(axis=1))


@requires_data
def test_japanese_vowels_multiindex_unequal_lengths():
    _need("JapaneseVowels")
    train, test = _parse_ts("JapaneseVowels", "train"), _parse_ts("JapaneseVowels", "test")
    frame, y = load_uea("JapaneseVowels", data_home=DATA_DIR, return_type="pd-multiindex")
    lengths = np.concatenate([train["lengths"], test["lengths"]])
    assert len(np.unique(lengths)) > 1
    instance = frame.index.get_level_values(0).to_numpy()
    np.testing.assert_array_equal(np.bincount(instance), lengths)  # train first, then test
    np.testing.assert_array_equal(y, np.concatenate([train["labels"], test["labels"]]))
    assert frame.shape[1] == train["n_dims"]
    for i in (0, len(lengths) - 1):
        np.testing.assert_array_equal(frame.loc[i].index, np.arange(lengths[i]))


@requires_data
def test_split_none_is_train_then_test():
    _need("Libras")
    (Xtr, ytr), (Xte, yte) = _clean("Libras", "train"), _clean("Libras", "test")
    X, y = load_uea("Libras", data_home=DATA_DIR)
    np.testing.assert_array_equal(X, np.concatenate([Xtr, Xte]))
    np.testing.assert_array_equal(y, np.concatenate([ytr, yte]))
    # holes are fixed per split: the same with split=None as when loaded alone
    X, _ = load_uea("Libras", data_home=DATA_DIR, missing_rate=RATE, random_state=3)
    Xte, _ = load_uea("Libras", split="test", data_home=DATA_DIR, missing_rate=RATE, random_state=3)
    np.testing.assert_array_equal(X[len(ytr) :], Xte)


_TOY = """\
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 4
@classLabel true Up Down
@data
1,2,3,4:5,6,7,8:Up
4,3,2,1:8,7,6,5:Down
"""


def _write_toy(home: Path, name: str = "Toy") -> None:
    (home / name).mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        (home / name / f"{name}_{split}.ts").write_text(_TOY.replace("Toy", name))


def test_env_var_is_honoured(tmp_path, monkeypatch):
    _write_toy(tmp_path)
    _write_toy(tmp_path, "Epilepsy")  # shadows the shared Epilepsy: the env var comes first
    monkeypatch.setenv("SKLEARN_MSAE_DATA", str(tmp_path))
    assert {"Toy", "Epilepsy"} <= set(list_uea())
    X, y = load_uea("Toy", split="train")
    assert X.shape == (2, 2, 4)
    np.testing.assert_array_equal(y, ["Up", "Down"])
    X, _ = load_uea("Epilepsy")
    assert X.shape == (4, 2, 4)


def test_sktime_bundled_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("SKLEARN_MSAE_DATA", str(tmp_path))  # empty: falls through to the later homes
    X, y = load_uea("BasicMotions", split="test")
    assert X.shape == (40, 6, 100)
    assert set(y) == {"Standing", "Running", "Walking", "Badminton"}


def test_missing_dataset_gives_clear_error(tmp_path):
    _write_toy(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"(?s)'NoSuchSet'.*NoSuchSet_TRAIN\.ts.*available: Toy"):
        load_uea("NoSuchSet", data_home=tmp_path)
    with pytest.raises(FileNotFoundError, match="Did you mean 'Toy'"):
        load_uea("toy", data_home=tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_uea("Toy", data_home=tmp_path / "absent")


def test_missing_dataset_lists_every_place(monkeypatch):
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "uea"
    if not shared.is_dir():
        pytest.skip(f"no shared UEA folder at {shared}")
    monkeypatch.delenv("SKLEARN_MSAE_DATA", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        load_uea("NoSuchSet")
    message = str(info.value)
    assert str(shared) in message and "sktime" in message
    assert "Epilepsy" in message and "BasicMotions" in message


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "validation"}, "split must be"),
        ({"return_type": "numpy2D"}, "return_type must be"),
        ({"missing_rate": 1.0}, r"missing_rate must be a float in \[0, 1\)"),
        ({"missing_rate": -0.1}, "missing_rate must be"),
        ({"missing_rate": "0.3"}, "missing_rate must be"),
        ({"random_state": -1}, "random_state must be"),
        ({"random_state": "seed"}, "random_state must be"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_uea("BasicMotions", **kwargs)


def test_random_state_instances_are_accepted():
    X, _ = load_uea("BasicMotions", split="train", missing_rate=0.5, random_state=np.random.RandomState(0))
    assert (np.isnan(X).all(axis=1).sum(axis=1) == 50).all()
    X, _ = load_uea("BasicMotions", split="train", missing_rate=0.5, random_state=np.random.default_rng(0))
    assert (np.isnan(X).all(axis=1).sum(axis=1) == 50).all()


# ---- make_masking_task: HiMAE's generative tasks on BasicMotions -------------------------


def hidden_steps(X_true: np.ndarray) -> np.ndarray:
    """(n, T) bool: time steps with a hidden value in some channel."""
    return ~np.isnan(X_true).all(axis=1)


@pytest.mark.parametrize("rate", [0.3, 0.8])
def test_random_masking_hides_that_fraction_of_each_series_values(basic_motions, rate):
    X = basic_motions[0]  # (40, 6, 100), float32
    X_masked, X_true = make_masking_task(X, kind="random", rate=rate, random_state=0)
    assert X_masked.shape == X_true.shape == X.shape and X_masked.dtype == X_true.dtype == np.float32
    hidden = ~np.isnan(X_true)
    assert (hidden.sum(axis=(1, 2)) == int(rate * 600)).all()
    np.testing.assert_array_equal(np.isnan(X_masked), hidden)  # X is complete: NaN exactly where hidden
    np.testing.assert_array_equal(X_true[hidden], X[hidden])
    np.testing.assert_array_equal(X_masked[~hidden], X[~hidden])
    # values, not whole time steps: the hidden values of a step are scattered over channels
    per_step = hidden.sum(axis=1)
    assert ((per_step > 0) & (per_step < 6)).any()


@pytest.mark.parametrize("rate", [0.3, 0.8])
def test_interpolation_hides_one_interior_block_in_every_channel(basic_motions, rate):
    X = basic_motions[0]
    X_masked, X_true = make_masking_task(X, kind="interpolation", rate=rate, random_state=0)
    hidden = ~np.isnan(X_true)
    np.testing.assert_array_equal(hidden, np.broadcast_to(hidden[:, :1], hidden.shape))  # all channels alike
    steps = hidden_steps(X_true)
    width = int(rate * 100)
    assert (steps.sum(axis=1) == width).all()
    starts, ends = steps.argmax(axis=1), 99 - steps[:, ::-1].argmax(axis=1)
    assert (ends - starts + 1 == width).all()  # contiguous
    assert (starts >= 1).all() and (ends <= 98).all()  # a step observed on each side
    assert len(set(starts.tolist())) > 1  # a start drawn per series
    np.testing.assert_array_equal(X_true[hidden], X[hidden])
    np.testing.assert_array_equal(np.isnan(X_masked), hidden)


def test_extrapolation_hides_the_tail(basic_motions):
    X = basic_motions[0]
    X_masked, X_true = make_masking_task(X, kind="extrapolation", rate=0.8)
    assert np.isnan(X_masked[:, :, 20:]).all() and not np.isnan(X_masked[:, :, :20]).any()
    np.testing.assert_array_equal(X_true[:, :, 20:], X[:, :, 20:])
    assert np.isnan(X_true[:, :, :20]).all()


@pytest.mark.parametrize("kind", ["random", "interpolation"])
def test_masking_is_reproducible_with_an_int_seed(basic_motions, kind):
    X = basic_motions[0]
    first, _ = make_masking_task(X, kind=kind, random_state=3)
    again, _ = make_masking_task(X, kind=kind, random_state=3)
    other, _ = make_masking_task(X, kind=kind, random_state=4)
    np.testing.assert_array_equal(np.isnan(first), np.isnan(again))
    assert not np.array_equal(np.isnan(first), np.isnan(other))


def test_masking_respects_missing_values_and_end_padding(basic_motions):
    X = basic_motions[0][:4].astype(np.float64)
    lengths = [100, 80, 60, 90]
    for i, length in enumerate(lengths):
        X[i, :, length:] = np.nan  # unequal lengths, padded at the end as load_uea does
    X[:, 2, 10:15] = np.nan  # a gap in one channel
    missing = np.isnan(X)
    X_masked, X_true = make_masking_task(X, kind="random", rate=0.5, random_state=0)
    hidden = ~np.isnan(X_true)
    assert not (hidden & missing).any()  # values already missing are never hidden (nor scored)
    np.testing.assert_array_equal(hidden.sum(axis=(1, 2)), (0.5 * (~missing).sum(axis=(1, 2))).astype(int))
    assert np.isnan(X_masked[missing]).all()

    _, X_true = make_masking_task(X, kind="extrapolation", rate=0.25)
    steps = hidden_steps(X_true)
    for i, length in enumerate(lengths):  # the tail of each series' own length, not of the padding
        assert np.flatnonzero(steps[i]).tolist() == list(range(length - int(0.25 * length), length))

    _, X_true = make_masking_task(X, kind="interpolation", rate=0.5, random_state=0)
    ends = [int(np.flatnonzero(row).max()) for row in hidden_steps(X_true)]
    assert all(end <= length - 2 for end, length in zip(ends, lengths))


def test_integer_input_gives_float64():
    X = np.arange(60).reshape(2, 3, 10)
    X_masked, X_true = make_masking_task(X, kind="interpolation", rate=0.3, random_state=0)
    assert X_masked.dtype == X_true.dtype == np.float64


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (
            np.zeros((2, 1, 10)), {"kind": "block"},
            r"kind must be one of \['random', 'interpolation', 'extrapolation'\]; got 'block'",
        ),
        (np.zeros((2, 1, 10)), {"kind": None}, "kind must be one of"),
        (
            np.zeros((2, 1, 10)), {"rate": 0},
            r"rate must be a float in \(0, 1\), the fraction of each series to hide; got 0",
        ),
        (np.zeros((2, 1, 10)), {"rate": 1.0}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": -0.2}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": np.nan}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": True}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": "0.3"}, "rate must be a float in"),
        (np.zeros((2, 10)), {}, r"X must be a 3-D array .* got shape \(2, 10\)\. .*X\[:, None, :\]"),
        (np.zeros((2, 1, 10), dtype=complex), {}, "X must hold real numbers"),
        (np.full((2, 1, 10), "a"), {}, "X must hold real numbers"),
        (np.zeros((0, 1, 10)), {}, "X is empty"),
        (np.stack([np.zeros((1, 10)), np.full((1, 10), np.nan)]), {}, r"1 series of X have no observed value .* \[1\]"),
        (np.zeros((2, 1, 2)), {"kind": "interpolation", "rate": 0.5}, r"series 0 of X \(length 2\) is too short"),
    ],
)
def test_make_masking_task_rejects_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_masking_task(X, **kwargs)
