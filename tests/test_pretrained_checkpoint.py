"""The checkpoint shipped inside the package, ``himae-corpus-ci`` (issue 20; docs/pretrained.md).

These tests assert what loading it by name does, not what its embeddings score: they
hold for any network saved in its format.
"""

import os
import sys
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_msae
from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEClassifier, list_pretrained

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

NAME = "himae-corpus-ci"
ROOT = Path(__file__).resolve().parents[1]
FOLDER = Path(sklearn_msae.__file__).parent / "checkpoints" / NAME


@pytest.fixture(scope="module")
def loaded():
    return HiMAEEmbedder.from_pretrained(NAME, verbose=0)


def _state(embedder):
    return {name: tensor.detach().cpu().clone() for name, tensor in embedder.net_.module_.state_dict().items()}


def test_the_checkpoint_is_listed():
    assert NAME in list_pretrained()
    assert (FOLDER / "config.json").is_file() and (FOLDER / "model.safetensors").is_file()


def test_from_pretrained_gives_a_fitted_embedder_that_keeps_the_name(loaded):
    assert isinstance(loaded, HiMAEEmbedder) and hasattr(loaded, "net_")
    assert loaded.pretrained == NAME
    assert loaded.channel_mode == "independent"
    # an override keeps the name too, unless it is `pretrained` itself
    assert HiMAEEmbedder.from_pretrained(NAME, verbose=0, layer=1).pretrained == NAME


def test_fit_learns_only_the_scaling_of_X(loaded, basic_motions):
    X = basic_motions[0]  # 6 channels; the checkpoint was saved with 1
    before = _state(loaded)
    fitted = HiMAEEmbedder.from_pretrained(NAME, verbose=0).fit(X)
    assert fitted.n_channels_ == 6 and fitted.pretrained == NAME
    # of X as the network sees it: its 100 steps resampled to the checkpoint's 128 (stretch_to)
    np.testing.assert_allclose(fitted.channel_center_, _interp_to(X, 128).mean(axis=(0, 2)), atol=1e-5, rtol=1e-5)
    after = _state(fitted)
    assert after.keys() == before.keys()
    for name in before:
        assert torch.equal(after[name], before[name]), name


@pytest.mark.parametrize("n_channels", [2, 24])
def test_any_channel_count_embeds(loaded, n_channels):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, n_channels, 128)).astype(np.float32)
    fitted = HiMAEEmbedder.from_pretrained(NAME, verbose=0).fit(X)
    one = loaded.transform(X[:, :1])  # the saved readout, channel_pooling="concat": one block per channel
    Z = fitted.transform(X)
    assert Z.shape == (8, n_channels * one.shape[1]) and np.isfinite(Z).all()
    assert fitted.set_params(channel_pooling="mean").transform(X).shape == one.shape  # one width for any count


def test_a_clone_refits_inside_cross_validation(loaded, basic_motions, pretrain_calls):
    X, y = basic_motions[:2]
    pretrain_calls.clear()
    fitted = clone(loaded).fit(X)
    assert fitted.pretrained == NAME and fitted.n_channels_ == 6
    pipe = make_pipeline(loaded, StandardScaler(), LogisticRegression(max_iter=1000))
    scores = cross_val_score(pipe, X, y, cv=3, error_score="raise")
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert pretrain_calls == []  # every fold loaded the checkpoint: nothing was pretrained


def test_a_path_object_is_a_folder_not_the_shipped_checkpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=NAME):
        HiMAEEmbedder.from_pretrained(Path(NAME))


def test_another_class_is_refused_by_name():
    with pytest.raises(ValueError, match="AIMEmbedder") as info:
        AIMEmbedder.from_pretrained(NAME)
    assert "HiMAEEmbedder" in str(info.value)


