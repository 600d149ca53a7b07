"""``gap_fill``: what HiMAE's and AIM's encoders read at unobserved values (issue 19)."""

import numpy as np
import pytest

from sklearn_msae import AIMEmbedder, HiMAEEmbedder
from sklearn_msae.datasets import load_uea

EMBEDDERS = {
    "himae": lambda **params: HiMAEEmbedder(size="tiny", max_epochs=3, device="cpu", random_state=0, **params),
    "aim": lambda **params: AIMEmbedder(size="tiny", max_epochs=3, device="cpu", random_state=0, **params),
}


def _drop_steps(X, rate, seed):
    """``X`` with a ``rate`` of each series' time steps set to NaN in every channel."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    for series in X:
        series[:, rng.choice(X.shape[2], int(rate * X.shape[2]), replace=False)] = np.nan
    return X


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_linear_gap_fill_moves_the_embedding_less_than_zeros(name):
    """Dropping 30 % of the steps moves each series' embedding less with interpolated gaps than with zeros."""
    X, _ = load_uea("BasicMotions", split="train")
    X_gappy = _drop_steps(X, 0.3, seed=0)
    moved = {}
    for gap_fill in ("zero", "linear"):
        embedder = EMBEDDERS[name](gap_fill=gap_fill).fit(X)
        complete, gappy = embedder.transform(X), embedder.transform(X_gappy)
        moved[gap_fill] = np.linalg.norm(gappy - complete, axis=1) / np.linalg.norm(complete, axis=1)
    assert np.median(moved["linear"]) < 0.5 * np.median(moved["zero"])
    assert (moved["linear"] < moved["zero"]).mean() > 0.9


def test_aim_gap_fill_changes_nothing_on_complete_series():
    """AIM's encoder never reads a hidden token, so only real gaps are filled (HiMAE's also reads its hidden
    patches as interpolation in pretraining, by design), as long as pretraining makes none (``value_dropout``)."""
    X, _ = load_uea("BasicMotions", split="train")
    embeddings = [EMBEDDERS["aim"](gap_fill=gap_fill, value_dropout=0.0).fit(X).transform(X)
                  for gap_fill in ("zero", "linear")]
    np.testing.assert_array_equal(*embeddings)


def test_himae_pooling_ignores_an_unobserved_tail():
    """A NaN tail embeds as the series without it (the pd-multiindex layout of a shorter series)."""
    X, _ = load_uea("BasicMotions", split="train")
    embedder = EMBEDDERS["himae"](gap_fill="linear").fit(X)
    X_tail = X.copy()
    X_tail[:, :, 60:] = np.nan
    shorter = [series[:, :60] for series in X]  # a list of unequal-length-capable series
    np.testing.assert_allclose(embedder.transform(X_tail), embedder.transform(shorter), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_gap_fill_is_validated(name):
    with pytest.raises(ValueError, match="gap_fill"):
        EMBEDDERS[name](gap_fill="cubic").fit(load_uea("BasicMotions", split="train")[0])


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_value_dropout_changes_the_pretraining_reproducibly(name):
    """Value dropout draws from the seeded stream: the same random_state gives the same network, and
    hiding values in pretraining gives another network than hiding whole patches or tokens only."""
    X, _ = load_uea("BasicMotions", split="train")
    first, again = (EMBEDDERS[name](value_dropout=0.5).fit(X).transform(X) for _ in range(2))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, EMBEDDERS[name](value_dropout=0.0).fit(X).transform(X))

