"""The UEA benchmark configuration shared by ``uea.py``, ``finetune.py`` and ``select_config.py``.

- `EMBEDDERS`: the embedders as the UEA benchmarks run them, ``(epochs, seed) -> unfitted
  embedder``; ``romae`` is the RoMAE benchmark configuration (width 64, 4 heads, 2 blocks,
  a 1-block decoder, mean pooling, batch size 16), the paper's RoMAE-tiny (180 wide, 12
  blocks, 400 epochs) being out of reach of a shared 2-core CPU;
- `ROMAE_PAPER`: the RoMAE paper's fine-tuned RoMAE-tiny with 30 % of the time steps dropped;
- the data sets, epochs and fine-tuning configurations of ``uea.py`` (`DATASETS`,
  `epochs_for`, `FINETUNE_PARAMS`, `finetune_params`) and its ``--quick`` sizes (`QUICK`),
  which ``select_config.py`` scores candidates for;
- `OFFLINE_UEA`, every UEA set available offline, and `CHECKPOINT`, the shipped
  checkpoint, which ``peers.py`` and ``label_scarce.py`` evaluate.

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder

#: Every UEA set available offline: BasicMotions (shipped with sktime) and the ten of ``$SKLEARN_MSAE_DATA``.
OFFLINE_UEA = [
    "ArticularyWordRecognition", "AtrialFibrillation", "BasicMotions", "Epilepsy", "FingerMovements",
    "JapaneseVowels", "LSST", "Libras", "PenDigits", "RacketSports", "StandWalkJump",
]
#: The checkpoint shipped in the package (`sklearn_msae.list_pretrained`), made by ``pretrain_checkpoint.py``.
CHECKPOINT = "himae-corpus-ci"

#: Embedder factories ``(pretraining epochs, seed) -> unfitted embedder``.
EMBEDDERS = {
    "himae": lambda epochs, seed: HiMAEEmbedder(max_epochs=epochs, device="cpu", random_state=seed),
    "aim": lambda epochs, seed: AIMEmbedder(max_epochs=epochs, device="cpu", random_state=seed),
    "romae": lambda epochs, seed: RoMAEEmbedder(
        pooling="mean", embed_dim=64, num_heads=4, depth=2, decoder_embed_dim=64, decoder_num_heads=4,
        decoder_depth=1, max_epochs=epochs, max_steps=None, batch_size=16, device="cpu", random_state=seed,
    ),
}
#: RoMAE paper, fine-tuned RoMAE-tiny, 30 % of the time steps dropped (romae.md spec).
ROMAE_PAPER = {"BasicMotions": 0.9917, "Epilepsy": 0.9517, "LSST": 0.6225}
ROMAE_PAPER_RATE = 0.3

DATASETS = ["BasicMotions", "Epilepsy", "LSST", "RacketSports", "JapaneseVowels", "ArticularyWordRecognition"]
DEFAULT_EPOCHS = {"pretrain": 100, "finetune": 30}
#: LSST has 10-20 times more series than the others: fewer epochs, still as many optimiser steps.
EPOCHS = {"LSST": {"pretrain": 20, "finetune": 10}}
#: MAEClassifier parameters per data set and embedder, each chosen by ``benchmarks/select_config.py`` (CV on the
#: training split). The CSV records only the epochs: after a change here, delete the embedder's rows of the data set.
FINETUNE_PARAMS: dict[str, dict[str, dict]] = {
    "Epilepsy": {
        "himae": {"max_epochs": 60, "observation_dropout": 0.2},
        "aim": {"max_epochs": 60, "observation_dropout": 0.2},
        "romae": {"max_epochs": 60, "observation_dropout": 0.0},
    },
}

#: ``--quick``: one data set, one seed, tiny networks, one epoch of each training.
QUICK = {
    "datasets": ["BasicMotions"],
    "seeds": [0],
    "epochs": {"pretrain": 1, "finetune": 1},
    "embedder_params": {
        "himae": {"size": "tiny"},
        "aim": {"size": "tiny"},
        "romae": {"embed_dim": 16, "num_heads": 2, "depth": 1, "decoder_embed_dim": 16, "decoder_num_heads": 2},
    },
}


def epochs_for(dataset: str, quick: bool) -> dict:
    """Pretraining and fine-tuning epochs of a data set (``QUICK``'s with ``quick``)."""
    return QUICK["epochs"] if quick else EPOCHS.get(dataset, DEFAULT_EPOCHS)


def make_embedder(method: str, pretrain_epochs: int, seed: int, quick: bool):
    """``EMBEDDERS[method]``, at ``QUICK``'s tiny sizes with ``quick``."""
    embedder = EMBEDDERS[method](pretrain_epochs, seed)
    return embedder.set_params(**QUICK["embedder_params"][method]) if quick else embedder


def finetune_params(dataset: str, method: str, quick: bool) -> dict:
    """MAEClassifier parameters of an embedder's fine-tuning on a data set: its epochs, then ``FINETUNE_PARAMS``."""
    selected = {} if quick else FINETUNE_PARAMS.get(dataset, {}).get(method, {})
    return {"max_epochs": epochs_for(dataset, quick)["finetune"], **selected}
