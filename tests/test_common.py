"""scikit-learn's (and sktime's) own estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_msae import HiMAEEmbedder

# Tiny settings: the checks fit dozens of times on 2-D data with a handful of columns.
FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0}
ESTIMATORS = [
    HiMAEEmbedder(channels=(4, 8), patch_size=1, **FAST),
    HiMAEEmbedder(channels=(4, 8), patch_size=2, layer="all", pooling="meanmax", scaling="standard", **FAST),
    # AIM estimators
    # RoMAE estimators
]

# Checks that cannot hold for an estimator class, with the reason (none so far).
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}))
def test_sklearn_compatible(estimator, check):
    check(estimator)
