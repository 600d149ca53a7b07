"""
Resolution profile: which time scale carries the signal?
========================================================

Every level of :class:`~sklearn_msae.HiMAEEmbedder`'s encoder halves the time axis,
so level ``k`` summarises windows of about ``2**k`` samples. A *resolution profile*
scores a linear probe on the embedding of every level:
:func:`~sklearn_msae.inspection.resolution_profile` pretrains the network once per
cross-validation fold and only changes the transform-only parameter ``layer`` between
probes, and :func:`~sklearn_msae.inspection.plot_resolution_profile` draws the mean and
standard deviation over folds.

A profile that peaks at fine levels points to short events (a step, a spike); one that
peaks at the bottleneck to slow, global patterns. See the
:doc:`resolution profile tutorial </resolution_profile>` for how to read it.
"""

# %%
# Data
# ----
# The training and test splits of BasicMotions together, 80 series, cross-validated
# with 4 stratified folds.
import numpy as np

from sklearn_msae.datasets import load_uea

X, y = load_uea("BasicMotions")  # split=None: train then test
print(X.shape, np.unique(y))

# %%
# One profile, one pretraining per fold
# -------------------------------------
# ``layers`` defaults to ``1 .. n_levels``; ``"all"`` (every level concatenated) is
# added for comparison. The probe defaults to ``StandardScaler`` +
# ``LogisticRegression``. 20 epochs keep this example fast on a CPU (the default is
# 100).
from sklearn_msae import HiMAEEmbedder
from sklearn_msae.inspection import plot_resolution_profile, resolution_profile

layers = [1, 2, 3, 4, "all"]
profile_small = resolution_profile(HiMAEEmbedder(max_epochs=20, random_state=0), X, y, cv=4, layers=layers)
print(profile_small.groupby("layer", sort=False)[["n_features", "score"]].mean())

# %%
# The default network (``size="auto"``, which for these 100-step series is ``"small"``'s
# four levels) separates the four activities at every level:
# the profile is flat, the task is easy at every scale. A narrower network
# (``size="tiny"``, half the width per level) has less room per level; its profile
# dips at the coarse levels 3 and 4. With 20 series per test fold the error bars are
# wide, so read such a dip as a hint to confirm (more folds, more data), not a finding.
profile_tiny = resolution_profile(HiMAEEmbedder(size="tiny", max_epochs=20, random_state=0), X, y, cv=4, layers=layers)
print(profile_tiny.groupby("layer", sort=False)[["n_features", "score"]].mean())

# %%
# Plot
# ----
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5.5, 3.5))
plot_resolution_profile(profile_small, ax=ax, label='size="small"')
plot_resolution_profile(profile_tiny, ax=ax, label='size="tiny"')
ax.set_title("HiMAE resolution profile, BasicMotions (4-fold CV)")
fig.tight_layout()
plt.show()

# %%
# With ``memory`` set on the embedder (and an int ``random_state``), a second profile of
# the same network, with another probe or another ``pooling``, loads the pretrained
# networks from the cache instead of pretraining again; see
# :ref:`sphx_glr_auto_examples_plot_gridsearch_layer.py`.
