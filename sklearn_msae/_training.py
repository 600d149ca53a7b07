"""Training core: a skorch ``NeuralNet`` whose module computes its own masked loss.

Every network's ``forward(**batch)`` returns ``(loss, pred, mask)`` (the FB MAE
convention), so the net has no criterion and no target: ``get_loss`` reads the loss
from the module. Everything else (optimiser, LR schedule, clipping, early stopping,
progress, checkpoints) is plain skorch; we override hooks, never ``fit``.

Data comes either as one in-memory batch dict (skorch slices it, ``ValidSplit`` holds
out validation series) or as a `StreamedBatches` iterable dataset that yields ready
batches (``batch_size=None`` for the data loader, `split_rows` for validation).
"""

from __future__ import annotations

import json
import logging
import math
from functools import partial
from itertools import islice
from pathlib import Path

import joblib
import torch
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback, EarlyStopping, GradientNormClipping, LRScheduler, ProgressBar
from skorch.dataset import ValidSplit
from skorch.hf import AccelerateMixin
from torch.optim.lr_scheduler import LambdaLR

from ._atomic import staged
from ._streaming import StreamedBatches, split_rows
from .nn.finetune import FineTuneNetwork

_CHECKPOINT_FILE = "checkpoint.pt"


logger = logging.getLogger(__name__)

def warmup_cosine(step: int, *, warmup_steps: int, total_steps: int) -> float:
    """LR multiplier: linear warm-up over ``warmup_steps``, then cosine decay to 0.

    A module-level function (bound with ``functools.partial``) so that the net pickles;
    a lambda would not.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def inference_module(net: NeuralNet) -> torch.nn.Module:
    """The module of ``net``, switched to eval mode if it is in training mode.

    ``Module.eval()`` walks every submodule and costs about a fifth of a single-window
    ``transform``, so it only runs when the module's own flag says training (after a fit,
    or after a user's ``train()``).
    """
    module = net.module_
    if module.training:
        module.eval()
    return module


def fused_optimizer(device: str | torch.device) -> dict:
    """skorch optimizer arguments for ``device``: AdamW's fused kernel where torch has it (CPU, CUDA).

    The default per-parameter loop is most of an optimiser step's cost for these small
    networks: 6.1 ms vs 1.1 ms per step for HiMAE-small on one CPU thread
    (``benchmarks/speed.py``, optimiser section).
    """
    return {"optimizer__fused": True} if torch.device(device).type in ("cpu", "cuda") else {}


def resolve_device(device: str) -> str:
    """``"auto"`` is CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def follow_device(net: NeuralNet, device: str) -> None:
    """Move a fitted ``net`` to ``device`` (``"auto"`` resolved) when `set_params` changed it after fit."""
    device = resolve_device(device)
    if torch.device(device) != torch.device(net.device):
        net.module_.to(device)
        net.set_params(device=device)


def forked_rng(device: str | torch.device):
    """`torch.random.fork_rng` for work on ``device``: the CPU generator, and ``device``'s when CUDA.

    What runs inside may seed and draw; the caller's global torch RNG is restored after.
    """
    device = torch.device(device)
    return torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])


def initialized(net: NeuralNet) -> NeuralNet:
    """``net.initialize()`` without drawing from the global torch RNG.

    Building the module draws its initial weights from torch's global generator; every
    caller loads its own weights over them, and the library promises to leave that
    generator as it found it.
    """
    with forked_rng(net.device or "cpu"):
        return net.initialize()


def available_devices() -> list[str]:
    """The ``device`` values this torch can use: ``"auto"``, ``"cpu"`` and each accelerator it sees."""
    devices = ["auto", "cpu"]
    if torch.accelerator.is_available():
        kind = torch.accelerator.current_accelerator().type
        devices += [kind, *(f"{kind}:{i}" for i in range(torch.accelerator.device_count()))]
    return devices


