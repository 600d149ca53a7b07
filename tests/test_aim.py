"""AIMEmbedder end to end on real data: NaN-native embeddings, inputs, round trips, reconstruction, errors."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from sklearn_msae import AIMEmbedder
from sklearn_msae._base import encode

TINY = {"size": "tiny", "max_epochs": 5, "random_state": 0}
TINY_WIDTH = 32  # embed_dim of the "tiny" preset


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def with_gaps(X, seed=0):
    """A copy of ``X`` with the three kinds of missingness of wearable data.

    Series 0-4 lose the gyroscope (channels 3-5), series 5-9 a contiguous window of 40
    steps in every channel, and every value of series 10 onwards is dropped with
    probability 0.3.
    """
    X = X.copy()
    X[0:5, 3:] = np.nan
    X[5:10, :, 30:70] = np.nan
    rng = np.random.default_rng(seed)
    X[10:][rng.random(X[10:].shape) < 0.3] = np.nan
    return X


@pytest.fixture(scope="module")
def fitted(basic_motions):
    return AIMEmbedder(**TINY).fit(basic_motions[0])


@pytest.fixture(scope="module")
def trained(basic_motions):
    """Trained long enough (~500 optimiser steps) to reconstruct gaps from their context."""
    return AIMEmbedder(size="tiny", batch_size=8, max_epochs=100, random_state=0).fit(basic_motions[0])


def test_linear_probe_accuracy_on_basic_motions(trained, basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    embedder = trained.set_params(pooling="channel")  # transform-only: no refit
    probe = LogisticRegression(max_iter=2000).fit(embedder.transform(X_train), y_train)
    accuracy = probe.score(embedder.transform(X_test), y_test)
    print(f"AIM (tiny, 100 epochs, channel pooling) + LogisticRegression, BasicMotions test accuracy: {accuracy:.3f}")
    # measured 0.975-1.000 over random_state 0-4
    assert accuracy >= 0.90


@pytest.mark.parametrize("pooling, width", [("mean", TINY_WIDTH), ("channel", 6 * TINY_WIDTH)])
def test_fit_and_transform_series_with_gaps(basic_motions, pooling, width):
    X_gappy = with_gaps(basic_motions[0])
    embedder = AIMEmbedder(pooling, **TINY).fit(X_gappy)  # pretraining on incomplete data
    Z = embedder.transform(X_gappy)
    assert Z.shape == (40, width) and Z.dtype == np.float32
    assert np.isfinite(Z).all()
    assert len(embedder.get_feature_names_out()) == width


def test_channel_pooling_is_transform_only_and_zero_for_a_missing_channel(fitted, basic_motions):
    X_gappy = with_gaps(basic_motions[0])
    per_channel = fitted.set_params(pooling="channel").transform(X_gappy).reshape(40, 6, TINY_WIDTH)
    assert np.array_equal(per_channel[0:5, 3:], np.zeros((5, 3, TINY_WIDTH)))  # the missing gyroscope
    assert (np.abs(per_channel[0:5, :3]).sum(-1) > 0).all()
    assert fitted.set_params(pooling="mean").transform(X_gappy).shape == (40, TINY_WIDTH)


def test_values_under_nan_do_not_reach_the_network(fitted, basic_motions):
    X_gappy = with_gaps(basic_motions[0])
    expected = fitted.transform(X_gappy)
    # what the estimator hands the network, with garbage written wherever a value is unobserved
    batch = {key: torch.as_tensor(value) for key, value in encode(fitted, X_gappy)[1].items()}
    garbage = torch.where(batch["observed"], batch["x"], torch.full_like(batch["x"], 1e3))
    with torch.no_grad():
        np.testing.assert_array_equal(fitted.net_.module_.embed(garbage, batch["observed"], pooling=fitted.pooling).numpy(), expected)
    # a series' embedding depends neither on the other series of the batch nor on how long the padding is
    alone = np.concatenate([fitted.transform(X_gappy[i : i + 1]) for i in range(0, 40, 7)])
    np.testing.assert_allclose(alone, expected[::7], rtol=1e-5, atol=1e-6)
    trailing_nan = basic_motions[0][:1].copy()
    trailing_nan[..., 93:] = np.nan
    np.testing.assert_allclose(
        fitted.transform(trailing_nan), fitted.transform(basic_motions[0][:1, :, :93]), rtol=1e-5, atol=1e-6
    )
    # control: an observed value does reach it
    changed = X_gappy.copy()
    changed[20, 0, 0] += 5.0
    assert not np.allclose(fitted.transform(changed)[20], expected[20])


def test_pandas_multiindex_and_unequal_length_inputs(fitted, basic_motions):
    X = with_gaps(basic_motions[0][:8])
    Z = fitted.transform(X)
    frame = pd.concat(
        [pd.DataFrame(x.T, index=pd.Index(np.arange(100) * 0.1, name="t")) for x in X], keys=range(8)
    )
    np.testing.assert_allclose(fitted.transform(frame), Z, rtol=1e-5, atol=1e-6)

    # lengths that are not multiples of patch_size=10, shorter than one patch included
    series = [x[:, : 7 + 13 * i] for i, x in enumerate(X)]
    Z_list = fitted.transform(series)
    assert Z_list.shape == Z.shape and np.isfinite(Z_list).all()
    np.testing.assert_allclose(Z_list[3], fitted.transform(X[3:4, :, :46])[0], rtol=1e-5, atol=1e-6)


def test_a_series_observed_only_inside_partial_tokens_is_embedded(fitted, basic_motions):
    sparse = np.full((1, 6, 100), np.nan, dtype=np.float32)
    sparse[0, 2, 41] = basic_motions[0][0, 2, 41]  # one observed value in the whole series
    assert np.isfinite(fitted.transform(sparse)).all()


def test_same_random_state_gives_identical_embeddings(basic_motions):
    X_gappy = with_gaps(basic_motions[0])
    a = AIMEmbedder(**TINY).fit(X_gappy).transform(X_gappy)
    b = AIMEmbedder(**TINY).fit(X_gappy).transform(X_gappy)
    np.testing.assert_array_equal(a, b)
    c = AIMEmbedder(**{**TINY, "random_state": 1}).fit(X_gappy).transform(X_gappy)
    assert not np.array_equal(a, c)


def test_clone_pickle_and_deepcopy_round_trips(fitted, basic_motions):
    X_gappy = with_gaps(basic_motions[0])
    expected = fitted.transform(X_gappy)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(X_gappy), expected)
    np.testing.assert_array_equal(copy.deepcopy(fitted).transform(X_gappy), expected)
    np.testing.assert_array_equal(clone(fitted).fit(basic_motions[0]).transform(X_gappy), expected)
    with pytest.raises(NotFittedError):
        clone(fitted).transform(X_gappy)


def test_explicit_architecture_overrides_the_preset(basic_motions):
    embedder = AIMEmbedder(size="tiny", embed_dim=16, num_heads=4, max_epochs=1, random_state=0)
    embedder.fit(basic_motions[0][:8])
    module = embedder.net_.module_
    assert module.value_embed.out_features == 16 and module.blocks[0].attn.num_heads == 4
    assert len(module.blocks) == 2  # depth still from the preset
    assert embedder.transform(basic_motions[0][:2]).shape == (2, 6 * 16)  # per-channel pooling: 6 channels of width 16


def test_reconstruct_keeps_observed_values_and_fills_every_nan(trained, basic_motions):
    X_train, X_test = basic_motions[0], basic_motions[2].astype(np.float64)
    X_gappy = with_gaps(X_test)
    missing = np.isnan(X_gappy)
    filled = trained.reconstruct(X_gappy)
    assert filled.dtype == np.float64 and filled.shape == X_gappy.shape
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~missing], X_gappy[~missing])  # bit-identical
    # the fill of a 40-step window comes from its context: far better than each channel's training mean
    window = np.zeros_like(missing)
    window[5:10] = missing[5:10]
    mean_fill = np.broadcast_to(X_train.mean(axis=(0, 2))[None, :, None], X_test.shape)
    model_error = np.mean((filled - X_test)[window] ** 2)
    mean_error = np.mean((mean_fill - X_test)[window] ** 2)
    print(f"AIM reconstruction MSE in a 40-step window: {model_error:.2f} (channel-mean fill: {mean_error:.2f})")
    assert model_error < 0.75 * mean_error  # measured ratio 0.32-0.48 over random_state 0-4

    # other formats come back in their own format, with the same guarantees
    series = [x[:, : 50 + 7 * i] for i, x in enumerate(X_gappy[:6])]
    for original, filled_series in zip(series, trained.reconstruct(series)):
        assert filled_series.shape == original.shape and not np.isnan(filled_series).any()
        np.testing.assert_array_equal(filled_series[~np.isnan(original)], original[~np.isnan(original)])


def test_score_is_negative_reconstruction_error_and_deterministic(fitted, basic_motions):
    X_gappy = with_gaps(basic_motions[0])
    score = fitted.score(X_gappy)
    assert score < 0 and score == fitted.score(X_gappy)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"embed_dim": 18, "num_heads": 2}, r"embed_dim=18 must be a multiple of 4 .* and of num_heads=2"),
        ({"embed_dim": 32, "num_heads": 3}, r"embed_dim=32 must be a multiple of 4 .* and of num_heads=3"),
        ({"decoder_embed_dim": 20, "decoder_num_heads": 8}, r"decoder_embed_dim=20 .* decoder_num_heads=8"),
    ],
)
def test_bad_architecture_is_named(basic_motions, params, match):
    with pytest.raises(ValueError, match=match):
        AIMEmbedder(**{**TINY, **params}).fit(basic_motions[0][:4])


@pytest.mark.parametrize(
    "params",
    [{"pooling": "max"}, {"patch_size": 0}, {"size": "huge"}, {"clip": -1.0}, {"random_ratio": 1.0}, {"depth": 0}],
)
def test_invalid_hyperparameters_raise_with_the_parameter_name(basic_motions, params):
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        AIMEmbedder(**params).fit(basic_motions[0][:4])


def test_bad_input_errors_name_the_problem(fitted, basic_motions):
    X = basic_motions[0][:4].copy()
    with pytest.raises(ValueError, match="X has 5 channels, but the estimator was fitted with 6"):
        fitted.transform(X[:, :5])
    X[1] = np.nan
    with pytest.raises(ValueError, match=r"series of X have no observed value \(all NaN\), e\.g\. series \[1\]"):
        fitted.transform(X)
    with pytest.raises(ValueError, match=r"series of X have no observed value"):
        fitted.reconstruct(X)
    with pytest.raises(NotFittedError):
        AIMEmbedder().reconstruct(basic_motions[0][:4])


def test_epilepsy_with_30_percent_of_time_steps_missing(shared_uea):
    X, _ = shared_uea("Epilepsy", split="train", missing_rate=0.3, random_state=0)
    assert np.isnan(X).any(axis=1).mean() == pytest.approx(int(0.3 * 206) / 206)
    embedder = AIMEmbedder(**{**TINY, "max_epochs": 3, "pooling": "mean"}).fit(X)
    Z = embedder.transform(X)
    assert Z.shape == (len(X), TINY_WIDTH) and np.isfinite(Z).all()
    # what stands under a NaN never matters: the network gets garbage there and embeds the same
    batch = {key: torch.as_tensor(value) for key, value in encode(embedder, X)[1].items()}
    garbage = torch.where(batch["observed"], batch["x"], torch.full_like(batch["x"], -1e4))
    with torch.no_grad():
        np.testing.assert_array_equal(embedder.net_.module_.embed(garbage, batch["observed"]).numpy(), Z)
    # and a series embeds the same alone as in the batch, whatever the others' gaps
    np.testing.assert_allclose(embedder.transform(X[5:6]), Z[5:6], rtol=1e-5, atol=1e-6)
