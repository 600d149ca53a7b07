"""`ChannelIndependent`: one univariate network for series of any number of channels.

Every channel of a series is encoded alone by the same network (the channel
independence of PatchTST, Nie et al., ICLR 2023), so the weights do not depend on the
channel count: a network pretrained on a corpus of univariate series embeds a
2-channel and a 24-channel series alike.
"""

from __future__ import annotations

import torch
from torch import nn

CHANNEL_POOLINGS = ("mean", "meanmax", "concat")

#: The batch entries with a channel axis (B, C, T); every other entry holds one value per series.
_PER_CHANNEL = ("x", "observed")


class ChannelIndependent(nn.Module):
    """A network built for one channel, applied to every channel of a multichannel batch.

    The batch's ``x`` and ``observed`` (B, C, T) are read as B * C univariate series;
    every other tensor of the batch (``lengths`` (B,)...) holds one value per series
    and is repeated for each of its channels. Embeddings are pooled over the channels
    with an observed value (``channel_pooling``).

    Parameters
    ----------
    network : type of torch.nn.Module
        The network class (`HiMAE`, `AIM`); it takes ``in_channels`` and answers
        ``forward``, ``embed``, ``reconstruct``, ``layer_ids`` and ``hide_observations``
        on a batch with ``x`` and ``observed`` of shape (B, C, T).
    network_kwargs : dict
        Its constructor arguments; ``in_channels`` is set to 1.
    """

    def __init__(self, network: type[nn.Module], network_kwargs: dict):
        super().__init__()
        self.network = network(**{**network_kwargs, "in_channels": 1})

    @staticmethod
    def split_channels(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The batch of B series of C channels as B * C univariate series (series-major)."""
        n_channels = batch["observed"].shape[1]
        return {
            key: value.flatten(0, 1)[:, None] if key in _PER_CHANNEL else value.repeat_interleave(n_channels, dim=0)
            for key, value in batch.items()
        }  # (B, C, T) -> (B * C, 1, T); (B, ...) -> (B * C, ...)

    @staticmethod
    def _with_observed_channels(batch: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The batch with every channel that has no observed value read as observed zeros, and (B, C) which have one.

        Every network can then embed every row with sizes that do not depend on the
        data (a static graph for ONNX); the stand-in rows are left out afterwards.
        """
        observed = batch["observed"]  # (B, C, T)
        has_values = observed.flatten(2).any(-1)  # (B, C)
        return {**batch, "observed": observed | ~has_values[..., None]}, has_values

    def forward(self, **batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The network's ``(loss, pred, mask)`` over every channel; ``pred`` and ``mask`` (B, C, ...)."""
        n_series, n_channels = batch["observed"].shape[:2]
        # a channel with no observed value adds nothing to the loss: it counts only observed values
        loss, pred, mask = self.network(**self.split_channels(batch))
        return loss, pred.reshape(n_series, n_channels, *pred.shape[2:]), mask.reshape(n_series, n_channels, *mask.shape[2:])

    def embed(self, channel_pooling: str = "mean", **inputs) -> torch.Tensor:
        """Channel embeddings pooled over the channels with an observed value.

        ``inputs`` are the batch's tensors and the network's ``embed`` options.
        ``channel_pooling``: ``"mean"`` (B, D), ``"meanmax"`` mean and max (B, 2 D), or
        ``"concat"`` (B, C * D) for a fixed channel count, zeros for a channel with no
        observed value. A series with no observed value embeds as NaN (mean) or -inf (max).
        """
        if channel_pooling not in CHANNEL_POOLINGS:
            raise ValueError(f"channel_pooling must be one of {CHANNEL_POOLINGS}, got {channel_pooling!r}")
        batch = {key: value for key, value in inputs.items() if isinstance(value, torch.Tensor)}
        options = {key: value for key, value in inputs.items() if key not in batch}
        n_series, n_channels = batch["observed"].shape[:2]
        batch, has_values = self._with_observed_channels(batch)
        z = self.network.embed(**self.split_channels(batch), **options).unflatten(0, (n_series, n_channels))  # (B, C, D)
        kept = has_values[..., None]  # (B, C, 1)
        if channel_pooling == "concat":
            return torch.where(kept, z, 0.0).flatten(1)  # (B, C * D)
        mean = torch.where(kept, z, 0.0).sum(1) / kept.sum(1)  # (B, D)
        if channel_pooling == "mean":
            return mean
        return torch.cat([mean, torch.where(kept, z, float("-inf")).amax(1)], dim=1)  # (B, 2 D)

    def reconstruct(self, **batch: torch.Tensor) -> torch.Tensor:
        """The network's reconstruction (B, C, T) of every channel; 0 (the scaled mean) for a channel never observed.

        Channels are reconstructed alone, so one with no observed value has nothing to
        be reconstructed from.
        """
        n_series, n_channels = batch["observed"].shape[:2]
        batch, has_values = self._with_observed_channels(batch)
        pred = self.network.reconstruct(**self.split_channels(batch))  # (B * C, 1, T)
        return torch.where(has_values[..., None], pred.reshape(n_series, n_channels, -1), 0.0)

    def layer_ids(self, channel_pooling: str = "mean", **embed_kwargs) -> tuple[dict[str, int | None], int]:
        """The network's ``layer_ids`` under this module's parameter names."""
        ids, n_blocks = self.network.layer_ids(**embed_kwargs)
        return {f"network.{name}": layer_id for name, layer_id in ids.items()}, n_blocks

    def hide_observations(self, rate: float, **batch: torch.Tensor) -> dict[str, torch.Tensor]:
        """The network's ``hide_observations`` of the (B, C, T) batch (it draws per value of any channel count)."""
        return self.network.hide_observations(rate, **batch)