def check_device(device: str) -> str:
    """``device`` resolved (`resolve_device`), or a ValueError naming it and the devices available.

    Without this, a CUDA device on a CPU-only torch fails deep in skorch with torch's
    AssertionError, and a misspelt one with torch's list of every device type it knows.
    """
    resolved = resolve_device(device)
    try:
        parsed = torch.device(resolved)
    except (RuntimeError, TypeError):
        parsed = None
    usable = parsed is not None and (
        parsed.type == "cpu"
        or torch.accelerator.is_available()
        and parsed.type == torch.accelerator.current_accelerator().type
        and (parsed.index is None or parsed.index < torch.accelerator.device_count())
    )
    if not usable:
        raise ValueError(
            f"device={device!r} is not available: this torch {torch.__version__} can use "
            f"{', '.join(map(repr, available_devices()))}"
        )
    return resolved


class InterruptAwareMixin:
    """skorch net mixin that tells a user's Ctrl-C from early stopping, in ``interrupted_``.

    skorch's ``partial_fit`` swallows ``KeyboardInterrupt`` and returns a half-trained
    net; the estimators read ``interrupted_`` to re-raise instead of keeping (or caching)
    that state. skorch's ``EarlyStopping`` also stops by raising ``KeyboardInterrupt``,
    after exhausting its patience: that one is a normal end of training.
    """

    def fit_loop(self, X, y=None, **fit_params):
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:
            stopper = dict(self.callbacks_).get("early_stopping")
            self.interrupted_ = stopper is None or stopper.misses_ < stopper.patience
            raise


class MaskedPretrainer(InterruptAwareMixin, NeuralNet):
    """skorch net for masked pretraining: ``X`` is a dict batch, ``y`` is ``None``.

    The module's ``forward(**batch)`` returns ``(loss, pred, mask)``; the loss is the
    first element. There is no criterion. ``max_steps`` ends training after that many
    training batches over all epochs, within the last epoch (None: every batch of
    every epoch).
    """

    def __init__(self, module, *args, criterion=None, max_steps=None, **kwargs):
        super().__init__(module, criterion, *args, **kwargs)
        self.max_steps = max_steps

    def steps_left(self) -> int | None:
        """Training batches the current epoch may still run under ``max_steps`` (None: no limit)."""
        if self.max_steps is None:
            return None
        return max(0, self.max_steps - sum(epoch.get("train_batch_count", 0) for epoch in self.history[:-1]))

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if training and self.max_steps is not None:
            iterator = islice(iterator, self.steps_left())
        return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def initialize_criterion(self):
        # the module computes its own masked loss: there is no criterion to build
        self.criterion_ = None
        return self

    def initialize_optimizer(self, triggered_directly=None):
        # ``optimizer=None``: a net that only holds fitted weights never steps, and torch's first
        # optimiser in a process imports torch._dynamo, seconds of a load that otherwise takes a fraction of one
        if self.optimizer is None:
            self.optimizer_ = None
            return self
        return super().initialize_optimizer(triggered_directly)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss, _pred, _mask = y_pred
        return loss


class FineTuneNetMixin(InterruptAwareMixin):
    """Optimiser groups from the module's ``param_groups`` (`FineTuneNetwork`: layer-wise decay)."""

    def initialize_optimizer(self, triggered_directly=None):
        kwargs = self.get_params_for("optimizer")
        weight_decay = kwargs.pop("weight_decay", 0.0)
        lr = kwargs.pop("lr", self.lr)
        self.optimizer_ = self.optimizer(self.module_.param_groups(lr, weight_decay), lr=lr, **kwargs)
        return self


class ClassifierNet(FineTuneNetMixin, NeuralNetClassifier):
    """skorch classifier net of `MAEClassifier`."""


class RegressorNet(FineTuneNetMixin, NeuralNetRegressor):
    """skorch regressor net of `MAERegressor`."""


class AcceleratedPretrainer(AccelerateMixin, MaskedPretrainer):
    """`MaskedPretrainer` trained through Hugging Face Accelerate (skorch's `AccelerateMixin`).

    The accelerator places the module and the batches and wraps the module for
    distributed data parallel training when the script runs under ``accelerate launch``.
    """


