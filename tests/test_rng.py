"""The library never moves the caller's global torch RNG (docs/user_guide.md, "Reproducibility").

Every random draw of fitting, loading and scoring happens in a forked generator, so a
user's own seeded torch code gives the same numbers whether or not an embedder ran in
between.
"""

import numpy as np
import pytest
import torch

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEClassifier, RoMAEEmbedder

TINY = dict(max_epochs=1, batch_size=16, device="cpu", random_state=0)
EMBEDDERS = [
    HiMAEEmbedder(size="tiny", **TINY),
    AIMEmbedder(size="tiny", **TINY),
    RoMAEEmbedder(embed_dim=16, depth=1, num_heads=2, decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, **TINY),
]


def _leaves_rng_untouched(call):
    """``call()``'s result, after checking that the global torch RNG state is the same before and after it."""
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    result = call()
    assert torch.equal(torch.get_rng_state(), before), "the global torch RNG state changed"
    return result


@pytest.mark.parametrize("embedder", EMBEDDERS, ids=lambda embedder: type(embedder).__name__)
def test_fit_load_transform_and_score_leave_the_global_rng_untouched(embedder, basic_motions, tmp_path):
    X = basic_motions[0][:24]
    fitted = _leaves_rng_untouched(lambda: embedder.fit(X))
    _leaves_rng_untouched(lambda: fitted.transform(X))
    _leaves_rng_untouched(lambda: fitted.score(X))
    fitted.save_pretrained(tmp_path)
    loaded = _leaves_rng_untouched(lambda: type(embedder).from_pretrained(tmp_path))
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_classifier_fit_leaves_the_global_rng_untouched(basic_motions):
    X, y = basic_motions[0][:24], basic_motions[1][:24]
    classifier = MAEClassifier(HiMAEEmbedder(size="tiny", **TINY), **TINY)
    _leaves_rng_untouched(lambda: classifier.fit(X, y))
    _leaves_rng_untouched(lambda: classifier.predict_proba(X))
