"""scikit-learn's (and sktime's) own estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder

# Tiny settings: the checks fit dozens of times on 2-D data with a handful of columns.
FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0}
ESTIMATORS = [
    HiMAEEmbedder(channels=(4, 8), patch_size=1, **FAST),
    HiMAEEmbedder(channels=(4, 8), patch_size=2, layer="all", pooling="meanmax", scaling="standard", **FAST),
    AIMEmbedder(size="tiny", patch_size=1, **FAST),
    AIMEmbedder(
        embed_dim=16, depth=1, num_heads=2, decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2,
        patch_size=2, pooling="channel", scaling="minmax", clip=None, **FAST,
    ),
    RoMAEEmbedder(
        embed_dim=16, depth=1, num_heads=2, decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2,
        use_cls=False, pooling="mean", **FAST,
    ),
    RoMAEEmbedder(
        tokens="value", time_scale=0.5, embed_dim=16, depth=2, num_heads=2, decoder_embed_dim=16, decoder_depth=1,
        decoder_num_heads=2, layer=0, scaling="minmax", **FAST,
    ),
]

# Checks that cannot hold for an estimator class, with the reason (none so far).
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}))
def test_sklearn_compatible(estimator, check):
    check(estimator)
