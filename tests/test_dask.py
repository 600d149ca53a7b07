"""GridSearchCV fanned out with joblib's Dask backend on a loopback LocalCluster.

The search over ``emb__layer`` must give what the sequential search gives, and the
``memory`` cache, shared by the worker processes, must hold one pretraining per fold.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_msae import HiMAEEmbedder

# ImportError, not only a missing module: distributed imports ssl at import time, and a
# Python whose _ssl extension does not load (seen on a CI machine) cannot run it at all.
distributed = pytest.importorskip(
    "distributed", reason="dask.distributed cannot be imported here", exc_type=ImportError
)

LAYERS = [1, 2, 3, 4]
N_FOLDS = 3


@pytest.fixture(scope="module")
def dask_client():
    """A client of 2 worker processes of one thread, listening on 127.0.0.1 only.

    Processes, not threads: `pretrain` seeds torch's global RNG, which threads of one
    process share, so two fits running in threads of one worker would draw from each
    other's random streams and train different weights from run to run.

    CPU kernels split their reductions by thread, so one fit gives different floats
    with a different torch thread count: the workers and this process (the local
    search, the refit) all run torch on 1 thread, as 2 workers already fill 2 cores.
    A worker's torch reads its thread count from the environment when it starts, and
    an inherited variable overrides the nanny's defaults, so it is set before spawning.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OMP_NUM_THREADS", "1")
            patch.setenv("MKL_NUM_THREADS", "1")  # torch prefers it to OMP_NUM_THREADS when both are set
            with distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            ) as cluster, distributed.Client(cluster) as client:
                yield client
    finally:
        torch.set_num_threads(threads)


def search(X, y, cache):
    # CPU even where CUDA is present: CUDA kernels are not bitwise reproducible
    embedder = HiMAEEmbedder(size="tiny", max_epochs=5, random_state=0, device="cpu", memory=str(cache))
    pipe = Pipeline([("emb", embedder), ("clf", LogisticRegression(max_iter=1000))])
    return GridSearchCV(pipe, {"emb__layer": LAYERS}, cv=N_FOLDS).fit(X, y)


def n_cached_pretrainings(cache: Path) -> int:
    # joblib.Memory keeps one folder, holding output.pkl, per distinct call
    return len(list(cache.rglob("output.pkl")))


def test_dask_search_matches_the_local_search(basic_motions, tmp_path, dask_client):
    X_train, y_train, _, _ = basic_motions
    assert set(dask_client.run(torch.get_num_threads).values()) == {torch.get_num_threads()}
    local = search(X_train, y_train, tmp_path / "local")
    with parallel_config("dask"):
        fanned_out = search(X_train, y_train, tmp_path / "dask")

    assert fanned_out.best_params_ == local.best_params_
    for key in ["mean_test_score", *(f"split{fold}_test_score" for fold in range(N_FOLDS))]:
        np.testing.assert_array_equal(fanned_out.cv_results_[key], local.cv_results_[key])
    # the workers filled the one shared cache, keyed by fold and not by layer: the
    # search used one network per fold, plus the refit's. joblib.Memory takes no lock,
    # so two workers missing the same fold at once may both train it (to identical
    # weights), which is why this counts networks, not training runs.
    assert n_cached_pretrainings(tmp_path / "dask") == N_FOLDS + 1  # one per fold, one refit