def unwrapped_module(net) -> torch.nn.Module:
    """The net's module without a distributed-training wrapper."""
    accelerator = getattr(net, "accelerator", None)
    return net.module_ if accelerator is None else accelerator.unwrap_model(net.module_)


class InitialWeights(Callback):
    """Start training from the weights ``state`` (continued pretraining of a pretrained network).

    Loaded in place at the start of training, after the optimiser is built on the
    parameters; a `StepCheckpoint` placed after it restores a resumed run over them.
    """

    def __init__(self, state: dict):
        self.state = state

    def on_train_begin(self, net, **kwargs):
        unwrapped_module(net).load_state_dict(self.state)


class StepCheckpoint(Callback):
    """Save the training state every ``every`` optimiser steps; restore it when resuming.

    The file ``dirname/checkpoint.pt`` holds the weights, the optimiser, the LR schedule,
    the early-stopping state, the history and the torch RNG state, so a resumed run
    trains on exactly what the interrupted one would have. A step that ends an epoch
    is saved at the end of that epoch, once its losses are in the history. The file is
    replaced atomically: an interruption while saving keeps the previous checkpoint.

    Parameters
    ----------
    dirname : str or Path
        Folder of the checkpoint.
    every : int
        Save every ``every`` training steps.
    steps_per_epoch : int
        Training steps of a full epoch.
    resume : dict or None
        A checkpoint loaded by `load_checkpoint` to restore at the start of training.
    """

    def __init__(self, dirname, every, steps_per_epoch, resume=None):
        self.dirname = dirname
        self.every = every
        self.steps_per_epoch = steps_per_epoch
        self.resume = resume

    def initialize(self):
        self.step_ = self.resume["step"] if self.resume else 0
        self.pending_rng_ = None
        self.pending_batches_ = []
        self.save_at_epoch_end_ = False
        return self

    def on_train_begin(self, net, **kwargs):
        if not self.resume:
            return
        state = self.resume
        unwrapped_module(net).load_state_dict(state["module"])
        net.optimizer_.load_state_dict(state["optimizer"])
        callbacks = dict(net.callbacks_)
        schedule, stopper = callbacks.get("lr_schedule"), callbacks.get("early_stopping")
        if schedule is not None:
            schedule.lr_scheduler_.load_state_dict(state["lr_schedule"])
            schedule.batch_idx_ = state["step"]
        if stopper is not None:
            for name, value in state["early_stopping"].items():
                setattr(stopper, name, value)
        net.history_.clear()
        net.history_.extend(state["history"])
        self.pending_batches_ = list(state["batches"])
        # restored at the first batch: creating the data loader draws from the RNG first
        self.pending_rng_ = state["rng"]

    def on_epoch_begin(self, net, **kwargs):
        if self.pending_batches_:  # the interrupted epoch's batches, so its loss covers all of them
            net.history[-1]["batches"].extend(self.pending_batches_)
            self.pending_batches_ = []

    def on_batch_begin(self, net, training=False, **kwargs):
        if training and self.pending_rng_ is not None:
            torch.set_rng_state(self.pending_rng_)
            self.pending_rng_ = None

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.step_ += 1
        if self.step_ % self.every == 0:
            if self.step_ % self.steps_per_epoch == 0:
                self.save_at_epoch_end_ = True
            else:
                self._save(net, mid_epoch=True)

    def on_epoch_end(self, net, **kwargs):
        if self.save_at_epoch_end_:
            self._save(net, mid_epoch=False)
            self.save_at_epoch_end_ = False

    def _save(self, net, *, mid_epoch: bool) -> None:
        accelerator = getattr(net, "accelerator", None)
        if accelerator is not None and not accelerator.is_main_process:
            return
        callbacks = dict(net.callbacks_)
        schedule, stopper = callbacks.get("lr_schedule"), callbacks.get("early_stopping")
        # skorch records some losses as numpy scalars, which a weights-only load refuses
        history = json.loads(json.dumps(net.history.to_list(), default=lambda value: value.item()))
        state = {
            "step": self.step_,
            "module": {name: tensor.detach().cpu() for name, tensor in unwrapped_module(net).state_dict().items()},
            "optimizer": net.optimizer_.state_dict(),
            "lr_schedule": schedule.lr_scheduler_.state_dict() if schedule is not None else None,
            "early_stopping": {
                "misses_": stopper.misses_,
                "dynamic_threshold_": float(stopper.dynamic_threshold_),
                "best_epoch_": stopper.best_epoch_,
                "best_model_weights_": stopper.best_model_weights_,
            }
            if stopper is not None
            else {},
            "history": history[:-1] if mid_epoch else history,
            "batches": history[-1]["batches"] if mid_epoch else [],
            "rng": torch.get_rng_state(),
        }
        folder = Path(self.dirname)
        folder.mkdir(parents=True, exist_ok=True)
        with staged(folder / _CHECKPOINT_FILE) as file:  # a failed or killed save keeps the previous checkpoint
            torch.save(state, file)
        logger.info("checkpoint: step %d saved to %s", self.step_, folder)


