"""`HiMAEEmbedder`: per-resolution embeddings from a convolutional U-Net masked autoencoder."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseMAEEmbedder, IntNotBool, TransformGraph
from ._docs import doc
from ._panel import Panel, series_ends
from .nn.channels import CHANNEL_POOLINGS
from .nn.himae import SIZES, HiMAE

_POOLING_WIDTH = {"mean": 1, "meanmax": 2}
#: ``size="auto"``: series shorter than this get two levels instead of "wide"'s four,
#: whose bottleneck (a sixteenth of the length) would hold fewer than four positions.
AUTO_SHORT_SERIES = 64
AUTO_SHORT_WIDTHS = (32, 64)


class _HiMAEGraph(TransformGraph):
    """`HiMAEEmbedder._tokenize` in torch: the time axis padded to the fitted padded length."""

    def __init__(self, embedder: HiMAEEmbedder):
        super().__init__(embedder)
        self.padding = embedder._padded_length(embedder.n_timepoints_) - embedder.n_timepoints_

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        steps = observed.any(1).flip(-1).to(torch.int64)  # (B, T), reversed
        lengths = X.shape[-1] - steps.argmax(-1)  # (B,): a series ends at its last observed step, as `series_ends`
        values, observed = F.pad(values, (0, self.padding)), F.pad(observed, (0, self.padding))
        return self.network.embed(x=values, observed=observed, lengths=lengths, **self.embed_kwargs)


@doc(
    inference_methods="``transform``, ``reconstruct`` and ``score``",
    transform_parameters="``layer``, ``pooling``",
    value_dropout_default="0.0",
    masked_units="patches",
    value_dropout_choice="""\
It stays 0 by default: cross-validation on the training splits of nine UEA sets
scored 0.5 at 0.786 against 0.804 on complete data and 0.775 against 0.784 with 30 %
of the steps dropped (means of the per-set tables of
``benchmarks/results/select_defaults.md``), where AIM gained 0.05 and 0.09
(`AIMEmbedder`).""",
    max_steps_default="None",
    max_steps_choice="",
    stretch_default="128",
    stretch_choice="""\
