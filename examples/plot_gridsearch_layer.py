"""
Grid search over the HiMAE level, pretraining once per fold
===========================================================

:class:`~sklearn_msae.HiMAEEmbedder` embeds one level of its encoder (``layer``),
and each level summarises the series at another time scale. Which level suits a task
is a hyperparameter like any other: search it with
:class:`~sklearn.model_selection.GridSearchCV`.

``layer`` and ``pooling`` only change what ``transform`` reads out of the network, not
what ``fit`` learns. With ``memory`` set (a folder or a :class:`joblib.Memory`) and an
int ``random_state``, a fit with the same data and the same other parameters loads the
cached network instead of pretraining again, so the whole search costs one pretraining
per fold (plus one for the refit), whatever the number of candidates.
"""

# %%
# Data and pipeline
# -----------------
import shutil
import tempfile
import time

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import load_uea

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")

cache = tempfile.mkdtemp(prefix="msae_cache_")  # the pretrained networks go here
pipe = Pipeline(
    [
        ("emb", HiMAEEmbedder(size="tiny", max_epochs=20, random_state=0, memory=cache)),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=1000)),
    ]
)

# %%
# Search the level and the pooling
# --------------------------------
# 4 levels x 2 poolings x 3 folds = 24 fits of the pipeline, but only 3 pretrainings
# (one per fold) and 1 for the refit on the whole training split.
param_grid = {"emb__layer": [1, 2, 3, 4], "emb__pooling": ["mean", "meanmax"]}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(pipe, param_grid, cv=cv)

start = time.perf_counter()
search.fit(X_train, y_train)
print(f"search: {time.perf_counter() - start:.1f} s")
print("best:", search.best_params_, f"CV accuracy {search.best_score_:.3f}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# The scores per candidate:
results = pd.DataFrame(search.cv_results_)
table = results.pivot_table(index="param_emb__layer", columns="param_emb__pooling", values="mean_test_score")
print(table.round(3))

# %%
# A second search reuses the cache
# --------------------------------
# Tuning the probe's regularisation changes nothing that the embedder learns: every
# pretraining is loaded from the cache, and the search costs only the embeddings and
# the logistic regressions.
start = time.perf_counter()
probe_search = GridSearchCV(
    search.best_estimator_, {"clf__C": [0.01, 0.1, 1.0, 10.0]}, cv=cv
).fit(X_train, y_train)
print(f"second search: {time.perf_counter() - start:.1f} s, best {probe_search.best_params_}")

# %%
# Plot the mean CV accuracy per level
# -----------------------------------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
for pooling, column in table.items():
    ax.plot(table.index.astype(str), column, marker="o", label=f"pooling={pooling!r}")
ax.set_xlabel("encoder level (emb__layer)")
ax.set_ylabel("mean CV accuracy")
ax.legend()
fig.tight_layout()

shutil.rmtree(cache)  # the cache is only needed during the searches
plt.show()