def test_the_wheel_ships_the_checkpoint_files():
    """pyproject.toml's package data matches both files (a `pip wheel` would take too long here)."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    globs = package_data["sklearn_msae"]
    package = Path(sklearn_msae.__file__).parent
    files = [(FOLDER / name).relative_to(package).as_posix() for name in ("config.json", "model.safetensors")]
    assert all((package / file).is_file() for file in files)
    unmatched = [file for file in files if not any(fnmatch(file, glob) for glob in globs)]
    assert not unmatched, f"pyproject.toml's package-data {globs} leaves {unmatched} out of the wheel"


def test_mae_classifier_fine_tunes_from_it(basic_motions, pretrain_calls):
    X, y = basic_motions[:2]
    pretrain_calls.clear()
    classifier = MAEClassifier(HiMAEEmbedder.from_pretrained(NAME), max_epochs=2, random_state=0).fit(X, y)
    assert classifier.predict_proba(X).shape == (len(X), 4)
    assert pretrain_calls == []  # it started from the checkpoint, not from a pretraining on X


def _interp_to(X: np.ndarray, length: int) -> np.ndarray:
    """An independent reference: every channel of complete series ``(n, C, L)`` resampled by `np.interp`."""
    grid = np.linspace(0, X.shape[2] - 1, length)
    return np.apply_along_axis(lambda channel: np.interp(grid, np.arange(X.shape[2]), channel), 2, X)


def test_short_series_are_seen_at_the_scale_of_the_pretraining_windows(basic_motions):
    """As shipped, the checkpoint embeds a 50-step series as it embeds the series resampled to its 128-step
    windows (``stretch_to=128``); a series of at least 128 steps as without stretching."""
    X_short = basic_motions[0][:, :, :50]
    loaded = HiMAEEmbedder.from_pretrained(NAME, verbose=0)
    assert loaded.stretch_to == 128 and clone(loaded).stretch_to == 128  # cross-validation's clones stretch too
    fitted = clone(loaded).fit(X_short)
    reference = HiMAEEmbedder.from_pretrained(NAME, verbose=0, stretch_to=None).fit(_interp_to(X_short, 128))
    np.testing.assert_allclose(fitted.transform(X_short), reference.transform(_interp_to(X_short, 128)),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    X_long = np.concatenate([basic_motions[0]] * 2, axis=2)[:, :, :150]
    embedding = fitted.transform(X_long)
    np.testing.assert_array_equal(embedding, fitted.set_params(stretch_to=None).transform(X_long))


@pytest.fixture
def recipe(benchmark_script):
    """``benchmarks/pretrain_checkpoint.py``, the recipe of the shipped checkpoint."""
    module = benchmark_script("pretrain_checkpoint")
    assert module.PACKAGE_CHECKPOINT == FOLDER
    return module


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--exclude", "BasicMotions"], "--exclude needs --output"),
        (["--exclude", "BasicMotions", "--output", "{package_relative}"], "--exclude needs --output"),
        (["--quick", "--exclude", "BasicMotions", "--output", "{tmp}"], "the quick corpus"),
    ],
)
def test_the_recipe_refuses_to_save_a_partial_corpus_over_the_shipped_checkpoint(
    recipe, monkeypatch, capsys, tmp_path, argv, message
):
    # pretrain_checkpoint.py --exclude pretrains on a corpus without the named sets: its weights must go elsewhere,
    # however the shipped folder is spelt
    monkeypatch.chdir(ROOT)
    names = {"package_relative": os.path.relpath(FOLDER, ROOT), "tmp": tmp_path}
    monkeypatch.setattr(sys, "argv", ["pretrain_checkpoint.py", *(arg.format(**names) for arg in argv)])
    with pytest.raises(SystemExit) as exit_info:
        recipe.main()
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_the_recipe_builds_a_corpus_without_the_excluded_sets_in_a_folder_of_its_own(recipe, monkeypatch, tmp_path):
    built = []

    def build(path, exclude, **kwargs):
        built.append((path, exclude))
        raise RuntimeError("corpus requested")  # the pretraining itself is the recipe's own run

    monkeypatch.setattr(recipe, "build_pretraining_corpus", build)
    # the recipe's --threads are not this test process's
    monkeypatch.setattr(recipe.torch, "set_num_threads", lambda threads: None)
    for exclude in (["Libras", "BasicMotions"], ["BasicMotions", "Libras"], []):
        argv = ["--work-dir", str(tmp_path), "--output", str(tmp_path / "out")]
        argv += ["--exclude", *exclude] if exclude else []
        monkeypatch.setattr(sys, "argv", ["pretrain_checkpoint.py", *argv])
        with pytest.raises(RuntimeError, match="corpus requested"):
            recipe.main()
    (first, first_exclude), (second, second_exclude), (whole, whole_exclude) = built
    assert first_exclude == ["Libras", "BasicMotions"] and whole_exclude == []
    # the same sets in any order share a corpus (and pretraining state); the whole corpus keeps its own folder
    assert first == second and first.name.startswith("corpus-without-") and whole == tmp_path / "corpus"
