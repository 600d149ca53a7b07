"""HiMAE: a 1-D convolutional U-Net masked autoencoder (Lee et al., ICLR 2026).

The encoder halves the time axis at every level; each level's activation, pooled over
time, is a "resolution embedding". Pretraining hides patches of the input (set to 0,
no mask token) and reconstructs them through skip-connected up-blocks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import masked_mse, numbered
from .masking import PATCH_MASKS, drop_time_steps, drop_values, fill_linear

SIZES = {
    "tiny": (8, 16, 32, 64),
    "small": (16, 32, 64, 128),
    "wide": (32, 64, 128, 256),
    "base": (16, 32, 64, 128, 256),
}


class DownBlock(nn.Module):
    """Residual stride-2 block: ``GELU(conv-bn-gelu-conv-bn(x) + conv1x1-bn(x))``.

    ``keep`` (B, 1, T_out) marks output positions inside the series; the rest is
    zeroed after each BatchNorm (which would turn padded zeros into non-zeros), so a
    series embeds the same whatever padding its batch adds.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        pad = kernel_size // 2
        self.reduce = nn.Sequential(
            nn.Conv1d(in_channels, out_channels, kernel_size, stride=2, padding=pad, bias=False),
            nn.BatchNorm1d(out_channels),
            nn.GELU(),
        )
        self.refine = nn.Sequential(
            nn.Conv1d(out_channels, out_channels, kernel_size, padding=pad, bias=False), nn.BatchNorm1d(out_channels)
        )
        self.shortcut = nn.Sequential(
            nn.Conv1d(in_channels, out_channels, 1, stride=2, bias=False), nn.BatchNorm1d(out_channels)
        )

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        h = self.reduce(x).masked_fill(~keep, 0.0)  # (B, C_out, ceil(T / 2))
        return F.gelu(self.refine(h) + self.shortcut(x)).masked_fill(~keep, 0.0)


