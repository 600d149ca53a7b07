"""Every masking routine of the library (one owner for masking, vectorised torch).

Convention: a mask is a bool tensor where ``True`` means *hidden from the encoder*.
All randomness comes from torch's global generator (or the ``generator`` given), so a
seeded fit is reproducible.
"""

from __future__ import annotations

import torch


def n_masked(num_patches: int, ratio: float) -> int:
    """Number of patches hidden at ``ratio``: rounded, at least one.

    ``round`` rather than ``int`` because ``int(20 * (1 - 0.8))`` is 3, not 4.
    """
    return min(num_patches, max(1, round(ratio * num_patches)))


def random_patch_mask(
    batch: int,
    num_patches: int,
    ratio: float,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Hide the same number of uniformly drawn patches in every sample.

    Returns a bool tensor of shape (batch, num_patches), ``True`` = masked.
    """
    noise = torch.rand(batch, num_patches, device=device, generator=generator)  # (B, N)
    rank = noise.argsort(dim=1).argsort(dim=1)  # (B, N): rank of each patch's noise
    return rank < n_masked(num_patches, ratio)


def block_patch_mask(
    batch: int,
    num_patches: int,
    ratio: float,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Hide one contiguous block of patches per sample, at a uniformly drawn start.

    Returns a bool tensor of shape (batch, num_patches), ``True`` = masked.
    """
    width = n_masked(num_patches, ratio)
    start = torch.randint(0, num_patches - width + 1, (batch, 1), device=device, generator=generator)
    index = torch.arange(num_patches, device=device)[None, :]  # (1, N)
    return (index >= start) & (index < start + width)  # (B, N)


PATCH_MASKS = {"random": random_patch_mask, "block": block_patch_mask}


def shuffle_real_tokens(token_mask: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Token indices in a uniformly random order, padding always last.

    ``token_mask`` (batch, tokens) is True on real tokens. The first ``k`` columns of
    the result are then ``k`` uniformly drawn real tokens of every sample, as long as
    ``k`` does not exceed the shortest sample's real-token count.
    """
    noise = torch.rand(token_mask.shape, device=token_mask.device, generator=generator)  # (B, N) in [0, 1)
    return noise.masked_fill(~token_mask, 2.0).argsort(dim=1)  # padding (noise 2) sorts last


# ---- LSM-2 Adaptive and Inherited Masking (AIM) --------------------------------------
# Masks below live on the (batch, channels, time patches) token grid of a multichannel
# series; a network flattens them channel-major to (batch, channels * time patches).


def inherited_mask(observed: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Tokens with no observed value (LSM-2's inherited mask).

    ``observed`` is a bool tensor of shape (batch, channels, T), T a multiple of
    ``patch_size``. Returns a bool tensor of shape (batch, channels, T // patch_size),
    ``True`` where all ``patch_size`` values of the token are unobserved; a partially
    observed token is not inherited-masked.
    """
    return ~observed.unflatten(-1, (-1, patch_size)).any(-1)  # (B, C, Nt, P) -> (B, C, Nt)


def temporal_slice_mask(
    batch: int,
    channels: int,
    num_patches: int,
    ratio: float = 0.5,
    contiguous: bool = True,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Hide the same time patches in every channel (a device taken off the body).

    ``contiguous=True`` hides one block of patches (`block_patch_mask`), otherwise
    uniformly drawn patches (`random_patch_mask`). Returns a bool tensor of shape
    (batch, channels, num_patches), ``True`` = masked.
    """
    kind = "block" if contiguous else "random"
    time = PATCH_MASKS[kind](batch, num_patches, ratio, device=device, generator=generator)  # (B, Nt)
    return time[:, None, :].expand(batch, channels, num_patches)


def sensor_slice_mask(
    batch: int,
    channels: int,
    num_patches: int,
    ratio: float = 0.5,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Hide whole channels over all time (a sensor switched off); at least one channel.

    Returns a bool tensor of shape (batch, channels, num_patches), ``True`` = masked.
    """
    sensors = random_patch_mask(batch, channels, ratio, device=device, generator=generator)  # (B, C)
    return sensors[:, :, None].expand(batch, channels, num_patches)


def aim_artificial_mask(
    batch: int,
    channels: int,
    num_patches: int,
    random_ratio: float = 0.8,
    temporal_ratio: float = 0.5,
    sensor_ratio: float = 0.5,
    contiguous_temporal: bool = True,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """LSM-2 artificial mask: one strategy per sample, each with probability 1/3.

    The strategies are random tokens (``random_ratio`` of all tokens), a temporal slice
    (`temporal_slice_mask`) and a sensor slice (`sensor_slice_mask`). A univariate
    series has no sensor to slice (the slice would hide everything), so with one
    channel the draw is between random and temporal, 1/2 each.

    Returns a bool tensor of shape (batch, channels, num_patches), ``True`` = masked.
    """
    kwargs = {"device": device, "generator": generator}
    tokens = random_patch_mask(batch, channels * num_patches, random_ratio, **kwargs)  # (B, C * Nt)
    candidates = torch.stack(
        [
            tokens.view(batch, channels, num_patches),
            temporal_slice_mask(batch, channels, num_patches, temporal_ratio, contiguous_temporal, **kwargs),
            sensor_slice_mask(batch, channels, num_patches, sensor_ratio, **kwargs),
        ]
    )  # (3, B, C, Nt): drawing all three keeps the choice a gather, with no loop over samples
    strategy = torch.randint(0, 3 if channels > 1 else 2, (batch,), **kwargs)  # (B,)
    return candidates[strategy, torch.arange(batch, device=device)]  # (B, C, Nt)


def hybrid_selection(mask: torch.Tensor, drop_ratio: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """LSM-2 adaptive hybrid masking: which tokens enter the encoder, and which may be keys.

    ``D = min(floor(drop_ratio * N), min over the batch of |M|)`` hidden tokens are
    dropped from every sample, the same ``D`` for all so the kept tokens form a
    rectangular (batch, N - D) tensor; the hidden tokens that remain must be excluded
    as attention keys.

    Which hidden tokens are dropped is fixed (the last ones by index), not drawn: a
    key-masked token is invisible to every other token and a network discards its
    output (the decoder puts the mask token at every hidden position), so the choice
    cannot change any result, and a fixed one leaves the random generator alone.

    Parameters
    ----------
    mask : bool tensor of shape (batch, N)
        ``True`` = hidden (inherited or artificial).
    drop_ratio : float
        Largest fraction of the N tokens dropped.

    Returns
    -------
    ids_keep : long tensor of shape (batch, N - D)
        Indices of the kept tokens: the visible ones first, in order, then hidden ones;
        every token in place when ``drop_ratio * N < 1`` (nothing can be dropped).
    attend : bool tensor of shape (batch, N - D)
        ``True`` where the kept token is visible, i.e. may be attended to.
    """
    n = mask.shape[1]
    if int(drop_ratio * n) == 0:
        # no sort and no size read from the data: the selection then exports to a
        # static graph (torch.export, ONNX), whose sizes cannot depend on the mask
        return torch.arange(n, device=mask.device).expand(mask.shape[0], -1), ~mask
    drop = min(int(drop_ratio * n), int(mask.sum(1).min()))
    # uint8 because sort is implemented for it on every backend; visible (0) first, each group in index order
    order = mask.to(torch.uint8).argsort(dim=1, stable=True)  # (B, N)
    ids_keep = order[:, : n - drop]  # (B, N - D)
    return ids_keep, ~mask.gather(1, ids_keep)


# ---- observed values hidden at random (pretraining and fine-tuning augmentation) ------------


def drop_at_random(available: torch.Tensor, rate: float | torch.Tensor) -> torch.Tensor:
    """Hide each ``available`` entry with probability ``rate``, never all of a sample's.

    ``available`` is a bool tensor of shape (batch, ...), ``rate`` a float or a tensor
    broadcastable to it (one rate per sample); returns a bool tensor of its shape,
    ``True`` = hidden. A sample whose draw would hide every available entry keeps them
    all, so an augmented sample is never empty (an embedding of nothing is undefined).
    """
    hidden = available & (torch.rand(available.shape, device=available.device) < rate)
    keeps_some = (available & ~hidden).flatten(1).any(1)  # (B,)
    return hidden & keeps_some.view(-1, *[1] * (available.ndim - 1))


def drop_values(observed: torch.Tensor, max_rate: float) -> torch.Tensor:
    """Observed values to hide from the encoder in pretraining (value dropout), ``True`` = hidden.

    Each sample of ``observed`` (B, ...) hides a fraction of its observed values drawn
    uniformly from [0, ``max_rate``): scattered gaps, which `fill_linear` bridges at
    transform, are then part of what the encoder learns to see through, so its
    embedding of a series with values missing stays near that of the complete series.
    Nothing is drawn when ``max_rate`` is 0 (the random stream stays the papers').
    """
    if not max_rate:
        return torch.zeros_like(observed)
    rate = max_rate * torch.rand(observed.shape[0], *[1] * (observed.ndim - 1), device=observed.device)  # (B, 1, ...)
    return drop_at_random(observed, rate)


def drop_time_steps(x: torch.Tensor, observed: torch.Tensor, rate: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Hide a random ``rate`` of the observed time steps of (B, C, T) series, in all channels.

    The augmentation mirrors the missingness the embedders meet (whole time steps
    dropped, Kidger et al. 2020); hidden values become 0 and unobserved.
    """
    hidden = drop_at_random(observed.any(1, keepdim=True), rate)  # (B, 1, T)
    return x.masked_fill(hidden, 0.0), observed & ~hidden


def fill_linear(x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``x`` with every position where ``valid`` is False filled by linear interpolation.

    Along the last axis, an invalid position takes the straight line between the nearest
    valid positions before and after it, the nearest valid value past either end, and
    0 in a row with no valid position. Valid positions are returned unchanged, and
    nothing at an invalid position is read, so callers may pass anything there.

    Why: a network fed zeros at unobserved steps reads every gap as a run of real zeros,
    so its embedding moves with the gap pattern; fed the interpolated values it moves no
    more than interpolation moves the series.

    Parameters
    ----------
    x : float tensor of shape (..., T)
    valid : bool tensor broadcastable to ``x``'s shape
    """
    valid = valid.expand_as(x)
    length = x.shape[-1]
    index = torch.arange(length, device=x.device).expand_as(x)  # (..., T)
    # order[..., k] is the k-th valid index (the invalid ones follow); a sort and running counts rather than
    # a running maximum, which ONNX cannot export
    order = torch.where(valid, index, index + length).argsort(-1)  # (..., T)
    count = valid.to(torch.int64).cumsum(-1)  # (..., T): valid positions <= t
    earlier = count - valid.to(torch.int64)  # (..., T): valid positions < t
    before = torch.where(count > 0, order.gather(-1, (count - 1).clamp(min=0)), -1)  # last valid <= t, -1 if none
    after = torch.where(  # first valid >= t, length if none
        earlier < count[..., -1:], order.gather(-1, earlier.clamp(max=length - 1)), length
    )
    has_before, has_after = before >= 0, after < length
    x = torch.where(valid, x, 0.0)  # whatever stands at invalid positions is never read
    x_before = x.gather(-1, before.clamp(min=0))  # (..., T)
    x_after = x.gather(-1, after.clamp(max=length - 1))  # (..., T)
    weight = ((index - before) / (after - before).clamp(min=1)).to(x.dtype)  # (..., T): 0 at before, 1 at after
    between = x_before + weight * (x_after - x_before)
    filled = torch.where(has_before & has_after, between, torch.where(has_before, x_before, x_after))
    return torch.where(valid, x, torch.where(has_before | has_after, filled, 0.0))
