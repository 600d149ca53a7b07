"""Tests of `sklearn_msae.datasets.build_pretraining_corpus` on real and simulated data.

The UEA tests build from a folder of symbolic links to a few sets of
``SKLEARN_MSAE_DATA`` (the fixture ``uea_home`` of ``conftest.py``: they skip without
it, and fail under ``CI=true``), so each builds in seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_msae.datasets import DATA_ENV_VAR, SeriesStore, build_pretraining_corpus, load_uea


def _shards(folder: Path) -> dict[str, np.ndarray]:
    return {shard.name: np.load(shard) for shard in sorted(folder.glob("*.npy"))}


def _linked_home(tmp_path: Path, uea_home: Path, *names: str) -> Path:
    """A data folder holding only ``names``, as links into the UEA folder (nothing copied)."""
    home = tmp_path / "uea"
    home.mkdir()
    for name in names:
        if not (uea_home / name / f"{name}_TRAIN.ts").is_file():
            pytest.skip(f"{name} not in the UEA data folder {uea_home}")
        (home / name).symlink_to(uea_home / name, target_is_directory=True)
    return home


def _scaled_rows(X: np.ndarray, mean: np.ndarray, std: np.ndarray, length: int) -> set[bytes]:
    """Every channel of every series of ``X`` scaled, NaN-padded to ``length``, as bytes (see `_row_keys`)."""
    rows = np.full((X.shape[0] * X.shape[1], length), np.nan)
    rows[:, : X.shape[2]] = ((X - mean) / std).reshape(-1, X.shape[2])
    return _row_keys(rows)


def _row_keys(rows: np.ndarray) -> set[bytes]:
    """Rows rounded to 4 decimals, as bytes: float32 storage and summation order change the last digits only."""
    return {row.tobytes() for row in np.round(rows.astype(np.float64), 4)}


def test_store_reads_the_corpus_and_the_manifest_counts_its_rows(tmp_path):
    manifest = build_pretraining_corpus(tmp_path, sources=("synthetic", "physiology"), length=32,
                                        n_physiology=23, n_synthetic=40)
    store = SeriesStore(tmp_path)
    assert store.shape == (63, 1, 32)
    assert store[0:63].dtype == np.float32
    shards = _shards(tmp_path)
    assert sorted(manifest["shard"]) == sorted(shards)
    for row in manifest.itertuples():
        assert shards[row.shard].shape == (row.n_windows, 1, 32)
    # the five kinds share n_physiology evenly, the first ones taking the remainder
    shares = manifest.set_index("name").loc[["ecg", "ppg", "rsp", "eda", "emg"], "n_windows"]
    assert shares.tolist() == [5, 5, 5, 4, 4]
    written = pd.read_csv(tmp_path / "sources.csv", keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(written, manifest.astype(str))
    assert (manifest["licence"] != "").all() and (manifest["citation"] != "").all()
    # physiological windows are z-scored one by one
    ecg = shards["physiology-ecg.npy"][:, 0]
    np.testing.assert_allclose(ecg.mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(ecg.std(axis=1), 1, atol=1e-3)


def test_same_random_state_same_files(tmp_path):
    kwargs = {"sources": ("synthetic", "physiology"), "length": 32, "n_physiology": 10, "n_synthetic": 60}
    build_pretraining_corpus(tmp_path / "a", random_state=3, **kwargs)
    build_pretraining_corpus(tmp_path / "b", random_state=3, **kwargs)
    build_pretraining_corpus(tmp_path / "c", random_state=4, **kwargs)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    shard = "synthetic-generic.npy"
    assert (tmp_path / "a" / shard).read_bytes() != (tmp_path / "c" / shard).read_bytes()


def test_synthetic_windows_keep_their_gaps(tmp_path):
    build_pretraining_corpus(tmp_path, sources=("synthetic",), length=64, n_synthetic=600)
    windows = np.load(tmp_path / "synthetic-generic.npy")[:, 0]
    missing = np.isnan(windows)
    gappy = missing.any(axis=1)
    assert 0.15 < gappy.mean() < 0.5  # about a third of the windows have gaps
    assert (missing[:, -1] & missing[:, -2]).any()  # NaN tails: shorter series
    assert (missing[:, 1:-1] & ~missing[:, :-2] & ~missing[:, 2:]).any()  # an isolated missing value
    assert ((~missing).sum(axis=1) >= 8).all()
    np.testing.assert_allclose(np.nanmean(windows, axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(np.nanstd(windows, axis=1), 1, atol=1e-3)


def test_uea_contributes_its_training_split_only(tmp_path, uea_home):
    # Libras (45 steps, 2 channels) is shorter than a window: every channel of every
    # training series is one NaN-tailed window, so the corpus rows are exactly the
    # training split scaled with its own statistics, and no test series is among them.
    home = _linked_home(tmp_path, uea_home, "Libras", "StandWalkJump")
    manifest = build_pretraining_corpus(tmp_path / "corpus", sources=("uea",), length=64, data_home=home)
    assert manifest["name"].tolist() == ["Libras", "StandWalkJump"]
    X_train, _ = load_uea("Libras", split="train", data_home=home)
    X_test, _ = load_uea("Libras", split="test", data_home=home)
    mean = X_train.mean(axis=(0, 2), keepdims=True)[0]
    std = X_train.std(axis=(0, 2), keepdims=True)[0]
    libras = np.load(tmp_path / "corpus" / "uea-Libras.npy")
    assert libras.shape == (X_train.shape[0] * X_train.shape[1], 1, 64)
    assert np.isnan(libras[:, 0, 45:]).all() and not np.isnan(libras[:, 0, :45]).any()
    corpus_rows = _row_keys(libras[:, 0])
    train_rows = _scaled_rows(X_train, mean, std, 64)
    assert corpus_rows == train_rows
    test_only = _scaled_rows(X_test, mean, std, 64) - train_rows
    assert test_only and not corpus_rows & test_only
    # StandWalkJump (2,500 steps, 4 channels) is cropped: 2500 // 64 = 39 windows per channel
    row = manifest.set_index("name").loc["StandWalkJump"]
    X_swj, _ = load_uea("StandWalkJump", split="train", data_home=home)
    assert row["n_series"] == X_swj.shape[0] and row["n_channels"] == X_swj.shape[1] == 4
    assert row["n_windows"] == X_swj.shape[0] * 4 * (2500 // 64)


def test_a_set_in_data_home_and_in_sktime_is_taken_once(tmp_path, uea_home):
    home = _linked_home(tmp_path, uea_home, "JapaneseVowels")
    manifest = build_pretraining_corpus(tmp_path / "corpus", sources=("uea", "sktime"), length=32, data_home=home)
    assert manifest["name"].is_unique
    assert manifest.loc[manifest["name"] == "JapaneseVowels", "source"].tolist() == ["uea"]
    from_sktime = set(manifest.loc[manifest["source"] == "sktime", "name"])
    assert {"BasicMotions", "GunPoint", "airline", "uschange"} <= from_sktime
    # JapaneseVowels: series of 7-29 steps, each channel a NaN-tailed window
    vowels = np.load(tmp_path / "corpus" / "uea-JapaneseVowels.npy")[:, 0]
    observed = (~np.isnan(vowels)).sum(axis=1)
    assert observed.min() >= 8 and observed.max() <= 29
    assert SeriesStore(tmp_path / "corpus").shape == (manifest["n_windows"].sum(), 1, 32)


def test_exclude_leaves_the_named_sets_out(tmp_path, uea_home):
    # a set excluded from data_home is not taken from sktime either, and excluded
    # sktime sets and forecasting series are left out; the rest is unchanged, byte for byte
    home = _linked_home(tmp_path, uea_home, "JapaneseVowels", "Libras")
    sources = ("uea", "sktime")
    full = build_pretraining_corpus(tmp_path / "full", sources=sources, length=32, data_home=home)
    left_out = ["JapaneseVowels", "BasicMotions", "airline"]
    manifest = build_pretraining_corpus(
        tmp_path / "out", sources=sources, length=32, data_home=home, exclude=left_out
    )
    assert manifest["name"].tolist() == [name for name in full["name"] if name not in left_out]
    kept = _shards(tmp_path / "out")
    assert set(kept) == set(manifest["shard"])
    full_shards = _shards(tmp_path / "full")
    assert all(np.array_equal(windows, full_shards[shard], equal_nan=True) for shard, windows in kept.items())


@pytest.mark.parametrize("exclude", ["Libras", ["Libras", "NoSuchSet"], ["GunPoint"], [3, "x"], [["Libras"]]])
def test_exclude_refuses_names_the_sources_do_not_read(tmp_path, uea_home, exclude):
    # "GunPoint" is an sktime set: with the uea source alone it names nothing
    home = _linked_home(tmp_path, uea_home, "Libras")
    with pytest.raises(ValueError, match="exclude"):
        build_pretraining_corpus(tmp_path / "corpus", sources=("uea",), length=32, data_home=home, exclude=exclude)
    assert not (tmp_path / "corpus").exists()


def test_uea_without_a_folder_warns_and_contributes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    with pytest.warns(UserWarning, match=DATA_ENV_VAR):
        manifest = build_pretraining_corpus(tmp_path, sources=("uea", "synthetic"), length=16, n_synthetic=5)
    assert manifest["source"].tolist() == ["synthetic"]


def test_rebuild_replaces_its_own_corpus_only(tmp_path):
    build_pretraining_corpus(tmp_path, sources=("synthetic", "physiology"), length=32, n_physiology=5, n_synthetic=5)
    build_pretraining_corpus(tmp_path, sources=("synthetic",), length=16, n_synthetic=7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.csv", "synthetic-generic.npy"]
    assert SeriesStore(tmp_path).shape == (7, 1, 16)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="path"):
        build_pretraining_corpus(tmp_path, sources=("synthetic",), length=16, n_synthetic=7)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "synthetic-generic.npy").is_file()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"length": 8}, "length"),
        ({"length": 64.0}, "length"),
        ({"sources": ("synthetic", "ucr")}, "sources"),
        ({"sources": "synthetic"}, "sources"),
        ({"sources": ()}, "sources"),
        ({"n_synthetic": -1}, "n_synthetic"),
        ({"n_physiology": 1.5}, "n_physiology"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_bad_parameters_raise(tmp_path, kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_pretraining_corpus(tmp_path, **{"sources": ("synthetic",), "n_synthetic": 5, **kwargs})
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_a_file_as_path_is_refused(tmp_path):
    target = tmp_path / "corpus"
    target.write_text("")
    with pytest.raises(ValueError, match="path"):
        build_pretraining_corpus(target, sources=("synthetic",), n_synthetic=5)


def test_physiology_without_neurokit2_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "neurokit2", None)  # makes ``import neurokit2`` fail
    with pytest.raises(ImportError, match="pip install neurokit2"):
        build_pretraining_corpus(tmp_path, sources=("physiology",), n_physiology=5)