The default departs from the paper (whose series are all long): in cross-validation
on the training splits of nine UEA sets (pretraining seed 0), 128 scored 0.812 /
0.798 (complete / 30 % of the steps dropped) against 0.804 / 0.785 for None and
0.802 / 0.794 for 64, most of it on RacketSports' 30 steps (0.887 / 0.880 against
0.828 / 0.723;
``benchmarks/results/select_defaults.md``). ``size="auto"`` then sees 128 steps and
builds "wide"'s four levels.""",
)
class HiMAEEmbedder(BaseMAEEmbedder):
    """Hierarchical masked-autoencoder (HiMAE) embeddings of time series.

    A 1-D convolutional U-Net is pretrained to reconstruct randomly hidden patches of
    each series (Lee et al., "HiMAE", ICLR 2026). Its encoder halves the time axis at
    every level; the activation of level ``k``, pooled over time, is the *resolution
    embedding* of scale ``2**k`` samples. ``layer`` picks the level, so a grid search
    over ``layer`` (with ``memory`` set) finds the temporal scale that carries a task's
    signal while pretraining once per fold.

    Series of any length are accepted: each is padded at the end with unobserved zeros
    to a multiple of ``patch_size`` and at least ``2 ** (n_levels + 1)`` samples (so the
    bottleneck keeps two positions); pooling ignores the padding. NaN values are
    unobserved: the network reads them as ``gap_fill`` says, they are excluded from the
    reconstruction loss, and a series ends at its last observed sample, so a NaN tail
    embeds exactly as the shorter series (whatever the input format).

    Parameters
    ----------
    layer : int or "all", default="all"
        Encoder level whose activation is embedded: ``1`` (finest) to ``n_levels``
        (bottleneck); negative values count from the bottleneck (``-1``). ``"all"``
        concatenates every level. Transform-only: changing it needs no refit. The
        default departs from the paper's single level: concatenating every level scored
        better in cross-validation on the training splits of nine UEA sets with 30 % of
        the steps dropped (mean 0.767 against 0.697 for the paper's bottleneck with
        zero-filled gaps; ``benchmarks/results/select_defaults.md``).
    pooling : {"mean", "meanmax", "flatten"}, default="mean"
        Pooling over time of the chosen level(s): mean, mean and max concatenated, or
        no pooling (needs series of the fitted length). Transform-only.
    include_decoder : bool, default=True
        Also embed, for each level ``layer`` chooses but the bottleneck, the decoder's
        up-block activation at that level's resolution, pooled alike and appended after
        the encoder's levels (padding kept out of it as out of the encoder's).
        Transform-only. The default departs from the paper, which reads the encoder
        alone: over three pretraining seeds on the nine training splits of
        ``select_defaults.py`` (5-fold CV, ``layer="all"``) it scored 0.796 / 0.801
        (complete / 30 % of the steps dropped) against 0.796 / 0.790 for the encoder
        alone (RacketSports 0.918 against 0.905 complete, FingerMovements 0.532 against
        0.513 dropped; ``benchmarks/results/select_defaults.md``). `MAEClassifier`
        fine-tunes the up-blocks it reads: fine-tuned, 3-fold CV on ten training splits
        over three seeds scored 0.716 / 0.736 against 0.721 / 0.723 for the encoder alone
        (``benchmarks/results/select_finetune.md``). ``HiMAEEmbedder.paper()`` sets it to
        False.
    size : {"auto", "tiny", "small", "wide", "base"}, default="auto"
        Encoder widths preset: tiny (8, 16, 32, 64), small (16, 32, 64, 128; 309,889
        parameters for one channel), wide (32, 64, 128, 256; 1,235,201), base (16, ...,
        256; the paper's 1.2M network, five levels). ``"auto"`` follows the length of the
        series seen in ``fit`` (the longest, after ``stretch_to``): wide from 64 steps
        on, two levels of widths (32, 64) for shorter series, where four levels would
        leave the bottleneck fewer than four positions (``n_levels`` is known after
        ``fit``). The default departs from the paper's fixed depth and width. Depth: on
        the training splits of the four offline UEA sets shorter than 64 steps, two
        levels scored RacketSports 0.828 against 0.655 for four, JapaneseVowels 0.963 /
        0.900, Libras 0.867 / 0.833, FingerMovements 0.547 / 0.554 (complete data,
        before ``stretch_to``); over nine training splits 0.804 / 0.784 (complete / 30 %
        of the steps dropped) against 0.775 / 0.767 for four levels everywhere. Width:
        with ``stretch_to=128``, wide scored 0.798 / 0.793 against 0.791 / 0.778 for
        small over the nine training splits (the three sets of fewer than 50 series
        averaged over three pretraining seeds; RacketSports 0.900 / 0.940 against 0.887
        / 0.880, JapaneseVowels 0.974 / 0.978 against 0.959 / 0.944), for about 1.2
        times small's pretraining time (``benchmarks/results/select_defaults.md``).
    channels : tuple of int, default=None
        Explicit encoder widths (one per level); overrides ``size``.
    kernel_size : int, default=5
        Odd convolution kernel size.
    patch_size : int, default=5
        Samples per masking patch.
    mask_ratio : float, default=0.8
        Fraction of patches hidden during pretraining.
    masking : {"random", "block"}, default="random"
        Hide uniformly drawn patches, or one contiguous block of patches.
    gap_fill : {"linear", "zero"}, default="linear"
        What the encoder reads at every sample it may not see, a patch hidden in
        pretraining or an unobserved (NaN) sample: the linear interpolation of the
        samples it sees around them, or 0 (the paper, which has no gaps). With
        ``"linear"`` pretraining shows the encoder exactly what gaps look like at
        ``transform``. Pooling leaves out positions that see no observed sample either way.
        ``"linear"`` departs from the paper; it was chosen by the same cross-validation
        (Libras 0.806 against 0.656, RacketSports 0.682 against 0.642, JapaneseVowels
        0.900 against 0.900 with every level read out; equal or lower on the three
        smallest sets). The paper's configuration is ``layer=-1, gap_fill="zero",
        size="base", stretch_to=None``: ``HiMAEEmbedder.paper()``.
    {value_dropout_parameter}
    {channel_parameters}
    scaling : {"standard", "minmax"} or None, default="standard"
        Per-channel normalisation learned in ``fit`` on observed values: z-score, the
        training range mapped to [-1, 1], or none. The network's tanh output bounds
        reconstructions to [-1, 1] in scaled units; z-scoring still reconstructed
        BasicMotions gaps better than min-max (test MSE 11.7 vs 16.1 at 30 % random
        gaps) and probes as well, because outliers do not squeeze the bulk of the data.
    {stretch_parameter}
    batch_size : int, default=32
        Pretraining batch size.
    weight_decay : float, default=1e-3
        AdamW weight decay.
    {training_parameters}

    Attributes
    ----------
    net_ : MaskedPretrainer
        The skorch net holding the pretrained network (``net_.module_``) and the
        training history (``net_.history``).
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_timepoints_ : int
        Length of the longest series seen in ``fit``, after ``stretch_to``.
    channel_center_, channel_scale_ : ndarray of shape (n_channels_,)
        Per-channel normalisation learned in ``fit``.
    n_features_in_ : int
        Number of columns seen in ``fit``; set only for 2-D input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; set only for a 2-D DataFrame with string columns.

    See Also
    --------
    sklearn_msae.inspection.resolution_profile : probe every level at once.

    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_msae import HiMAEEmbedder
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0).fit(X)
    >>> embedder.transform(X).shape  # every level: 8 + 16 + 32 + 64; the decoder's 8 + 16 + 32
    (40, 176)
    >>> embedder.set_params(layer=1, pooling="meanmax").transform(X).shape
    (40, 32)
    >>> embedder.set_params(include_decoder=False).transform(X).shape  # the paper's: the encoder alone
    (40, 16)
    """

    _module = HiMAE
    _onnx_graph = _HiMAEGraph

    paper_params = {"layer": -1, "include_decoder": False, "gap_fill": "zero", "size": "base", "stretch_to": None}

    _parameter_constraints: dict = {
        **BaseMAEEmbedder._parameter_constraints,
        "layer": [IntNotBool(), StrOptions({"all"})],
        "pooling": [StrOptions({"mean", "meanmax", "flatten"})],
        "include_decoder": ["boolean"],
        "size": [StrOptions({*SIZES, "auto"})],
        "channels": ["array-like", None],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "mask_ratio": [Interval(Real, 0, 1, closed="neither")],
        "masking": [StrOptions({"random", "block"})],
        "gap_fill": [StrOptions({"linear", "zero"})],
        "value_dropout": [Interval(Real, 0, 1, closed="left")],
        "channel_mode": [StrOptions({"joint", "independent"})],
        "channel_pooling": [StrOptions(set(CHANNEL_POOLINGS))],
    }

    def __init__(
        self,
        layer="all",
        pooling="mean",
        *,
        include_decoder=True,
        size="auto",
        channels=None,
        kernel_size=5,
        patch_size=5,
        mask_ratio=0.8,
        masking="random",
        gap_fill="linear",
        value_dropout=0.0,
        channel_mode="joint",
        channel_pooling="mean",
        scaling="standard",
        stretch_to=128,
        max_epochs=100,
        batch_size=32,
        lr=1e-3,
        weight_decay=1e-3,
        warmup_fraction=0.1,
        gradient_clip=1.0,
        patience=None,
        validation_fraction=0.0,
        inference_batch_size=256,
        device="auto",
        memory=None,
        streaming="auto",
        max_steps=None,
        checkpoint_dir=None,
        checkpoint_every=1000,
        accelerate=False,
        pretrained=None,
        pretrained_scaling="auto",
        continue_pretraining=False,
        verbose=0,
        random_state=None,
    ):
        self.layer = layer
        self.pooling = pooling
        self.include_decoder = include_decoder
        self.size = size
        self.channels = channels
        self.kernel_size = kernel_size
        self.patch_size = patch_size
        self.mask_ratio = mask_ratio
        self.masking = masking
        self.gap_fill = gap_fill
        self.value_dropout = value_dropout
        self.channel_mode = channel_mode
        self.channel_pooling = channel_pooling
        self.scaling = scaling
        self.stretch_to = stretch_to
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.gradient_clip = gradient_clip
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.memory = memory
        self.streaming = streaming
        self.max_steps = max_steps
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.accelerate = accelerate
        self.pretrained = pretrained
        self.pretrained_scaling = pretrained_scaling
        self.continue_pretraining = continue_pretraining
        self.verbose = verbose
        self.random_state = random_state

    @property
    def n_levels(self) -> int:
        """Number of encoder levels (valid ``layer`` values are 1..n_levels).

        With ``size="auto"`` it follows the length of the series seen in ``fit``, so it
        is known once fitted.

        Examples
        --------
        >>> from sklearn_msae import HiMAEEmbedder
        >>> HiMAEEmbedder(size="tiny").n_levels, HiMAEEmbedder(channels=(8, 16)).n_levels
        (4, 2)
        """
        return len(self._widths())

    def _widths(self) -> tuple[int, ...]:
        if self.channels is not None:
            widths = tuple(int(w) for w in self.channels)
        elif self.size != "auto":
            widths = SIZES[self.size]
        elif not hasattr(self, "n_timepoints_"):
            raise NotFittedError(
                "size='auto' sets the number of levels from the length of the series seen in fit; "
                "fit first, or set size or channels"
            )
        else:
            widths = SIZES["wide"] if self.n_timepoints_ >= AUTO_SHORT_SERIES else AUTO_SHORT_WIDTHS
        if not widths or min(widths) < 1:
            raise ValueError(f"channels must be a non-empty sequence of positive widths; got {self.channels!r}")
        return widths

    def _levels(self) -> tuple[int, ...]:
        """0-based encoder levels selected by ``layer``."""
        n_levels = self.n_levels
        if self.layer == "all":
            return tuple(range(n_levels))
        if not (1 <= self.layer <= n_levels or -n_levels <= self.layer <= -1):
            raise ValueError(
                f"layer={self.layer} is out of range: this network has {n_levels} levels, so layer must be "
                f"in 1..{n_levels}, in -{n_levels}..-1 (counting from the bottleneck) or 'all'"
            )
        return (self.layer - 1 if self.layer > 0 else n_levels + self.layer,)

    def _padded_length(self, n_timepoints: int) -> int:
        length = max(n_timepoints, 2 ** (self.n_levels + 1))
        return math.ceil(length / self.patch_size) * self.patch_size

    def _check_network_params(self) -> None:
        self._levels()
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that convolutions keep lengths aligned; got {self.kernel_size}")

    def _module_kwargs(self, panel: Panel) -> dict:
        return {
            "in_channels": panel.n_channels,
            "channels": self._widths(),
            "kernel_size": self.kernel_size,
            "patch_size": self.patch_size,
            "mask_ratio": self.mask_ratio,
            "masking": self.masking,
            "gap_fill": self.gap_fill,
            "value_dropout": self.value_dropout,
        }

    def _tokenize(self, panel: Panel) -> dict[str, np.ndarray]:
        if self.pooling == "flatten" and hasattr(self, "n_timepoints_") and panel.n_timepoints != self.n_timepoints_:
            raise ValueError(
                f"pooling='flatten' needs series of the fitted length {self.n_timepoints_}; "
                f"got {panel.n_timepoints} time points (use pooling='mean' for other lengths)"
            )
        pad = [(0, 0), (0, 0), (0, self._padded_length(panel.n_timepoints) - panel.n_timepoints)]
        return {
            "x": np.pad(np.nan_to_num(panel.values, nan=0.0), pad),  # (n, C, T_pad): unobserved -> 0
            "observed": np.pad(panel.observed, pad),  # padding is unobserved
            # a series ends at its last observed sample: a NaN tail embeds as the shorter series it is
            "lengths": np.minimum(panel.lengths, series_ends(panel)),
        }

    def _embed_kwargs(self) -> dict:
        return {"levels": self._levels(), "pooling": self.pooling, "decoder": self.include_decoder}

    @property
    def _n_features_out(self) -> int:
        n_timepoints = self.n_timepoints_  # AttributeError before fit, as the feature-names mixin expects
        widths = self._widths()
        levels = self._levels()
        # the decoder has an up-block at every level but the bottleneck
        levels += tuple(level for level in levels if level < len(widths) - 1) if self.include_decoder else ()
        if self.pooling != "flatten":
            per_channel = _POOLING_WIDTH[self.pooling] * sum(widths[level] for level in levels)
        else:
            length = self._padded_length(n_timepoints)
            per_channel = sum(widths[level] * math.ceil(length / 2 ** (level + 1)) for level in levels)
        return per_channel * self._channel_width()
