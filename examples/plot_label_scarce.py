"""
Few labels: probe the shipped checkpoint, or pretrain on your unlabelled pool
=============================================================================

With a handful of labelled series, a classifier trained end to end has almost nothing
to learn from; a frozen encoder turns every series into features, and only a linear
probe is fitted on the labels. This example keeps **5 labelled series per class** of
BasicMotions (accelerometer and gyroscope, 6 channels, 4 activities; it ships with
sktime) and compares three encoders under the same probe (standardisation + logistic
regression):

1. the checkpoint shipped with the package, ``himae-corpus-ci`` (see
   ``docs/pretrained.md``): no pretraining at all, ``fit`` learns only the
   per-channel scaling of ``X``;
2. a :class:`~sklearn_msae.HiMAEEmbedder` pretrained here on the whole training split
   *without its labels*, the unlabelled pool, then frozen;
3. MiniRocket (random convolutional kernels, no training), the usual baseline.

Every number below is measured when the example runs; none is typed in. They come
from 20 labelled series, so expect a spread of several points between runs and
encoders.
"""

# %%
# Few labels, a larger unlabelled pool
# ------------------------------------
# The training split has 40 series (10 per class). Its labels are kept for 5 series
# per class; all 40 series serve as the unlabelled pool. The test split (40 series)
# is held out: neither the pool nor the checkpoint's corpus holds a test series (the
# corpus holds only training splits).
import numpy as np

from sklearn_msae.datasets import load_uea

X_pool, y_pool = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
rng = np.random.default_rng(0)
few = np.concatenate([rng.choice(np.flatnonzero(y_pool == label), size=5, replace=False) for label in np.unique(y_pool)])
X_few, y_few = X_pool[few], y_pool[few]
print(f"unlabelled pool {X_pool.shape}, labelled {X_few.shape} ({len(few) // 4} per class), test {X_test.shape}")

# %%
# The shipped checkpoint in a pipeline
# ------------------------------------
# :func:`~sklearn_msae.list_pretrained` names the checkpoints installed with the
# package. ``HiMAEEmbedder.from_pretrained(name)`` loads one; it keeps the name as its
# ``pretrained`` parameter, so the ``fit`` of every clone that ``cross_val_score``
# makes loads the checkpoint again and learns only the scaling of that fold's series:
# no labels, no pretraining, a fraction of a second. The checkpoint encodes every
# channel alone (``channel_mode="independent"``), so its univariate network embeds
# the 6 channels of BasicMotions, side by side (``channel_pooling="concat"``).
# The checkpoint resamples series shorter than its 128-step pretraining windows
# (BasicMotions has 100 steps) to that length (its ``stretch_to=128``), so the network
# sees them at the time scale it learned.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import HiMAEEmbedder, list_pretrained

print("shipped checkpoints:", list_pretrained())
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def probe(encoder):
    return make_pipeline(encoder, StandardScaler(), LogisticRegression(max_iter=1000))


def report(name, pipe):
    """Cross-validated accuracy on the 20 labels, then the test accuracy of a fit on all 20."""
    scores = cross_val_score(pipe, X_few, y_few, cv=cv)
    test = pipe.fit(X_few, y_few).score(X_test, y_test)
    print(f"{name:<34} CV on 20 labels {scores.mean():.3f} +- {scores.std():.3f} | test {test:.3f}")
    return scores.mean(), test


results = {}
checkpoint = HiMAEEmbedder.from_pretrained("himae-corpus-ci", verbose=0)
results["himae-corpus-ci (shipped)"] = report("himae-corpus-ci (shipped)", probe(checkpoint))

# %%
# The same encoder, its scaling learned on the whole pool: fitted once outside the
# pipeline and wrapped in :class:`~sklearn.frozen.FrozenEstimator`, it is not refitted
# inside the cross-validation (the scaling comes from all 40 unlabelled series).
from sklearn.frozen import FrozenEstimator

pooled = FrozenEstimator(HiMAEEmbedder.from_pretrained("himae-corpus-ci", verbose=0).fit(X_pool))
results["himae-corpus-ci, pool scaling"] = report("himae-corpus-ci, pool scaling", probe(pooled))

# %%
# Pretraining your own encoder on the unlabelled pool
# ---------------------------------------------------
# Without a checkpoint that suits your data, pretrain a HiMAE on every unlabelled
# series you have (here the 40 training series, labels dropped), freeze it, and probe
# it with the few labels. ``max_epochs=30`` keeps this example fast; a larger pool or
# the default 100 epochs pretrains further.
own = HiMAEEmbedder(max_epochs=30, random_state=0, verbose=0).fit(X_pool)
results["HiMAE pretrained on the pool"] = report("HiMAE pretrained on the pool", probe(FrozenEstimator(own)))

# %%
# MiniRocket, the baseline
# ------------------------
# sktime's ``MiniRocketMultivariate`` (10,000 random kernels; it learns nothing from
# the series but the bias quantiles) under the same probe. A small scikit-learn
# wrapper holds it: this scikit-learn's ``Pipeline`` does not take the sktime
# transformer itself as a step.
from sklearn.base import BaseEstimator, TransformerMixin
from sktime.transformations.rocket import MiniRocketMultivariate


class MiniRocket(TransformerMixin, BaseEstimator):
    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y=None):
        self.rocket_ = MiniRocketMultivariate(random_state=self.random_state).fit(X)
        return self

    def transform(self, X):
        return self.rocket_.transform(X).to_numpy()


results["MiniRocket"] = report("MiniRocket", probe(MiniRocket(random_state=0)))

# %%
# The accuracies side by side
# ---------------------------
import matplotlib.pyplot as plt

names = list(results)
cv_means, tests = np.array([results[name] for name in names]).T
positions = np.arange(len(names))
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(positions - 0.2, cv_means, height=0.4, label="CV on the 20 labels")
ax.barh(positions + 0.2, tests, height=0.4, label="test split (40 series)")
ax.set_yticks(positions, names)
ax.invert_yaxis()
ax.set_xlim(0, 1)
ax.set_xlabel("accuracy")
ax.set_title("BasicMotions, 5 labels per class")
ax.legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
