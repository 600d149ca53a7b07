"""
Filling gaps: MAEImputer before any other tool
==============================================

Many tools refuse NaN: MiniRocket, most scikit-learn estimators, a plotting routine.
:class:`~sklearn_msae.MAEImputer` wraps an embedder and fills every missing value with its
decoder's reconstruction; observed values come back unchanged, in the input's format.

Here HiMAE is pretrained on BasicMotions series with 30 % of their values hidden, and its
reconstructions of hidden test values are compared with linear interpolation and with
each channel's mean, on three tasks of the HiMAE paper: scattered values, one interior
block, and the end of the recording.
"""

# %%
# Gappy training data
# -------------------
# :func:`~sklearn_msae.datasets.make_masking_task` hides values (NaN) and returns the
# hidden truth separately.
import numpy as np

from sklearn_msae.datasets import load_uea, make_masking_task

X_train, _ = load_uea("BasicMotions", split="train")
X_test, _ = load_uea("BasicMotions", split="test")
X_train_masked, _ = make_masking_task(X_train, kind="random", rate=0.3, random_state=0)
print(f"training values hidden: {np.isnan(X_train_masked).mean():.0%}")

# %%
# Fit the imputer
# ---------------
# ``size="tiny"`` and 60 epochs keep this example fast on a CPU (the defaults are
# ``"small"`` and 100).
from sklearn_msae import HiMAEEmbedder, MAEImputer

imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=60, batch_size=16, random_state=0))
imputer.fit(X_train_masked)

# %%
# Compare with simple fills
# -------------------------
# The error is measured on the hidden test values only, in each channel's standard
# deviations (learned on the training split), so the channels weigh the same. Scattered
# single values are linear interpolation's best case (each gap is bridged from both
# sides, a step away); over an interior block or the end of the recording it has to
# bridge or extend far, and the learned reconstruction is the better fill.
scale = np.nanstd(X_train, axis=(0, 2))[None, :, None]


def linear_interpolation(X):
    """Each series and channel filled by linear interpolation (held constant at the ends)."""
    X_filled = X.copy()
    steps = np.arange(X.shape[2])
    for series in X_filled:
        for channel in series:
            observed = ~np.isnan(channel)
            channel[~observed] = np.interp(steps[~observed], steps[observed], channel[observed])
    return X_filled


def channel_mean(X):
    """Every hidden value replaced by its channel's training mean."""
    return np.where(np.isnan(X), np.nanmean(X_train, axis=(0, 2))[None, :, None], X)


fills = {"MAEImputer (HiMAE)": imputer.transform, "linear interpolation": linear_interpolation,
         "channel mean": channel_mean}
tasks = {kind: make_masking_task(X_test, kind=kind, rate=0.3, random_state=1)
         for kind in ("random", "interpolation", "extrapolation")}
print(f"{'':>22}" + "".join(f"{kind:>15}" for kind in tasks))
for name, fill in fills.items():
    errors = []
    for X_masked, X_true in tasks.values():
        hidden = ~np.isnan(X_true)
        errors.append(np.mean(((fill(X_masked) - X_true) / scale)[hidden] ** 2))
    print(f"{name:>22}" + "".join(f"{error:15.3f}" for error in errors))

# %%
# Observed values are untouched
# -----------------------------
X_masked, X_true = tasks["interpolation"]
X_filled = imputer.transform(X_masked)
observed = ~np.isnan(X_masked)
print("NaN left:", int(np.isnan(X_filled).sum()),
      "| observed values identical:", bool(np.array_equal(X_filled[observed], X_masked[observed])))

# %%
# Look at the reconstructions
# ---------------------------
# :func:`~sklearn_msae.inspection.plot_reconstruction` draws the observed values, the
# hidden truth and the reconstruction, with each panel's MSE in its title.
import matplotlib.pyplot as plt

from sklearn_msae.inspection import plot_reconstruction

axes = plot_reconstruction(imputer.embedder_, X_masked, X_true, series=[0, 20], channels=[0, 3])
axes[0, 0].figure.set_size_inches(10, 5)
plt.tight_layout()
plt.show()