class UpBlock(nn.Module):
    """Transposed-conv upsampling, crop to the skip, concatenate, two conv-bn-gelu."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        pad = kernel_size // 2
        self.up = nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride=2, padding=pad, output_padding=1)
        self.fuse = nn.Sequential(
            nn.Conv1d(2 * out_channels, out_channels, kernel_size, padding=pad, bias=False),
            nn.BatchNorm1d(out_channels),
            nn.GELU(),
            nn.Conv1d(out_channels, out_channels, kernel_size, padding=pad, bias=False),
            nn.BatchNorm1d(out_channels),
            nn.GELU(),
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """``keep`` (B, 1, T_skip), given when embedding: positions past the series are zeroed before every
        convolution and in the output, as `DownBlock` does, so that no padding reaches the positions inside;
        pretraining reconstructs through the unmasked block (``keep=None``)."""
        x = self.up(x)[..., : skip.shape[-1]]  # (B, C_out, 2 T) cropped to the skip's length
        h = torch.cat([x, skip], dim=1)  # (B, 2 C_out, T_skip)
        if keep is None:
            return self.fuse(h)
        for layer in self.fuse:
            # every convolution reads zeros past the series, as it reads past the tensor's end
            h = layer(h.masked_fill(~keep, 0.0) if isinstance(layer, nn.Conv1d) else h)
        return h.masked_fill(~keep, 0.0)  # (B, C_out, T_skip)


class HiMAE(nn.Module):
    """Hierarchical masked autoencoder on series of shape (batch, in_channels, T).

    Parameters
    ----------
    in_channels : int
        Number of input channels C.
    channels : tuple of int
        Width of each encoder level; its length is the number of levels.
    kernel_size : int
        Odd convolution kernel size.
    patch_size : int
        Samples per masking patch; T must be a multiple of it.
    mask_ratio : float
        Fraction of patches hidden during pretraining.
    masking : {"random", "block"}
        Patches drawn uniformly, or one contiguous block.
    gap_fill : {"zero", "linear"}
        What the encoder reads at every sample it may not see (a hidden patch in
        pretraining, an unobserved sample always): 0 (the paper), or the linear
        interpolation of the samples it sees around them (`fill_linear`), which never
        reads a hidden sample.
    value_dropout : float
        Pretraining also hides from the encoder a fraction, drawn per series from
        [0, value_dropout), of the observed values (`drop_values`) and reconstructs them;
        0 hides whole patches only (the paper).
    """

    def __init__(
        self,
        in_channels: int = 1,
        channels: tuple[int, ...] = SIZES["base"],
        kernel_size: int = 5,
        patch_size: int = 5,
        mask_ratio: float = 0.8,
        masking: str = "random",
        gap_fill: str = "zero",
        value_dropout: float = 0.0,
    ):
        super().__init__()
        if gap_fill not in ("zero", "linear"):
            raise ValueError(f"gap_fill must be 'zero' or 'linear', got {gap_fill!r}")
        self.patch_size, self.mask_ratio, self.masking, self.gap_fill = patch_size, mask_ratio, masking, gap_fill
        self.value_dropout = value_dropout
        widths = (in_channels, *channels)
        self.encoder = nn.ModuleList(DownBlock(a, b, kernel_size) for a, b in zip(widths[:-1], widths[1:]))
        self.decoder = nn.ModuleList(
            UpBlock(a, b, kernel_size) for a, b in zip(channels[:0:-1], channels[-2::-1])  # deepest first
        )
        pad = kernel_size // 2
        self.head = nn.ConvTranspose1d(channels[0], in_channels, kernel_size, stride=2, padding=pad, output_padding=1)

    # ---- pretraining ---------------------------------------------------------------

    def random_masking(self, batch: int, length: int, device: torch.device) -> torch.Tensor:
        """Sample-level mask of shape (batch, 1, length), ``True`` = hidden patch."""
        patches = PATCH_MASKS[self.masking](batch, length // self.patch_size, self.mask_ratio, device=device)
        return patches.repeat_interleave(self.patch_size, dim=1)[:, None, :]  # (B, N) -> (B, 1, T)

    def fill_gaps(self, x: torch.Tensor, visible: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The encoder's input (B, C, T): ``x`` where ``visible``, the ``gap_fill`` elsewhere, 0 past ``lengths``."""
        if self.gap_fill == "zero":
            return torch.where(visible, x, 0.0)
        return fill_linear(x, visible).masked_fill(~inside_series(lengths, 1, x.shape[-1]), 0.0)

    def forward_encoder(self, x: torch.Tensor, lengths: torch.Tensor, n_levels: int | None = None) -> list[torch.Tensor]:
        """Activation of the first ``n_levels`` levels (default all): level l is (B, channels[l], ceil(T / 2**(l+1))).

        ``x`` must be 0 after each series' length; positions past it stay 0 at every level.
        """
        levels = []
        for level, block in enumerate(self.encoder[:n_levels]):
            x = block(x, inside_series(lengths, 2 ** (level + 1), -(-x.shape[-1] // 2)))
            levels.append(x)
        return levels

    def forward_up(
        self, levels: list[torch.Tensor], lengths: torch.Tensor | None = None, finest: int = 0
    ) -> dict[int, torch.Tensor]:
        """The decoder's activation at each level's resolution, climbing from the bottleneck (the encoder's own,
        ``levels[-1]``) down to level ``finest``: ``{level: (B, channels[level], T_level)}``.

        ``lengths``, given when embedding, keeps the positions past each series at 0 (`UpBlock`'s ``keep``).
        """
        up = {len(levels) - 1: levels[-1]}
        for level in range(len(levels) - 2, finest - 1, -1):
            skip = levels[level]
            keep = None if lengths is None else inside_series(lengths, 2 ** (level + 1), skip.shape[-1])  # (B, 1, T_l)
            up[level] = self.decoder[len(levels) - 2 - level](up[level + 1], skip, keep)
        return up

    def forward_decoder(self, levels: list[torch.Tensor], length: int) -> torch.Tensor:
        """Reconstruction (B, C, length) in [-1, 1] from the encoder levels."""
        x = torch.tanh(self.head(self.forward_up(levels)[0]))  # (B, C, 2 * ceil(T / 2))
        if x.shape[-1] != length:
            x = F.interpolate(x, size=length, mode="linear", align_corners=False)
        return x

    @staticmethod
    def forward_loss(x: torch.Tensor, pred: torch.Tensor, hidden: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """Mean squared error over the hidden samples that were truly observed.

        ``hidden`` is (B, 1, T) for masked patches alone, broadcast over the channels, or
        (B, C, T) with values dropped in pretraining (`drop_values`).
        """
        return masked_mse(pred, x, hidden & observed)

    def forward(self, x: torch.Tensor, observed: torch.Tensor, lengths: torch.Tensor):
        """Mask, encode, decode; returns ``(loss, pred, mask)``.

        ``x`` (B, C, T) holds 0 where ``observed`` is False and after ``lengths``.
        """
        mask = self.random_masking(x.shape[0], x.shape[-1], x.device)  # (B, 1, T)
        # (B, C, T): hidden besides the masked patches, in training only: `score` and the validation loss
        # measure the same reconstruction whatever value_dropout is
        dropped = drop_values(observed, self.value_dropout if self.training else 0.0)
        # hidden patches and unobserved samples alike: whatever the encoder may not see reads as gap_fill says,
        # so pretraining shows it the very input that gaps give at transform
        visible = self.fill_gaps(x, observed & ~mask & ~dropped, lengths)  # (B, C, T)
        pred = self.forward_decoder(self.forward_encoder(visible, lengths), x.shape[-1])
        return self.forward_loss(x, pred, mask | dropped, observed), pred, mask

    # ---- inference -----------------------------------------------------------------

    def embed(
        self,
        x: torch.Tensor,
        observed: torch.Tensor,
        lengths: torch.Tensor,
        levels: tuple[int, ...] = (-1,),
        pooling: str = "mean",
        decoder: bool = False,
    ) -> torch.Tensor:
        """Resolution embeddings of the chosen ``levels`` (0-based), concatenated.

        Pooling covers each level's positions whose window of input samples holds an
        observed one: end padding, NaN tails and gaps longer than a window are left
        out, so a series embeds alike whatever unobserved samples frame it.
        ``"flatten"`` keeps every position. ``decoder`` appends, for each chosen level
        but the bottleneck, the up-block's activation at that level's resolution,
        pooled alike (after every encoder level's part).
        """
        n_levels = len(self.encoder)
        levels = [level % n_levels for level in levels]
        # the deeper levels are not needed, unless the decoder climbs down from the bottleneck
        activations = self.forward_encoder(
            self.fill_gaps(x, observed, lengths), lengths, n_levels=n_levels if decoder else max(levels) + 1
        )
        any_observed = observed.any(1, keepdim=True).to(x.dtype)  # (B, 1, T)

        def pooled(h: torch.Tensor, level: int) -> list[torch.Tensor]:  # h: (B, C_l, T_l)
            if pooling == "flatten":
                return [h.flatten(1)]
            stride = 2 ** (level + 1)
            valid = F.max_pool1d(any_observed, stride, stride, ceil_mode=True)[..., : h.shape[-1]] > 0  # (B, 1, T_l)
            parts = [torch.where(valid, h, 0.0).sum(-1) / valid.sum(-1)]  # (B, C_l)
            if pooling == "meanmax":
                parts.append(torch.where(valid, h, float("-inf")).amax(-1))  # (B, C_l)
            return parts

        parts = [part for level in levels for part in pooled(activations[level], level)]
        if decoder:
            up = self.forward_up(activations, lengths, finest=min(levels))
            parts += [part for level in levels if level < n_levels - 1 for part in pooled(up[level], level)]
        return torch.cat(parts, dim=1)

    def reconstruct(self, x: torch.Tensor, observed: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Reconstruction (B, C, T) of every sample from the observed ones, with no artificial mask.

        The encoder reads the unobserved samples as ``gap_fill`` says, as in ``embed``.
        """
        return self.forward_decoder(self.forward_encoder(self.fill_gaps(x, observed, lengths), lengths), x.shape[-1])

    def layer_ids(
        self, levels: tuple[int, ...] = (-1,), decoder: bool = False, **embed_kwargs
    ) -> tuple[dict[str, int | None], int]:
        """Layer id of every parameter in the stack that ``embed(levels=levels, decoder=decoder)`` runs (MAE's
        ``get_layer_id_for_vit``).

        Returns ``(ids, n_blocks)``: ``ids[name]`` is ``i + 1`` for encoder level ``i`` up
        to the deepest level ``embed`` runs (the first level takes the place of an input
        embedding), then, with ``decoder``, ``n_levels + j + 1`` for the ``j``-th up-block it
        runs (the deepest first), and None for what ``embed`` does not use (deeper levels,
        the other up-blocks and the reconstruction head); ``n_blocks`` counts the blocks used.
        """
        n_levels = len(self.encoder)
        levels = [level % n_levels for level in levels]
        finest = min(levels)
        up_blocks = n_levels - 1 - finest if decoder else 0
        used = n_levels if decoder else max(levels) + 1

        def layer_id(name: str) -> int | None:
            level = numbered(name, "encoder.")
            if level is not None:
                return level + 1 if level < used else None
            block = numbered(name, "decoder.")
            return n_levels + block + 1 if block is not None and block < up_blocks else None

        return {name: layer_id(name) for name, _ in self.named_parameters()}, used + up_blocks

    def hide_observations(
        self, rate: float, x: torch.Tensor, observed: torch.Tensor, lengths: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """An ``embed`` batch with a random ``rate`` of the observed time steps hidden (fine-tuning augmentation)."""
        x, observed = drop_time_steps(x, observed, rate)  # (B, C, T) each
        return {"x": x, "observed": observed, "lengths": lengths}


def inside_series(lengths: torch.Tensor, stride: int, size: int) -> torch.Tensor:
    """(B, 1, size) bool: positions of a level with ``stride`` that cover a series sample.

    A stride-``s`` level keeps ``ceil(length / s)`` positions of a ``length``-sample series.
    """
    valid_length = -torch.div(-lengths, stride, rounding_mode="floor")  # ceil(lengths / stride)
    return torch.arange(size, device=lengths.device) < valid_length[:, None, None]
