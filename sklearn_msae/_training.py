"""Training core: a skorch ``NeuralNet`` whose module computes its own masked loss.

Every network's ``forward(**batch)`` returns ``(loss, pred, mask)`` (the FB MAE
convention), so the net has no criterion and no target: ``get_loss`` reads the loss
from the module. Everything else (optimiser, LR schedule, clipping, early stopping,
progress) is plain skorch; we override hooks, never ``fit``.
"""

from __future__ import annotations

import math
from functools import partial

import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, GradientNormClipping, LRScheduler, ProgressBar
from skorch.dataset import ValidSplit
from torch.optim.lr_scheduler import LambdaLR


def warmup_cosine(step: int, *, warmup_steps: int, total_steps: int) -> float:
    """LR multiplier: linear warm-up over ``warmup_steps``, then cosine decay to 0.

    A module-level function (bound with ``functools.partial``) so that the net pickles;
    a lambda would not.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def resolve_device(device: str) -> str:
    """``"auto"`` is CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class MaskedPretrainer(NeuralNet):
    """skorch net for masked pretraining: ``X`` is a dict batch, ``y`` is ``None``.

    The module's ``forward(**batch)`` returns ``(loss, pred, mask)``; the loss is the
    first element. There is no criterion.
    """

    def __init__(self, module, *args, criterion=None, **kwargs):
        super().__init__(module, criterion, *args, **kwargs)

    def initialize_criterion(self):
        # the module computes its own masked loss: there is no criterion to build
        self.criterion_ = None
        return self

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss, _pred, _mask = y_pred
        return loss

    def fit_loop(self, X, y=None, **fit_params):
        # skorch's partial_fit swallows KeyboardInterrupt and returns a half-trained
        # net; remember a user's interrupt so `pretrain` re-raises instead of caching
        # that state. skorch's EarlyStopping also stops by raising KeyboardInterrupt,
        # after exhausting its patience: that one is a normal end of training.
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:
            stopper = dict(self.callbacks_).get("early_stopping")
            self.interrupted_ = stopper is None or stopper.misses_ < stopper.patience
            raise


def make_pretrainer(
    module: type[torch.nn.Module],
    module_kwargs: dict,
    *,
    n_samples: int,
    max_epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    warmup_fraction: float,
    gradient_clip: float | None,
    patience: int | None,
    validation_fraction: float,
    device: str,
    verbose: int,
    seed: int,
) -> MaskedPretrainer:
    """Build the skorch net with AdamW, warm-up + cosine LR, clipping and early stopping.

    The LR schedule steps every batch; its length is computed from ``n_samples`` and
    the validation split so the cosine reaches 0 at the last batch of ``max_epochs``.
    """
    n_valid = math.ceil(validation_fraction * n_samples) if validation_fraction else 0
    steps_per_epoch = math.ceil((n_samples - n_valid) / batch_size)
    total_steps = max_epochs * steps_per_epoch
    schedule = partial(
        warmup_cosine, warmup_steps=max(1, round(warmup_fraction * total_steps)), total_steps=total_steps
    )
    callbacks = [("lr_schedule", LRScheduler(policy=LambdaLR, lr_lambda=schedule, step_every="batch"))]
    if gradient_clip:
        callbacks.append(("gradient_clip", GradientNormClipping(gradient_clip_value=gradient_clip)))
    if patience:
        monitor = "valid_loss" if n_valid else "train_loss"
        callbacks.append(("early_stopping", EarlyStopping(monitor=monitor, patience=patience, load_best=True)))
    if verbose:
        callbacks.append(("progress", ProgressBar()))
    return MaskedPretrainer(
        module,
        max_epochs=max_epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=weight_decay,
        train_split=ValidSplit(validation_fraction, stratified=False, random_state=seed) if n_valid else None,
        iterator_train__shuffle=True,
        callbacks=callbacks,
        device=resolve_device(device),
        verbose=verbose,
        **{f"module__{key}": value for key, value in module_kwargs.items()},
    )


def pretrain(module, module_kwargs: dict, batch: dict, train_kwargs: dict, seed: int, device: str, verbose: int):
    """Pretrain a fresh network on ``batch``; return its CPU weights and skorch history.

    A pure function of its arguments (the torch RNG is forked and seeded with
    ``seed``), which is what lets ``joblib.Memory`` cache it: ``device`` and ``verbose``
    change neither the result nor the cache key.
    """
    n_samples = len(next(iter(batch.values())))
    net = make_pretrainer(
        module, module_kwargs, n_samples=n_samples, device=device, verbose=verbose, seed=seed, **train_kwargs
    )
    cuda = [torch.cuda.current_device()] if net.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        net.fit(batch, y=None)
    if net.interrupted_:
        raise KeyboardInterrupt("pretraining was interrupted; the estimator stays unfitted")
    state = {name: tensor.detach().cpu() for name, tensor in net.module_.state_dict().items()}
    return state, net.history.to_list()
