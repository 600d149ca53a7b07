"""Shared docstring text, written once: the package's one template mechanism (pandas ``@doc`` style).

A docstring names a shared text by a marker, ``{name}``. On a line of its own the
marker is a block (parameter entries), indented like the marker; inside a line it is
a phrase. `doc` fills the markers of a class's or function's docstring from `SHARED`
and from its keyword arguments (class-specific phrases, or blocks taken from another
docstring). Only the given names are markers: other braces (``{"mean", "flatten"}``)
stay as they are.
"""

from __future__ import annotations

import textwrap

# The embedders' training and scale-out parameters. Phrases: {inference_methods} (the
# methods that run batches of inference_batch_size series) and {transform_parameters}
# (the parameters that only change transform).
_TRAINING_PARAMETERS = """\
max_epochs : int, default=100
    Pretraining epochs.
lr : float, default=1e-3
    Peak AdamW learning rate (linear warm-up, then cosine decay).
warmup_fraction : float, default=0.1
    Fraction of the training steps spent warming up the learning rate.
gradient_clip : float or None, default=1.0
    Maximum gradient norm; None disables clipping.
patience : int or None, default=None
    Early-stopping patience in epochs on the validation loss (or the training loss
    when ``validation_fraction`` is 0); None trains ``max_epochs``.
validation_fraction : float, default=0.0
    Fraction of the series held out to monitor the validation loss.
inference_batch_size : int, default=256
    Series per batch in {inference_methods}.
device : str, default="auto"
    Torch device; ``"auto"`` uses CUDA when available.
memory : str, joblib.Memory or None, default=None
    Cache of pretrained weights: a fit with the same data and the same
    fit-relevant parameters (everything but {transform_parameters},
    ``inference_batch_size``, ``device``, ``memory``, ``verbose``, ``checkpoint_dir``
    and ``checkpoint_every``) loads the weights instead of training again. Needs an
    int ``random_state``.
streaming : bool or "auto", default="auto"
    Pretrain from ``X`` read chunk by chunk, for data that does not fit in memory:
    the channel scaling is learned in one pass, then batches are tokenised on the
    fly and drawn through a shuffle buffer (seeded by ``random_state``). ``"auto"``
    streams a `~sklearn_msae.datasets.SeriesStore` and a memory-mapped array of more
    than 256 MiB; True streams any numpy array too; False never streams. A streamed
    fit learns from the layout of ``X``'s first chunk (e.g. ``n_features_in_``), and
    ``memory`` keys it on the array's file, size and modification time (the files
    of a SeriesStore), never on its values. See :doc:`/scaling`.
max_steps : int or None, default={max_steps_default}
    Stop pretraining after this many optimiser steps if ``max_epochs`` takes more:
    a budget that stops growing with the number of series. The learning-rate
    schedule ends there. None trains ``max_epochs``.
    {max_steps_choice}
checkpoint_dir : str, path or None, default=None
    Folder where a streamed fit saves its training state every
    ``checkpoint_every`` steps (in a sub-folder per data and fit parameters); a
    fit with the same data and parameters resumes from the latest checkpoint.
checkpoint_every : int, default=1000
    Optimiser steps between checkpoints.
accelerate : bool or dict, default=False
    Pretrain through Hugging Face Accelerate (skorch's ``AccelerateMixin``): True
    uses the configuration of ``accelerate launch``, a dict holds keyword arguments
    of ``accelerate.Accelerator`` (e.g. ``{"mixed_precision": "bf16"}``). The
    accelerator then picks the device. See :doc:`/scaling` for a multi-GPU launch.
pretrained : str, path, fitted embedder or None, default=None
    A network pretrained earlier: the name of a checkpoint shipped with the package
    (`sklearn_msae.list_pretrained`), the folder of `save_pretrained`, or a fitted
    embedder of this class, wrapped in ``sklearn.frozen.FrozenEstimator`` so that
    ``clone`` keeps it fitted. ``fit`` then loads it instead of pretraining. Its
    network parameters must equal this embedder's; start from
    ``from_pretrained(name_or_path).set_params(pretrained=name_or_path)``.
pretrained_scaling : {"auto", "keep", "refit"}, default="auto"
    With ``pretrained``: keep its channel scaling (``fit`` learns nothing), or learn
    the scaling on ``X`` (with this embedder's ``scaling``). ``"auto"`` learns it for
    a shipped checkpoint (pretrained on other data) and when ``X`` has another channel
    count than the pretrained network (``channel_mode="independent"``), and keeps it
    otherwise.
continue_pretraining : bool, default=False
    With ``pretrained``: after loading it, go on pretraining the network on ``X``
    (domain adaptation to unlabelled data of the task) with this embedder's training
    parameters (``max_epochs`` or ``max_steps``, ``lr``, ...), instead of only loading it.
verbose : int, default=0
    Show skorch's training log and progress bars (pretraining epochs, and the
    batches of {inference_methods}) when positive.
random_state : int, RandomState instance or None, default=None
    Seed of weight initialisation, masking and batch order; an int makes ``fit``
    reproducible on CPU.
"""

