"""Datasets: UEA/UCR loaders, masking tasks and a store of series on disk.

`load_uea` reads ``<data_home>/<Name>/<Name>_{TRAIN,TEST}.ts`` through sktime's
``.ts`` reader and can punch the irregular-sampling holes of Kidger et al. (2020),
"Neural Controlled Differential Equations for Irregular Time Series" (also used by
RoMAE): per series, ``int(missing_rate * T)`` whole time steps are dropped.
`list_uea` lists the datasets that can be found. Nothing is ever downloaded.
`make_masking_task` hides values of a panel to score imputation (HiMAE's generative
tasks). `SeriesStore` reads a folder of ``.npy`` shards as one panel, streamed by
``fit`` for data that does not fit in memory. `build_pretraining_corpus` writes such a
store: univariate windows of the UEA training splits, sktime's bundled series and
simulated physiological and synthetic signals, with a manifest of sources and licences.

The files are looked for in an explicit ``data_home`` only, or else in the folder named
by the environment variable ``SKLEARN_MSAE_DATA``, then among the
datasets bundled with sktime.

The code lives by topic: ``_uea.py`` (loading), ``_masking.py`` (masking tasks), ``_corpus.py``
(the pretraining corpus) and
``sklearn_msae._streaming`` (`SeriesStore`, with the rest of the streaming code).
"""

from .._streaming import SeriesStore
from ._corpus import build_pretraining_corpus
from ._masking import make_masking_task
from ._uea import DATA_ENV_VAR, list_uea, load_uea

__all__ = ["SeriesStore", "build_pretraining_corpus", "list_uea", "load_uea", "make_masking_task"]
