"""``channel_mode="independent"``: one univariate network for any channel count, in every estimator API."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEClassifier

TINY = {
    HiMAEEmbedder: {"size": "tiny"},
    AIMEmbedder: {"size": "tiny"},
}
EMBEDDERS = list(TINY)


def independent(cls, **params):
    return cls(channel_mode="independent", max_epochs=1, random_state=0, device="cpu", **TINY[cls], **params)


@pytest.fixture(scope="module", params=EMBEDDERS, ids=lambda cls: cls.__name__)
def fitted(request, basic_motions):
    return independent(request.param).fit(basic_motions[0])


def test_the_network_is_univariate_and_the_width_follows_channel_pooling(fitted, basic_motions):
    X = basic_motions[0]
    assert fitted._method_network().state_dict() and fitted.n_channels_ == 6
    widths = {}
    for pooling in ("mean", "meanmax", "concat"):
        Z = fitted.set_params(channel_pooling=pooling).transform(X)
        assert Z.shape == (len(X), len(fitted.get_feature_names_out())) and np.isfinite(Z).all()
        widths[pooling] = Z.shape[1]
    fitted.set_params(channel_pooling="mean")
    assert widths["meanmax"] == 2 * widths["mean"] and widths["concat"] == 6 * widths["mean"]


def test_a_pretrained_network_embeds_another_channel_count(fitted, basic_motions):
    X = basic_motions[0]
    # refitting the scaling on two channels of the same data gives those channels' scaling: the same embeddings
    two = type(fitted)(**{**fitted.get_params(), "pretrained": FrozenEstimator(fitted)}).fit(X[:, :2])
    assert two.n_channels_ == 2
    np.testing.assert_allclose(two.channel_scale_, fitted.channel_scale_[:2], rtol=1e-6)
    concat = fitted.set_params(channel_pooling="concat").transform(X)
    np.testing.assert_allclose(two.set_params(channel_pooling="concat").transform(X[:, :2]), concat[:, : concat.shape[1] // 3], atol=1e-5)
    fitted.set_params(channel_pooling="mean")
    with pytest.raises(ValueError, match="pretrained_scaling='keep'"):
        two.set_params(pretrained_scaling="keep").fit(X[:, :3])


def test_a_joint_network_refuses_another_channel_count(basic_motions):
    X = basic_motions[0]
    joint = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="channel_mode='independent'"):
        HiMAEEmbedder(size="tiny", pretrained=FrozenEstimator(joint)).fit(X[:, :2])


def test_a_missing_sensor_is_left_out_of_the_mean(fitted, basic_motions):
    X = basic_motions[0][:4].copy()
    X[0, 3] = np.nan  # series 0 lost its fourth sensor
    concat = fitted.set_params(channel_pooling="concat").transform(X).reshape(4, 6, -1)
    mean = fitted.set_params(channel_pooling="mean").transform(X)
    np.testing.assert_allclose(mean[0], concat[0, [0, 1, 2, 4, 5]].mean(0), atol=1e-5)
    assert not concat[0, 3].any()


def test_reconstruct_fills_only_gaps_and_score_is_finite(fitted, basic_motions):
    X = basic_motions[0][:6].copy()
    X[:, :, 40:60] = np.nan
    X[1, 2] = np.nan  # a channel never observed in series 1: its scaled mean
    filled = fitted.reconstruct(X)
    observed = ~np.isnan(X)
    assert not np.isnan(filled).any() and np.array_equal(filled[observed], X[observed])
    np.testing.assert_allclose(filled[1, 2], fitted.channel_center_[2], rtol=1e-6)
    assert np.isfinite(fitted.score(X))


def test_save_load_round_trip(fitted, basic_motions, tmp_path):
    fitted.save_pretrained(tmp_path)
    loaded = type(fitted).from_pretrained(tmp_path, channel_pooling="meanmax")
    assert np.array_equal(loaded.transform(basic_motions[0]), fitted.set_params(channel_pooling="meanmax").transform(basic_motions[0]))
    fitted.set_params(channel_pooling="mean")


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
def test_fine_tuning_with_layer_decay(cls, basic_motions):
    X, y = basic_motions[:2]
    clf = MAEClassifier(independent(cls, channel_pooling="meanmax"), max_epochs=2, layer_decay=0.75, random_state=0)
    assert clf.fit(X, y).predict_proba(X).shape == (len(X), 4)


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
def test_fit_is_reproducible(cls, basic_motions):
    X = basic_motions[0]
    assert np.array_equal(independent(cls).fit(X).transform(X), independent(cls).fit(X).transform(X))


def test_bad_channel_mode_is_named(basic_motions):
    with pytest.raises(ValueError, match="channel_mode"):
        HiMAEEmbedder(channel_mode="shared").fit(basic_motions[0])
    with pytest.raises(ValueError, match="channel_pooling"):
        AIMEmbedder(channel_pooling="sum").fit(basic_motions[0])
