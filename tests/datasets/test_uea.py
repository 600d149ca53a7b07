"""Tests of `sklearn_msae.datasets.load_uea` and `list_uea` against the local UEA archive.

Shapes and labels are checked against an independent parse of the ``.ts`` files
(header lines and data lines), not against sktime. The archive is the folder of
``SKLEARN_MSAE_DATA`` (the fixtures ``uea_home`` and ``need_uea`` of ``conftest.py``:
a test skips without it, and fails under ``CI=true``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_msae.datasets import DATA_ENV_VAR, list_uea, load_uea

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


@functools.lru_cache(maxsize=None)
def _parse_ts(home: Path, name: str, split: str) -> dict:
    """Header fields, per-instance lengths and labels of a ``.ts`` file, read without sktime."""
    header, lengths, labels, n_dims = {}, [], [], set()
    with open(home / name / f"{name}_{split.upper()}.ts", encoding="utf-8") as handle:
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
def _clean(home: Path, name: str, split: str):
    """numpy3D without holes, loaded once per set and split (do not modify)."""
    return load_uea(name, split=split, data_home=home)


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("name", UEA_SETS)
def test_shapes_and_labels_match_file(name, split, need_uea):
    home = need_uea(name)
    info = _parse_ts(home, name, split)
    X, y = _clean(home, name, split)
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


@pytest.mark.parametrize("name", UEA_SETS)
def test_missing_rate_drops_whole_steps(name, need_uea):
    home = need_uea(name)
    split = "test" if name in ("LSST", "PenDigits") else "train"  # the smaller split of the large sets
    lengths = _parse_ts(home, name, split)["lengths"]
    clean, _ = _clean(home, name, split)
    X, _ = load_uea(name, split=split, data_home=home, missing_rate=RATE, random_state=0)
    assert X.shape == clean.shape
    nan = np.isnan(X)
    holes = nan.all(axis=1) & ~np.isnan(clean).all(axis=1)
    assert (nan.any(axis=1) == nan.all(axis=1)).all(), "a dropped step must be NaN in every channel"
    np.testing.assert_array_equal(holes.sum(axis=1), [int(RATE * length) for length in lengths])
    np.testing.assert_array_equal(X[~nan], clean[~nan])  # the rest is untouched

    again, _ = load_uea(name, split=split, data_home=home, missing_rate=RATE, random_state=0)
    np.testing.assert_array_equal(np.isnan(again), nan)
    other, _ = load_uea(name, split=split, data_home=home, missing_rate=RATE, random_state=1)
    assert (np.isnan(other) != nan).any()


@pytest.mark.parametrize("name", UEA_SETS)
def test_multiindex_with_missing_rate(name, need_uea):
    home = need_uea(name)
    split = "test" if name in ("LSST", "PenDigits") else "train"
    lengths = _parse_ts(home, name, split)["lengths"]
    clean, _ = _clean(home, name, split)
    frame, y = load_uea(
        name, split=split, data_home=home, missing_rate=RATE, random_state=0, return_type="pd-multiindex"
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
    holes, _ = load_uea(name, split=split, data_home=home, missing_rate=RATE, random_state=0)
    kept = np.zeros(clean.shape[::2], dtype=bool)
    kept[instance, time] = True
    np.testing.assert_array_equal(kept, ~np.isnan(holes).all(axis=1))


def test_japanese_vowels_multiindex_unequal_lengths(need_uea):
    home = need_uea("JapaneseVowels")
    train, test = _parse_ts(home, "JapaneseVowels", "train"), _parse_ts(home, "JapaneseVowels", "test")
    frame, y = load_uea("JapaneseVowels", data_home=home, return_type="pd-multiindex")
    lengths = np.concatenate([train["lengths"], test["lengths"]])
    assert len(np.unique(lengths)) > 1
    instance = frame.index.get_level_values(0).to_numpy()
    np.testing.assert_array_equal(np.bincount(instance), lengths)  # train first, then test
    np.testing.assert_array_equal(y, np.concatenate([train["labels"], test["labels"]]))
    assert frame.shape[1] == train["n_dims"]
    for i in (0, len(lengths) - 1):
        np.testing.assert_array_equal(frame.loc[i].index, np.arange(lengths[i]))


def test_split_none_is_train_then_test(need_uea):
    home = need_uea("Libras")
    (Xtr, ytr), (Xte, yte) = _clean(home, "Libras", "train"), _clean(home, "Libras", "test")
    X, y = load_uea("Libras", data_home=home)
    np.testing.assert_array_equal(X, np.concatenate([Xtr, Xte]))
    np.testing.assert_array_equal(y, np.concatenate([ytr, yte]))
    # holes are fixed per split: the same with split=None as when loaded alone
    X, _ = load_uea("Libras", data_home=home, missing_rate=RATE, random_state=3)
    Xte, _ = load_uea("Libras", split="test", data_home=home, missing_rate=RATE, random_state=3)
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
    _write_toy(tmp_path, "Epilepsy")  # shadows the shared Epilepsy: the env var's folder is searched first
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert {"Toy", "Epilepsy"} <= set(list_uea())
    X, y = load_uea("Toy", split="train")
    assert X.shape == (2, 2, 4)
    np.testing.assert_array_equal(y, ["Up", "Down"])
    X, _ = load_uea("Epilepsy")
    assert X.shape == (4, 2, 4)


def test_sktime_bundled_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))  # empty: falls through to sktime's bundled sets
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


def test_missing_dataset_lists_every_place(need_uea, monkeypatch):
    home = need_uea("Epilepsy")
    monkeypatch.setenv(DATA_ENV_VAR, str(home))
    with pytest.raises(FileNotFoundError) as info:
        load_uea("NoSuchSet")
    message = str(info.value)
    assert str(home) in message and "sktime" in message
    assert "Epilepsy" in message and "BasicMotions" in message


def test_without_the_env_var_only_sktime_bundled_sets_are_searched(monkeypatch):
    # the library knows no path of the checkout: data_home or SKLEARN_MSAE_DATA, then sktime
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError) as info:
        load_uea("NoSuchSet", split="train")
    looked = [line for line in str(info.value).splitlines() if line.startswith("  - ")]
    assert len(looked) == 1 and "sktime" in looked[0], looked
    assert "Epilepsy" not in list_uea()


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
