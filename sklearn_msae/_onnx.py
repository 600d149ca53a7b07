"""ONNX export of a fitted embedder's ``transform``: raw series in, features out.

The exported graph is the embedder's `onnx_graph`: everything that ``transform`` does
after `to_panel` on a numpy panel (per-channel scaling, NaN as unobserved, the method's
tokenisation, written in torch beside each method's numpy tokeniser, and the network's
``embed`` for the embedder's current ``layer`` and ``pooling``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path

import torch

_INSTALL_HINT = 'pip install "sklearn-msae[onnx]"'

# torch's exporter logs a warning per torchvision operator it cannot register when
# torchvision is absent (four per export); none of them can occur in our graphs.
_REGISTRATION_LOGGER = "torch.onnx._internal.exporter._registration"
_NO_TORCHVISION = "torchvision is not installed. Skipping torchvision::"


class _DropNoTorchvision(logging.Filter):
    """Drops the exporter's "torchvision is not installed" records, and only those."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_NO_TORCHVISION)


@contextlib.contextmanager
def _without_torchvision_notices():
    logger, dropper = logging.getLogger(_REGISTRATION_LOGGER), _DropNoTorchvision()
    logger.addFilter(dropper)
    try:
        yield
    finally:
        logger.removeFilter(dropper)


def export_onnx(embedder, path) -> Path:
    """Write the ONNX graph of ``embedder.transform`` to ``path``; see `BaseMAEEmbedder.to_onnx`."""
    graph = embedder.onnx_graph()
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike (the .onnx file to write); got {type(path).__name__}")
    try:  # torch's exporter needs both; neither is a dependency of the package
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"to_onnx needs the packages of the 'onnx' extra: {_INSTALL_HINT}") from exc

    example, dynamic_shapes = graph.example_inputs()
    with warnings.catch_warnings(), _without_torchvision_notices():
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
