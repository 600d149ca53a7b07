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
