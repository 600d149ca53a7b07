"""
AIM on gappy sensor data: NaN in, embeddings out
================================================

Wearable recordings have holes: a device taken off for a while, a sensor that drops
out, scattered lost samples. :class:`~sklearn_msae.AIMEmbedder` (LSM-2's Adaptive and
Inherited Masking) takes NaN as it is: a patch with no observed value becomes a masked
token, handled like the tokens it hides on purpose during pretraining, so there is no
imputation step to choose or tune.

Here AIM is pretrained on BasicMotions series with gaps, probed with a logistic
regression, and tested under four kinds of missingness. The :doc:`/missing_data` page
compares how the three embedders treat NaN.
"""

# %%
# Gappy training data
# -------------------
# BasicMotions records an accelerometer (channels 0-2) and a gyroscope (channels 3-5).
# In a quarter of the training series the gyroscope is off; in another quarter, 30 % of
# the recording is lost in one block (:func:`~sklearn_msae.datasets.make_masking_task`
# hides values and returns what it hid).
import numpy as np

from sklearn_msae.datasets import load_uea, make_masking_task

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")

X_train[0::4, 3:] = np.nan  # gyroscope off
X_window, _ = make_masking_task(X_train, kind="interpolation", rate=0.3, random_state=0)
X_train[1::4] = X_window[1::4]  # a 30 % gap in every channel
print(f"training values missing: {np.isnan(X_train).mean():.0%}")

# %%
# Pretrain and probe
# ------------------
# ``size="tiny"`` and 30 epochs keep this example fast on a CPU (the defaults are
# ``"small"`` and 100).
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import AIMEmbedder

pipe = make_pipeline(
    AIMEmbedder(size="tiny", max_epochs=30, random_state=0),
    StandardScaler(),
    LogisticRegression(max_iter=1000),
)
pipe.fit(X_train, y_train)

# %%
# Test under missingness
# ----------------------
# The same test series, complete and with values hidden in four ways. NaN goes straight
# into ``predict``: nothing is filled in first. A missing sensor costs AIM little;
# scattered missing values cost more, because a 10-step token with a few NaN stays
# visible with those values set to 0.
test_sets = {"complete": X_test}
test_sets["gyroscope off"] = X_test.copy()
test_sets["gyroscope off"][:, 3:] = np.nan
test_sets["50 % window"], _ = make_masking_task(X_test, kind="interpolation", rate=0.5, random_state=0)
test_sets["30 % random"], _ = make_masking_task(X_test, kind="random", rate=0.3, random_state=0)
test_sets["last 30 %"], _ = make_masking_task(X_test, kind="extrapolation", rate=0.3)

accuracy = {name: pipe.score(X, y_test) for name, X in test_sets.items()}
for name, score in accuracy.items():
    print(f"{name:>15}: {score:.3f}")

# %%
# Per-sensor embeddings
# ---------------------
# ``pooling="channel"`` returns one block of features per channel (a channel with no
# observed value gives zeros). It is transform-only: the fitted network is reused.
embedder = pipe[0]
Z = embedder.set_params(pooling="channel").transform(test_sets["gyroscope off"])
blocks = Z.reshape(len(Z), embedder.n_channels_, -1)
print("features per channel:", blocks.shape[2], "| gyroscope blocks all zero:", bool((blocks[:, 3:] == 0).all()))
embedder.set_params(pooling="mean")

# %%
# Plot
# ----
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5.5, 3))
ax.barh(list(accuracy), list(accuracy.values()), color="tab:blue")
ax.set_xlim(0, 1)
ax.invert_yaxis()
ax.set_xlabel("test accuracy")
ax.set_title("AIMEmbedder + logistic regression, BasicMotions")
fig.tight_layout()
plt.show()