_CHANNEL_PARAMETERS = """\
channel_mode : {"joint", "independent"}, default="joint"
    ``"joint"``: one network reads every channel at once (its input width is the
    channel count). ``"independent"``: one univariate network encodes each channel
    alone, with the same weights (the channel independence of PatchTST), so the
    network fits any channel count: one pretrained on univariate series embeds
    series of 2 or 24 channels, and a series that lacks a sensor embeds from the
    others. ``channel_pooling`` then combines the channels' embeddings.
channel_pooling : {"mean", "meanmax", "concat"}, default="mean"
    With ``channel_mode="independent"``: the mean over the channels with an
    observed value, the mean and the max concatenated (both of any channel count),
    or every channel's embedding concatenated (``n_channels_`` times the width; zeros
    for a channel with no observed value). Transform-only; ignored for ``"joint"``.
"""

_VALUE_DROPOUT_PARAMETER = """\
value_dropout : float in [0, 1), default={value_dropout_default}
    Pretraining also hides observed values from the encoder, each with a probability
    drawn per series (per channel with ``channel_mode="independent"``) and batch
    uniformly from [0, value_dropout), and reconstructs them besides the hidden
    {masked_units}: scattered gaps, bridged as ``gap_fill`` says, become part of what
    the encoder learns to see through. 0 hides whole {masked_units} only (the paper's
    masking). Pretraining only: ``score`` and the validation loss do not drop values.
    {value_dropout_choice}
"""

_STRETCH_PARAMETER = """\
stretch_to : int or None, default={stretch_default}
    Resample every series shorter than this many time steps linearly to this length
    (over its own span, time stamps too) before scaling and encoding, in ``fit``,
    ``transform``, ``score`` and fine-tuning alike. A series ends at its last observed
    step; longer series are unchanged, and a gap is stretched with its series, never
    filled. A network pretrained on windows of one length then sees short series at
    the time scale it learned: the shipped checkpoint's windows are 128 steps, and
    ``from_pretrained`` gives it ``stretch_to=128``, chosen by cross-validation on
    training splits (``docs/pretrained.md``).
    {stretch_choice}
    ``reconstruct`` resamples its reconstruction of a stretched series back onto the
    series' own steps; ``to_onnx`` exports the network on ``X``'s own steps and needs
    None.
"""

#: The shared texts, by marker name.
SHARED = {
    "training_parameters": _TRAINING_PARAMETERS,
    "channel_parameters": _CHANNEL_PARAMETERS,
    "value_dropout_parameter": _VALUE_DROPOUT_PARAMETER,
    "stretch_parameter": _STRETCH_PARAMETER,
}


def fill(docstring: str, **texts: str) -> str:
    """``docstring`` with each ``{name}`` of ``texts`` (blocks first, then phrases) replaced by its text.

    A block is dedented, then indented like its marker: Python 3.13 dedents
    docstrings, earlier versions do not. An empty block removes its marker's line.
    """
    for name, text in texts.items():
        marker, lines = "{" + name + "}", []
        for line in docstring.split("\n"):
            if line.strip() == marker:
                if text.strip():  # an empty block leaves no blank line inside an entry
                    indent = line[: len(line) - len(line.lstrip())]
                    lines.append(textwrap.indent(textwrap.dedent(text).strip("\n"), indent))
            else:
                lines.append(line.replace(marker, text))
        docstring = "\n".join(lines)
    return docstring


def doc(**texts: str):
    """Decorator: fill the markers of the object's docstring from `SHARED` and ``texts``.

    The shared blocks go in first, so that ``texts`` also fills the phrases they hold.
    """

    def decorate(obj):
        obj.__doc__ = fill(obj.__doc__, **SHARED, **texts)
        return obj

    return decorate
