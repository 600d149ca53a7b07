"""``pretrained=``: fit loads a network pretrained earlier instead of pretraining."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder, to_panel
from sklearn_msae._panel import stretch

FAST = {
    HiMAEEmbedder: dict(size="tiny"),
    AIMEmbedder: dict(size="tiny"),
    RoMAEEmbedder: dict(size="tiny", embed_dim=16, num_heads=2, decoder_embed_dim=16, decoder_num_heads=2),
}
COMMON = dict(max_epochs=1, batch_size=20, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def saved(basic_motions, tmp_path_factory):
    """A HiMAE pretrained on BasicMotions train, and the folder it is saved in."""
    embedder = HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON).fit(basic_motions[0])
    path = tmp_path_factory.mktemp("pretrained")
    embedder.save_pretrained(path)
    return embedder, path


@pytest.mark.parametrize("cls", list(FAST))
def test_fit_loads_instead_of_pretraining(cls, basic_motions, tmp_path, pretrain_calls):
    X_train, _, X_test, _ = basic_motions
    source = cls(**FAST[cls], **COMMON).fit(X_train)
    source.save_pretrained(tmp_path)
    pretrain_calls.clear()
    for pretrained in (tmp_path, str(tmp_path), FrozenEstimator(source)):
        embedder = cls(**FAST[cls], **COMMON, pretrained=pretrained).fit(X_test[:5])
        np.testing.assert_allclose(embedder.transform(X_test), source.transform(X_test), rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(embedder.channel_center_, source.channel_center_)
    assert pretrain_calls == []


def test_refit_scaling_learns_only_the_normalisation(saved, basic_motions):
    source, path = saved
    X_test = basic_motions[2]
    embedder = HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON, pretrained=path, pretrained_scaling="refit").fit(X_test)
    seen = stretch(to_panel(X_test), 128).values  # what the network reads: 100 steps stretched to 128 (stretch_to)
    np.testing.assert_allclose(embedder.channel_center_, np.nanmean(seen, axis=(0, 2)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(embedder.channel_center_, source.channel_center_)
    for ours, theirs in zip(embedder.net_.module_.parameters(), source.net_.module_.parameters()):
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_pipeline_probes_a_frozen_encoder_in_a_grid_search(saved, basic_motions, pretrain_calls):
    source, path = saved
    X_train, y_train = basic_motions[:2]
    for pretrained in (path, FrozenEstimator(source)):  # both survive clone()
        pipe = Pipeline(
            [("emb", HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON, pretrained=pretrained)), ("clf", LogisticRegression())]
        )
        search = GridSearchCV(pipe, {"emb__layer": [1, 4]}, cv=2).fit(X_train, y_train)
        assert search.best_params_["emb__layer"] in (1, 4)
    assert pretrain_calls == []


def test_saving_an_embedder_fitted_from_pretrained(saved, basic_motions, tmp_path):
    _, path = saved
    embedder = HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON, pretrained=path).fit(basic_motions[0])
    embedder.save_pretrained(tmp_path)
    loaded = HiMAEEmbedder.from_pretrained(tmp_path)
    assert loaded.pretrained is None  # the weights travel in the folder, not the path they came from
    np.testing.assert_array_equal(loaded.transform(basic_motions[2]), embedder.transform(basic_motions[2]))


def test_from_pretrained_then_set_params_is_the_documented_start(saved, basic_motions):
    _, path = saved
    template = HiMAEEmbedder.from_pretrained(path).set_params(pretrained=path, layer=2)
    embedder = clone(template).fit(basic_motions[0])
    assert embedder.transform(basic_motions[0]).shape == (40, 2 * 16)  # level 2: the encoder's 16 and the decoder's


def test_pretrained_errors_name_the_parameter(saved, basic_motions, tmp_path):
    source, path = saved
    X = basic_motions[0]
    with pytest.raises(ValueError, match=r"pretrained: .*size='auto' \(pretrained: 'tiny'\)"):
        HiMAEEmbedder(**COMMON, pretrained=path).fit(X)
    with pytest.raises(ValueError, match="pretrained=HiMAEEmbedder.* is not fitted.*FrozenEstimator"):
        clone(HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON, pretrained=source)).fit(X)
    with pytest.raises(ValueError, match="pretrained must be a fitted AIMEmbedder"):
        AIMEmbedder(**COMMON, pretrained=FrozenEstimator(source)).fit(X)
    with pytest.raises(ValueError, match="AIMEmbedder.from_pretrained needs"):
        AIMEmbedder(**COMMON, pretrained=path).fit(X)
    with pytest.raises(ValueError, match="X has 3 channels, but the pretrained embedder was fitted with 6"):
        HiMAEEmbedder(**FAST[HiMAEEmbedder], **COMMON, pretrained=path).fit(X[:, :3])
    with pytest.raises(InvalidParameterError, match="'pretrained' parameter"):
        HiMAEEmbedder(pretrained=3).fit(X)
    with pytest.raises(InvalidParameterError, match="'pretrained_scaling' parameter"):
        HiMAEEmbedder(pretrained=path, pretrained_scaling="relearn").fit(X)


def test_continue_pretraining_adapts_the_loaded_network(saved, basic_motions):
    source, _ = saved  # the code path is the embedders' shared one: HiMAE stands for the three
    X = basic_motions[2][:20]
    params = {**FAST[HiMAEEmbedder], **COMMON, "pretrained": FrozenEstimator(source), "continue_pretraining": True}
    adapted = HiMAEEmbedder(**{**params, "max_epochs": 2}).fit(X)
    assert len(adapted.net_.history) == 2  # trained on X, from the source's weights and scaling
    np.testing.assert_array_equal(adapted.channel_center_, source.channel_center_)
    pairs = list(zip(adapted.net_.module_.parameters(), source.net_.module_.parameters()))
    assert any(not np.array_equal(ours.detach().numpy(), theirs.detach().numpy()) for ours, theirs in pairs)
    # it starts from the pretrained weights, not a fresh network: a step of lr 1e-12 keeps them
    still = HiMAEEmbedder(**{**params, "lr": 1e-12}).fit(X)
    for ours, theirs in zip(still.net_.module_.parameters(), source.net_.module_.parameters()):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-6)
    np.testing.assert_array_equal(clone(adapted).fit(X).transform(X[:5]), adapted.transform(X[:5]))  # reproducible
