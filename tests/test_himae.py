"""HiMAEEmbedder end to end on real data: accuracy, layers, caching, round trips, inputs."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from joblib import Memory
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sktime.datasets import load_gunpoint, load_italy_power_demand

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.himae import AUTO_SHORT_SERIES, AUTO_SHORT_WIDTHS
from sklearn_msae.nn.himae import SIZES

TINY = {"size": "tiny", "max_epochs": 3, "random_state": 0}


def test_pipeline_accuracy_on_basic_motions(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    pipe = Pipeline([("emb", HiMAEEmbedder(random_state=0)), ("clf", LogisticRegression(max_iter=1000))])
    accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
    print(f"HiMAE + LogisticRegression, BasicMotions test accuracy: {accuracy:.3f}")
    assert accuracy >= 0.90


def test_grid_search_over_layers_pretrains_once_per_fold(basic_motions, tmp_path, pretrain_calls):
    X_train, y_train, _, _ = basic_motions
    embedder = HiMAEEmbedder(max_epochs=10, random_state=0, memory=Memory(tmp_path, verbose=0))
    pipe = Pipeline([("emb", embedder), ("clf", LogisticRegression(max_iter=1000))])
    search = GridSearchCV(pipe, {"emb__layer": [1, 2, 3, 4]}, cv=3).fit(X_train, y_train)
    assert len(pretrain_calls) == 3 + 1  # one per fold, one refit on all data
    assert search.best_params_["emb__layer"] in [1, 2, 3, 4]
    assert search.best_score_ > 0.5


def test_transform_switches_a_module_left_in_training_mode_to_eval(basic_motions):
    X_train = basic_motions[0]
    embedder = HiMAEEmbedder(**TINY).fit(X_train)
    expected = embedder.transform(X_train)
    embedder.net_.module_.train()  # BatchNorm would normalise with the batch's statistics
    np.testing.assert_array_equal(embedder.transform(X_train[:5]), expected[:5])
    assert not any(layer.training for layer in embedder.net_.module_.modules())


def test_changing_transform_only_parameters_needs_no_refit(basic_motions):
    X_train = basic_motions[0]
    embedder = HiMAEEmbedder(**TINY, stretch_to=None).fit(X_train)  # on the series' own 100 steps
    widths = (8, 16, 32, 64)
    # a level's encoder width, and the decoder's up-block at that resolution (none at the bottleneck)
    for layer, width in zip([1, 2, 3, 4, -1, -4], [16, 32, 64, 64, 64, 16]):
        assert embedder.set_params(layer=layer).transform(X_train[:3]).shape == (3, width)
    all_levels = sum(widths) + sum(widths[:-1])
    assert embedder.set_params(layer="all", pooling="meanmax").transform(X_train[:3]).shape == (3, 2 * all_levels)
    names = embedder.get_feature_names_out()
    assert len(names) == 2 * all_levels and names[0] == "himaeembedder0"
    encoder = embedder.set_params(include_decoder=False).transform(X_train[:3])
    assert encoder.shape == (3, 2 * sum(widths)) and len(embedder.get_feature_names_out()) == 2 * sum(widths)
    flat = embedder.set_params(layer=2, pooling="flatten").transform(X_train[:3])
    assert flat.shape == (3, 16 * 25)  # length 100 -> 50 -> 25 positions at level 2
    flat = embedder.set_params(include_decoder=True).transform(X_train[:3])
    assert flat.shape == (3, 2 * 16 * 25)  # and the decoder's 16 x 25


def test_same_random_state_gives_identical_embeddings(basic_motions):
    X_train = basic_motions[0]
    a = HiMAEEmbedder(**TINY).fit_transform(X_train)
    b = HiMAEEmbedder(**TINY).fit_transform(X_train)
    np.testing.assert_array_equal(a, b)
    c = HiMAEEmbedder(**{**TINY, "random_state": 1}).fit_transform(X_train)
    assert not np.array_equal(a, c)


def test_clone_pickle_and_deepcopy_round_trips(basic_motions):
    X_train = basic_motions[0]
    embedder = HiMAEEmbedder(**TINY).fit(X_train)
    expected = embedder.transform(X_train)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(embedder)).transform(X_train), expected)
    np.testing.assert_array_equal(copy.deepcopy(embedder).transform(X_train), expected)
    np.testing.assert_array_equal(clone(embedder).fit(X_train).transform(X_train), expected)
    with pytest.raises(NotFittedError):
        clone(embedder).transform(X_train)


def test_score_is_negative_reconstruction_error_and_deterministic(basic_motions):
    X_train = basic_motions[0]
    embedder = HiMAEEmbedder(**TINY).fit(X_train)
    score = embedder.score(X_train)
    assert score < 0 and score == embedder.score(X_train)
    trained_longer = HiMAEEmbedder(**{**TINY, "max_epochs": 30}).fit(X_train)
    assert trained_longer.score(X_train) > score


def test_nan_pandas_and_unequal_length_inputs(basic_motions):
    X_train = basic_motions[0][:8].copy()
    X_train[0, :, 10:40] = np.nan  # a gap on every channel
    X_train[1, 2, :] = np.nan  # a missing channel
    embedder = HiMAEEmbedder(**TINY).fit(X_train)
    Z = embedder.transform(X_train)
    assert np.isfinite(Z).all()

    frame = pd.concat(
        [pd.DataFrame(x.T, index=pd.Index(np.arange(100) * 0.1, name="t")) for x in X_train], keys=range(8)
    )
    np.testing.assert_allclose(embedder.transform(frame), Z, rtol=1e-5, atol=1e-6)

    # unequal lengths: each series pooled over its own span only
    series = [x[:, : 50 + 5 * i] for i, x in enumerate(X_train)]
    Z_list = embedder.transform(series)
    np.testing.assert_allclose(Z_list[0], embedder.transform(X_train[:1, :, :50])[0], rtol=1e-5, atol=1e-6)
    assert Z_list.shape == Z.shape


def test_early_stopping_on_a_validation_split(basic_motions):
    X_train = basic_motions[0]
    embedder = HiMAEEmbedder(**{**TINY, "max_epochs": 200}, validation_fraction=0.25, patience=2).fit(X_train)
    history = embedder.net_.history
    assert "valid_loss" in history[-1] and len(history) < 200
    lrs = [batch_lr for epoch in history for batch_lr in [epoch.get("lr")] if batch_lr is not None]
    assert lrs == [] or max(lrs) <= 1e-3


@pytest.mark.parametrize(
    "params, match",
    [
        ({"layer": 5}, r"layer=5 is out of range: .* 1\.\.4, in -4\.\.-1"),
        ({"layer": 0}, r"layer=0 is out of range"),
        ({"kernel_size": 4}, "kernel_size must be odd"),
        ({"channels": ()}, "channels must be a non-empty sequence"),
    ],
)
def test_bad_parameters_are_named(basic_motions, params, match):
    with pytest.raises(ValueError, match=match):
        HiMAEEmbedder(**{**TINY, **params}).fit(basic_motions[0][:4])


@pytest.mark.parametrize("params", [{"lr": -1.0}, {"max_epochs": 0}, {"pooling": "median"}, {"mask_ratio": 1.0}])
def test_invalid_hyperparameters_raise_with_the_parameter_name(basic_motions, params):
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        HiMAEEmbedder(**params).fit(basic_motions[0][:4])


def test_transform_errors_name_the_shape(basic_motions):
    X_train = basic_motions[0][:4]
    # on its own 100 steps: stretched to 128, a 60-step series would reach the fitted length too
    embedder = HiMAEEmbedder(**TINY, stretch_to=None).fit(X_train)
    with pytest.raises(ValueError, match="X has 5 channels, but the estimator was fitted with 6"):
        embedder.transform(X_train[:, :5])
    with pytest.raises(ValueError, match="pooling='flatten' needs series of the fitted length 100; got 60"):
        embedder.set_params(pooling="flatten").transform(X_train[:, :, :60])
    with pytest.raises(ValueError, match=r"channel\(s\) \[2\] of X have no observed value"):
        X_bad = X_train.copy()
        X_bad[:, 2] = np.nan
        HiMAEEmbedder(**TINY).fit(X_bad)


def test_keyboard_interrupt_leaves_the_estimator_unfitted(basic_motions, request):
    X_train = basic_motions[0][:8]
    embedder = HiMAEEmbedder(**TINY).fit(X_train)
    request.getfixturevalue("interrupt_second_training_step")
    with pytest.raises(KeyboardInterrupt):
        embedder.fit(X_train)
    assert not hasattr(embedder, "net_") and not hasattr(embedder, "n_channels_")
    with pytest.raises(NotFittedError):
        embedder.transform(X_train)


def test_reconstruct_fills_nan_and_keeps_observed_values_bit_identical(basic_motions):
    X_train, _, X_test, _ = basic_motions
    embedder = HiMAEEmbedder(random_state=0).fit(X_train)
    X_gappy = X_test.astype(np.float64)
    hidden = np.random.default_rng(0).random(X_gappy.shape) < 0.3
    X_gappy[hidden] = np.nan
    filled = embedder.reconstruct(X_gappy)
    assert filled.dtype == np.float64 and filled.shape == X_gappy.shape
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~hidden], X_gappy[~hidden])
    # on held-out series the reconstruction beats filling each channel with its training mean
    channel_mean = np.broadcast_to(X_train.mean(axis=(0, 2))[None, :, None], X_test.shape)
    mse = np.mean((filled[hidden] - X_test[hidden]) ** 2)
    mse_mean = np.mean((channel_mean[hidden] - X_test[hidden]) ** 2)
    print(f"HiMAE reconstruction MSE {mse:.2f} vs channel mean {mse_mean:.2f}")
    assert mse < 0.8 * mse_mean

    series = [pd.DataFrame(x[:, : 60 + 10 * i].T, columns=list("abcdef")) for i, x in enumerate(X_gappy[:3])]
    filled_series = embedder.reconstruct(series)  # the input's own format comes back
    for original, result in zip(series, filled_series):
        assert result.shape == original.shape and list(result.columns) == list("abcdef")
        assert not result.isna().any().any()
        pd.testing.assert_frame_equal(result[original.notna()], original[original.notna()])


def test_reconstruct_of_series_longer_than_stretch_to_ignores_it(basic_motions):
    """Only series shorter than stretch_to are resampled: BasicMotions' 100 steps are reconstructed as without it."""
    X_train, _, X_test, _ = basic_motions
    embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0, stretch_to=64).fit(X_train)
    X_gappy = X_test.copy()
    X_gappy[np.random.default_rng(0).random(X_gappy.shape) < 0.3] = np.nan
    np.testing.assert_array_equal(embedder.reconstruct(X_gappy), embedder.set_params(stretch_to=None).reconstruct(X_gappy))


