"""
Quick start: HiMAE embeddings and a linear classifier on BasicMotions
=====================================================================

An embedder of sklearn-msae is a scikit-learn transformer: ``fit`` pretrains a masked
autoencoder on the series without looking at the labels, ``transform`` turns every
series into one fixed-width row of features. Any scikit-learn estimator can then be
trained on those rows. Here :class:`~sklearn_msae.HiMAEEmbedder` and a logistic
regression classify the four activities of BasicMotions (accelerometer and gyroscope,
6 channels, 100 time steps), a data set that ships with sktime.
"""

# %%
# Load the data
# -------------
# :func:`~sklearn_msae.datasets.load_uea` reads UEA/UCR ``.ts`` files found locally
# (BasicMotions comes with sktime) and returns a numpy array
# ``(n_series, n_channels, n_timepoints)``; NaN would mark missing values.
from sklearn_msae.datasets import load_uea

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
print(f"train {X_train.shape}, test {X_test.shape}, classes: {', '.join(sorted(set(y_train)))}")

# %%
# Build and fit the pipeline
# --------------------------
# The embedder is pretrained on ``X_train`` inside ``pipe.fit`` (self-supervised: it
# learns to reconstruct hidden patches of each series); the classifier is then fitted
# on the embeddings. ``max_epochs=30`` keeps this example fast on a CPU; the default
# is 100. An int ``random_state`` makes the pretraining reproducible.
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import HiMAEEmbedder

pipe = make_pipeline(
    HiMAEEmbedder(max_epochs=30, random_state=0),
    StandardScaler(),
    LogisticRegression(max_iter=1000),
)
pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# The embedding is an ordinary feature matrix: one row per series, named columns.
embedder = pipe[0]
Z_test = embedder.transform(X_test)
print(Z_test.shape, embedder.get_feature_names_out()[:3])

# %%
# Which activities are confused?
# ------------------------------
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay

ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test, colorbar=False)
plt.title("HiMAE + logistic regression, BasicMotions test split")
plt.tight_layout()

# %%
# The pretraining curve
# ---------------------
# The skorch net inside the fitted embedder (``net_``) keeps the training history: the
# masked-reconstruction loss per epoch, on the scaled data.
train_loss = embedder.net_.history[:, "train_loss"]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, len(train_loss) + 1), train_loss, marker=".")
ax.set_xlabel("epoch")
ax.set_ylabel("masked reconstruction loss")
ax.set_title("HiMAE pretraining on BasicMotions")
fig.tight_layout()
plt.show()