class BatchProgressBar(ProgressBar):
    """skorch's `ProgressBar`, which also sizes the bar of a dataset that yields whole batches.

    skorch counts an epoch's batches as ``len(dataset) / batch_size``; a `StreamedBatches`
    is read with ``batch_size=None`` (its items are batches), so its length is already the
    number of batches of the epoch. An in-memory epoch cut by ``max_steps`` is counted as cut.
    """

    def _get_batches_per_epoch_phase(self, net, dataset, training):
        if dataset is not None and self._get_batch_size(net, training) is None:
            return len(dataset)
        batches = super()._get_batches_per_epoch_phase(net, dataset, training)
        steps_left = net.steps_left() if training and isinstance(net, MaskedPretrainer) else None
        return batches if steps_left is None else min(batches, steps_left)


def load_checkpoint(dirname) -> dict | None:
    """The checkpoint saved by `StepCheckpoint` in ``dirname``, or None."""
    path = Path(dirname) / _CHECKPOINT_FILE
    return torch.load(path, weights_only=True) if path.exists() else None


def training_callbacks(
    *,
    total_steps: int,
    warmup_fraction: float,
    gradient_clip: float | None,
    patience: int | None,
    monitor: str,
    verbose: int,
) -> list[tuple[str, Callback]]:
    """The skorch callbacks of every training (pretraining and fine-tuning), in their order.

    A warm-up + cosine learning rate stepped every batch over ``total_steps``, gradient
    norm clipping at ``gradient_clip`` (None: none), early stopping on ``monitor`` after
    ``patience`` epochs without improvement, keeping the best weights (None: none), and
    a progress bar when ``verbose``.
    """
    schedule = partial(
        warmup_cosine, warmup_steps=max(1, round(warmup_fraction * total_steps)), total_steps=total_steps
    )
    callbacks = [("lr_schedule", LRScheduler(policy=LambdaLR, lr_lambda=schedule, step_every="batch"))]
    if gradient_clip:
        callbacks.append(("gradient_clip", GradientNormClipping(gradient_clip_value=gradient_clip)))
    if patience:
        callbacks.append(("early_stopping", EarlyStopping(monitor=monitor, patience=patience, load_best=True)))
    if verbose:
        callbacks.append(("progress", BatchProgressBar()))
    return callbacks