def test_flatten_pooling_reads_the_stretched_length(basic_motions):
    """With stretch_to, every shorter series reaches the fitted length: only a longer one is refused."""
    X = basic_motions[0][:8]
    embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0, layer=1, pooling="flatten").fit(X)
    assert embedder.n_timepoints_ == 128  # 100 steps stretched (stretch_to=128)
    # level 1: 8 channels x 65 positions (128 steps padded to 130, halved), the encoder's and the decoder's
    assert embedder.transform(X[:2, :, :60]).shape == embedder.transform(X[:2]).shape == (2, 2 * 8 * 65)
    with pytest.raises(ValueError, match="pooling='flatten' needs series of the fitted length 128; got 150"):
        embedder.transform(np.concatenate([X[:2], X[:2, :, :50]], axis=2))


def test_auto_size_follows_the_length_of_the_training_series(basic_motions, tmp_path):
    """size="auto": two levels (32, 64) below 64 steps, "wide"'s four from 64 on; known once fitted."""
    # stretch_to=None: the default stretches every series to at least 128 steps, which auto then reads
    embedder = HiMAEEmbedder(max_epochs=1, random_state=0, stretch_to=None)
    assert embedder.size == "auto"
    with pytest.raises(NotFittedError, match="size='auto' sets the number of levels .* fit first"):
        embedder.n_levels
    X_short, _ = load_italy_power_demand(split="train", return_type="numpy3D")  # 24 steps
    assert X_short.shape[-1] < AUTO_SHORT_SERIES <= basic_motions[0].shape[-1]
    short = clone(embedder).fit(X_short)
    # every level's encoder width, and the decoder's at every level but the bottleneck
    n_short = sum(AUTO_SHORT_WIDTHS) + AUTO_SHORT_WIDTHS[0]
    assert short.n_levels == 2 and short.transform(X_short).shape == (len(X_short), n_short)
    long = clone(embedder).fit(basic_motions[0][:8])
    n_long = sum(SIZES["wide"]) + sum(SIZES["wide"][:-1])
    assert long.n_levels == 4 and long.transform(basic_motions[0][:3]).shape == (3, n_long)
    # a layer beyond the depth the data chose is named at fit
    with pytest.raises(ValueError, match="layer=3 is out of range: this network has 2 levels"):
        clone(embedder).set_params(layer=3).fit(X_short)
    short.save_pretrained(tmp_path)
    loaded = HiMAEEmbedder.from_pretrained(tmp_path)
    np.testing.assert_array_equal(loaded.transform(X_short[:4]), short.transform(X_short[:4]))
    # continuing from it on longer series would need another network: named, not silently rebuilt
    X_long, _ = load_gunpoint(split="train", return_type="numpy3D")  # 150 steps, one channel as ItalyPowerDemand
    match = r"pretrained: X asks for another network .*channels=\[32, 64, 128, 256\] \(pretrained: \[32, 64\]\)"
    with pytest.raises(ValueError, match=match):
        HiMAEEmbedder(max_epochs=1, random_state=0, pretrained=tmp_path).fit(X_long)
