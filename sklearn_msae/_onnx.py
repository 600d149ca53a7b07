"""ONNX export of a fitted embedder's ``transform``: raw series in, features out.

The exported graph holds everything that ``transform`` does after `to_panel` on a
numpy panel: per-channel scaling, NaN as unobserved, the method's tokenisation and the
network's ``embed`` for the embedder's current ``layer`` and ``pooling``. The numpy
tokenisers of the estimators cannot be traced, so each method's is written again here
with torch operations whose sizes do not depend on the data (a static graph needs that):

- HiMAE and AIM pad the time axis to the length their ``_tokenize`` pads to;
- AIM keeps every token in the encoder and only key-masks the missing ones
  (``embed(..., drop_hidden=False)``), which gives the same embedding as dropping them;
- RoMAE's value tokens are all ``n_channels * n_timepoints`` scalars, the unobserved
  ones as padding, instead of the observed ones gathered first: attention with RoPE and
  the pooling do not depend on token order, so the embedding is the same.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .nn.aim import AIM
from .nn.himae import HiMAE
from .nn.romae import RoMAE

_INSTALL_HINT = 'pip install "sklearn-msae[onnx]"'


def export_onnx(embedder, path) -> Path:
    """Write the ONNX graph of ``embedder.transform`` to ``path``; see `BaseMAEEmbedder.to_onnx`."""
    check_is_fitted(embedder)
    embedder._check_transform_params()
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike (the .onnx file to write); got {type(path).__name__}")
    try:  # torch's exporter needs both; neither is a dependency of the package
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"to_onnx needs the packages of the 'onnx' extra: {_INSTALL_HINT}") from exc

    graph = _GRAPHS[type(embedder.net_.module_)](embedder).eval()
    n_channels, n_timepoints = embedder.n_channels_, embedder.n_timepoints_
    # two series, not one: torch.export specialises a dimension whose example size is 1
    example = {"X": torch.zeros(2, n_channels, n_timepoints)}
    batch = torch.export.Dim("batch")
    dynamic_shapes = {"X": {0: batch}}
    if isinstance(graph, _RoMAEGraph):  # any length: RoPE positions need no fixed grid
        time, length = torch.export.Dim("time"), max(n_timepoints, 2)  # 2: not specialised either
        example["X"] = torch.zeros(2, n_channels, length)
        example["times"] = torch.arange(length, dtype=torch.float64).expand(2, -1)
        dynamic_shapes = {"X": {0: batch, 2: time}, "times": {0: batch, 1: time}}
    with warnings.catch_warnings():
        # warnings about the exporter's own internals, which a caller cannot act on
        warnings.filterwarnings("ignore", message=".*LeafSpec.*", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*shares the same shape constraints.*", category=UserWarning)
        program = torch.onnx.export(
            graph,
            kwargs=example,
            dynamo=True,
            dynamic_shapes=dynamic_shapes,
            input_names=list(example),
            output_names=["embedding"],
            external_data=False,  # one self-contained file; the presets are far below ONNX's 2 GB limit
            verbose=False,
        )
    path = Path(path)
    program.save(path)
    return path


class _TransformGraph(nn.Module):
    """Channel scaling and NaN handling shared by every method's graph.

    Holds a CPU copy of the fitted network (the embedder's own stays on its device)
    and the ``embed`` arguments of the embedder's current transform parameters.
    """

    def __init__(self, embedder):
        super().__init__()
        self.network = copy.deepcopy(embedder.net_.module_).cpu()
        self.register_buffer("center", torch.as_tensor(embedder.channel_center_)[:, None])  # (C, 1)
        self.register_buffer("scale", torch.as_tensor(embedder.channel_scale_)[:, None])  # (C, 1)
        self.embed_kwargs = embedder._embed_kwargs()

    def scaled(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled values with NaN set to 0, and the observed mask, both (B, C, T)."""
        observed = ~torch.isnan(X)
        return torch.where(observed, (X - self.center) / self.scale, 0.0), observed


class _HiMAEGraph(_TransformGraph):
    def __init__(self, embedder):
        super().__init__(embedder)
        self.padding = embedder._padded_length(embedder.n_timepoints_) - embedder.n_timepoints_

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        lengths = torch.full((X.shape[0],), X.shape[-1], dtype=torch.long)  # numpy series fill the grid
        values, observed = F.pad(values, (0, self.padding)), F.pad(observed, (0, self.padding))
        return self.network.embed(values, observed, lengths, **self.embed_kwargs)


class _AIMGraph(_TransformGraph):
    def __init__(self, embedder):
        super().__init__(embedder)
        self.padding = -embedder.n_timepoints_ % embedder.patch_size
        self.clip = embedder.clip

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        if self.clip is not None:
            values = values.clamp(-self.clip, self.clip)
        values, observed = F.pad(values, (0, self.padding)), F.pad(observed, (0, self.padding))
        return self.network.embed(values, observed, **self.embed_kwargs, drop_hidden=False)


class _RoMAEGraph(_TransformGraph):
    def __init__(self, embedder):
        super().__init__(embedder)
        self.value_tokens = embedder.tokens_ == "value"
        self.time_scale = embedder.time_scale_

    def forward(self, X: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        # float64 difference first, as `RoMAEEmbedder._positions` does: epoch-second stamps keep their precision
        positions = ((times - times[:, :1]) * self.time_scale).float()  # (B, T)
        values, observed = values.transpose(1, 2), observed.transpose(1, 2)  # (B, T, C)
        if not self.value_tokens:
            token_mask = observed.any(-1)  # (B, T): a step with no observed channel is padding
            return self.network.embed(values, positions[:, None, :], token_mask, observed, **self.embed_kwargs)
        B, T, C = values.shape
        channel = torch.arange(C, dtype=positions.dtype).repeat(T).expand(B, -1)  # (B, T * C), t-major
        positions = torch.stack([positions.repeat_interleave(C, dim=1), channel], dim=1)  # (B, 2, T * C)
        observed = observed.reshape(B, T * C, 1)
        return self.network.embed(
            values.reshape(B, T * C, 1), positions, observed[..., 0], observed, **self.embed_kwargs
        )


_GRAPHS = {HiMAE: _HiMAEGraph, AIM: _AIMGraph, RoMAE: _RoMAEGraph}