def adamw(weight_decay: float, device: str | torch.device) -> dict:
    """skorch arguments of the AdamW optimiser of every training, fused on ``device`` where torch can."""
    return {"optimizer": torch.optim.AdamW, "optimizer__weight_decay": weight_decay, **fused_optimizer(device)}


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
    max_steps: int | None,
    device: str,
    verbose: int,
    seed: int,
    streamed: bool = False,
    accelerate: bool | dict = False,
    checkpoint_dir=None,
    checkpoint_every: int | None = None,
    resume: dict | None = None,
    initial_state: dict | None = None,
    trainable: bool = True,
) -> MaskedPretrainer:
    """Build the skorch net with AdamW, warm-up + cosine LR, clipping and early stopping.

    The LR schedule steps every batch; its length is computed from ``n_samples`` and
    the validation split so the cosine reaches 0 at the last batch of ``max_epochs``
    (or at ``max_steps``, where `MaskedPretrainer` cuts an in-memory epoch and a
    `StreamedBatches` stops itself). ``streamed`` nets read a `StreamedBatches` dataset,
    which yields whole batches. ``accelerate`` (True, or keyword arguments of
    ``accelerate.Accelerator``) trains through Accelerate; ``device`` is then left to
    the accelerator. ``checkpoint_dir`` adds a `StepCheckpoint` every
    ``checkpoint_every`` steps that restores ``resume`` first. ``initial_state``: the
    weights training starts from (`InitialWeights`), instead of a fresh initialisation.
    ``trainable=False`` builds a net without an optimiser, to hold fitted weights.
    """
    n_valid = math.ceil(validation_fraction * n_samples) if validation_fraction else 0
    steps_per_epoch = math.ceil((n_samples - n_valid) / batch_size)
    total_steps = max_epochs * steps_per_epoch if max_steps is None else min(max_epochs * steps_per_epoch, max_steps)
    epochs = max_epochs if max_steps is None else math.ceil(total_steps / max(steps_per_epoch, 1))
    monitor = "valid_loss" if n_valid else "train_loss"
    callbacks = training_callbacks(
        total_steps=total_steps, warmup_fraction=warmup_fraction, gradient_clip=gradient_clip, patience=patience,
        monitor=monitor, verbose=verbose,
    )  # fmt: skip
    if initial_state is not None:
        callbacks.append(("initial_weights", InitialWeights(initial_state)))
    if checkpoint_dir is not None:  # last: it saves and restores the state of the callbacks above
        callbacks.append(("checkpoint", StepCheckpoint(checkpoint_dir, checkpoint_every, steps_per_epoch, resume)))
    if streamed:
        # the dataset shuffles and batches itself; the data loader passes its batches on
        split = partial(split_rows, fraction=validation_fraction, seed=seed) if n_valid else None
        data_kwargs = {"iterator_train__batch_size": None, "iterator_valid__batch_size": None}
    else:
        split = ValidSplit(validation_fraction, stratified=False, random_state=seed) if n_valid else None
        data_kwargs = {"iterator_train__shuffle": True}
    if accelerate:
        from accelerate import Accelerator  # optional: only this path needs it

        accelerator = Accelerator(**({} if accelerate is True else accelerate))
        net_class = AcceleratedPretrainer
        # skorch's log prints through the accelerator (once, on the main process), which
        # ignores verbose: plain print keeps verbose=0 silent
        device_kwargs = {
            "accelerator": accelerator,
            "device": None,
            "callbacks__print_log__sink": accelerator.print if verbose else print,
            **(adamw(weight_decay, accelerator.device) if trainable else {"optimizer": None}),
        }
    else:
        device = check_device(device)
        optimizer = adamw(weight_decay, device) if trainable else {"optimizer": None}
        net_class, device_kwargs = MaskedPretrainer, {"device": device, **optimizer}
    return net_class(
        module,
        max_epochs=epochs,
        # a StreamedBatches dataset stops at max_steps itself, and knows where a resumed fit stands
        max_steps=None if streamed else max_steps,
        batch_size=batch_size,
        lr=lr,
        train_split=split,
        callbacks=callbacks,
        verbose=verbose,
        **data_kwargs,
        **device_kwargs,
        **{f"module__{key}": value for key, value in module_kwargs.items()},
    )


