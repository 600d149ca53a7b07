"""resolution_profile: one pretraining per fold, every layer probed, on real data."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_italy_power_demand

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import make_masking_task
from sklearn_msae.inspection import plot_reconstruction, plot_resolution_profile, resolution_profile

matplotlib.use("Agg")


def test_profile_pretrains_once_per_fold_and_scores_every_layer(basic_motions, pretrain_calls):
    X_train, y_train, _, _ = basic_motions
    profile = resolution_profile(HiMAEEmbedder(size="tiny", max_epochs=5, random_state=0), X_train, y_train, cv=3)
    assert len(pretrain_calls) == 3
    assert list(profile.columns) == ["fold", "layer", "n_features", "score"]
    assert len(profile) == 3 * 4 and sorted(profile["layer"].unique()) == [1, 2, 3, 4]
    assert profile["score"].between(0, 1).all() and profile["score"].mean() > 0.5


def test_profile_on_an_official_split_with_pandas_input(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    X = np.concatenate([X_train, X_test])[:, :, ::2]
    frame = pd.concat([pd.DataFrame(x.T) for x in X], keys=range(len(X)))
    split = [(np.arange(40), np.arange(40, 80))]
    profile = resolution_profile(
        HiMAEEmbedder(size="tiny", max_epochs=5, random_state=0), frame, np.concatenate([y_train, y_test]),
        cv=split, layers=[1, -1],
    )
    assert profile["layer"].tolist() == [1, -1] and (profile["fold"] == 0).all()


def test_plot_draws_one_point_per_layer():
    profile = pd.DataFrame({"fold": [0, 0, 1, 1], "layer": [1, 2, 1, 2], "score": [0.5, 0.9, 0.7, 0.95]})
    ax = plot_resolution_profile(profile, label="HiMAE")
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [0.6, 0.925])
    assert ax.get_legend().get_texts()[0].get_text() == "HiMAE"


def test_profile_requires_layers_for_embedders_without_levels():
    with pytest.raises(ValueError, match="layers must be given: object has no n_levels"):
        resolution_profile(object(), np.zeros((4, 10)), [0, 1, 0, 1], cv=2)


def test_plot_reconstruction_draws_observed_hidden_and_reconstructed_values(basic_motions):
    import matplotlib.pyplot as plt

    X_masked, X_true = make_masking_task(basic_motions[0][:8], kind="interpolation", rate=0.3, random_state=0)
    embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X_masked)
    axes = plot_reconstruction(embedder, X_masked, X_true, series=[0, 5], channels=[1, 4])
    assert axes.shape == (2, 2)
    observed, truth, reconstruction = axes[1, 0].get_lines()  # series 5, channel 1
    np.testing.assert_array_equal(observed.get_ydata(), X_masked[5, 1])
    np.testing.assert_array_equal(truth.get_ydata(), X_true[5, 1])
    hidden = ~np.isnan(X_true[5, 1])
    assert np.isfinite(reconstruction.get_ydata()[hidden]).all() and np.isnan(reconstruction.get_ydata()[~hidden]).all()
    assert axes[1, 0].get_title().startswith("series 5, channel 1: MSE ")
    legend = [text.get_text() for text in axes[0, 0].get_legend().get_texts()]
    assert legend == ["observed", "hidden (true)", "reconstruction"]

    # on given axes; by default the first three series and every channel
    _, given = plt.subplots(3, 6)
    assert plot_reconstruction(embedder, X_masked, X_true, ax=given).shape == (3, 6)
    with pytest.raises(ValueError, match=r"ax must hold 4 Axes \(2 series x 2 channels\); got 3"):
        plot_reconstruction(embedder, X_masked, X_true, series=[0, 1], channels=[0, 1], ax=given[0, :3])
    with pytest.raises(ValueError, match="same shape"):
        plot_reconstruction(embedder, X_masked, X_true[:, :2])
    plt.close("all")


def test_resolution_profile_enumerates_the_levels_the_data_chose():
    """size="auto" knows its depth once fitted: the default layers follow the fitted network."""
    X, y = load_italy_power_demand(split="train", return_type="numpy3D")  # 24 steps: two levels
    profile = resolution_profile(HiMAEEmbedder(max_epochs=1, random_state=0, stretch_to=None), X, y, cv=2)
    assert profile["layer"].tolist() == [1, 2, 1, 2]
    # stretched to 128 steps (the default stretch_to), the same series get small's four levels
    profile = resolution_profile(HiMAEEmbedder(max_epochs=1, random_state=0), X, y, cv=2)
    assert profile["layer"].tolist() == [1, 2, 3, 4] * 2
