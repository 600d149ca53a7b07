"""sktime adapters of the embedders and a UEA benchmark built on sktime.

The adapters are sktime transformers (Series -> Primitives: one row of embedding
features per instance) that plug into sktime pipelines, e.g.
``HiMAETransformer() * LogisticRegression()``, tuning and benchmarking; see
`sklearn_msae.sktime.benchmark.run_uea_benchmark`.
"""

from .aim import AIMTransformer
from .himae import HiMAETransformer
from .romae import RoMAETransformer

__all__ = ["AIMTransformer", "HiMAETransformer", "RoMAETransformer"]

from .impute import MAEImputerTransformer  # noqa: E402  (Series -> Series: fills NaN)

__all__ += ["MAEImputerTransformer"]