def make_finetuner(make_net, module_kwargs: dict, *, n_train: int, stratified: bool, seed: int, **training):
    """Build the skorch net that fine-tunes a `FineTuneNetwork` of ``module_kwargs``.

    ``make_net`` builds the net from its keyword arguments (a `ClassifierNet` or
    `RegressorNet` with its criterion). ``training`` holds the arguments of
    `make_pretrainer` from ``max_epochs`` to ``verbose`` (no ``max_steps``), and means
    the same: AdamW, warm-up + cosine LR over ``max_epochs`` of ``n_train`` series,
    clipping; ``patience`` (None: train ``max_epochs``) holds out
    ``validation_fraction`` of the series, ``stratified`` or not, for early stopping
    on their loss.
    """
    max_epochs, batch_size, patience = training["max_epochs"], training["batch_size"], training["patience"]
    callbacks = training_callbacks(
        total_steps=max_epochs * math.ceil(n_train / batch_size), warmup_fraction=training["warmup_fraction"],
        gradient_clip=training["gradient_clip"], patience=patience, monitor="valid_loss", verbose=training["verbose"],
    )  # fmt: skip
    device = check_device(training["device"])
    split = ValidSplit(training["validation_fraction"], stratified=stratified, random_state=seed) if patience else None
    return make_net(
        module=FineTuneNetwork,
        max_epochs=max_epochs,
        batch_size=batch_size,
        lr=training["lr"],
        train_split=split,
        iterator_train__shuffle=True,
        callbacks=callbacks,
        device=device,
        verbose=training["verbose"],
        **adamw(training["weight_decay"], device),
        **{f"module__{key}": value for key, value in module_kwargs.items()},
    )


def pretrain(
    module,
    module_kwargs: dict,
    batch,
    train_kwargs: dict,
    seed: int,
    device: str,
    verbose: int,
    *,
    data_key=None,
    accelerate=False,
    checkpoint_dir=None,
    checkpoint_every=None,
    initial_state=None,
):
    """Pretrain a network on ``batch`` (fresh, or from the weights ``initial_state``); return its CPU weights and
    skorch history.

    ``batch`` is an in-memory batch dict or a `StreamedBatches` dataset, identified by
    ``data_key`` (what ``joblib.Memory`` hashes instead of the stream). A pure function
    of its arguments (the torch RNG is forked and seeded with ``seed``), which is what
    lets ``joblib.Memory`` cache it: ``device``, ``verbose``, ``accelerate`` and the
    checkpoint arguments change neither the result nor the cache key.

    With ``checkpoint_dir`` (streamed data only), the state is saved every
    ``checkpoint_every`` steps in a sub-folder named after a hash of everything that
    determines the result, and a call with the same arguments resumes from it.
    """
    streamed = isinstance(batch, StreamedBatches)
    n_samples = len(batch.source) if streamed else len(next(iter(batch.values())))
    resume = folder = None
    if checkpoint_dir is not None:
        start = [] if initial_state is None else [joblib.hash(initial_state)]
        folder = Path(checkpoint_dir) / joblib.hash([module.__name__, module_kwargs, data_key, train_kwargs, seed, *start])
        resume = load_checkpoint(folder)
        if resume:
            batch.resume_at(resume["step"])
    net = make_pretrainer(
        module, module_kwargs, n_samples=n_samples, device=device, verbose=verbose, seed=seed, streamed=streamed,
        accelerate=accelerate, checkpoint_dir=folder, checkpoint_every=checkpoint_every, resume=resume,
        initial_state=initial_state, **train_kwargs,
    )  # fmt: skip
    epochs_done = len(resume["history"]) if resume else 0
    with forked_rng(net.accelerator.device if accelerate else net.device):
        torch.manual_seed(seed)
        net.fit(batch, y=None, epochs=net.max_epochs - epochs_done)
    if net.interrupted_:
        raise KeyboardInterrupt("pretraining was interrupted; the estimator stays unfitted")
    state = {name: tensor.detach().cpu() for name, tensor in unwrapped_module(net).state_dict().items()}
    return state, net.history.to_list()
