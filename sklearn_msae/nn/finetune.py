"""`FineTuneNetwork`: a pretrained network's ``embed`` followed by a standardising linear head."""

from __future__ import annotations

import torch
from torch import nn


class FineTuneNetwork(nn.Module):
    """A pretrained network's ``embed`` followed by a standardising linear head.

    The head computes ``linear((z - feature_center) / feature_scale)`` of the embedding
    ``z``; the centre and scale are fixed buffers (the pretrained embedding's training
    statistics, set by the estimator); the linear layer starts at zero (the estimator
    may then set it to a linear probe).

    Parameters
    ----------
    network : type of torch.nn.Module
        The embedder's network class (`HiMAE`, `AIM` or `RoMAE`).
    network_kwargs : dict
        Its constructor arguments.
    embed_kwargs : dict
        Keyword arguments of its ``embed`` besides the batch (``layer``, ``pooling``...).
    n_features : int
        Width of the embedding.
    n_outputs : int
        Width of the head (classes, or regression targets).
    freeze : bool
        Train the head only: the network's parameters need no gradient and it stays in
        eval mode (BatchNorm statistics, dropout), whatever the mode of the wrapper.
    layer_decay : float or None
        Layer-wise learning-rate decay, see `param_groups`; needs a network that answers
        ``layer_ids(**embed_kwargs)`` (every network of `sklearn_msae.nn` does).
    observation_dropout : float
        In training mode, the network's ``hide_observations`` hides this random fraction
        of each batch's observations before embedding it (an augmentation); 0 disables it.
    """

    def __init__(
        self,
        network: type[nn.Module],
        network_kwargs: dict,
        embed_kwargs: dict,
        n_features: int,
        n_outputs: int,
        freeze: bool = False,
        layer_decay: float | None = None,
        observation_dropout: float = 0.0,
    ):
        super().__init__()
        self.backbone = network(**network_kwargs)
        self.embed_kwargs, self.freeze, self.layer_decay = dict(embed_kwargs), freeze, layer_decay
        if observation_dropout and not hasattr(self.backbone, "hide_observations"):
            raise ValueError(f"observation_dropout needs a network with hide_observations; got {network.__name__}")
        self.observation_dropout = observation_dropout
        self.register_buffer("feature_center", torch.zeros(n_features))
        self.register_buffer("feature_scale", torch.ones(n_features))
        self.head = nn.Linear(n_features, n_outputs)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

        if hasattr(self.backbone, "layer_ids"):
            self.layer_ids, self.n_blocks = self.backbone.layer_ids(**self.embed_kwargs)
        elif layer_decay is not None:
            raise ValueError(f"layer_decay needs a network of known layout (with layer_ids); got {network.__name__}")
        else:  # one learning rate: every parameter is trained, as if in one block
            self.layer_ids, self.n_blocks = {name: 0 for name, _ in self.backbone.named_parameters()}, 0
        for name, param in self.backbone.named_parameters():
            param.requires_grad_(not freeze and self.layer_ids[name] is not None)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze:
            self.backbone.eval()
        return self

    def forward(self, **batch) -> torch.Tensor:
        if self.training and self.observation_dropout:
            batch = self.backbone.hide_observations(self.observation_dropout, **batch)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            z = self.backbone.embed(**batch, **self.embed_kwargs)  # (B, n_features)
        return self.head((z - self.feature_center) / self.feature_scale)  # (B, n_outputs)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        """AdamW parameter groups of the trainable parameters.

        Biases, normalisation weights and learned tokens get no weight decay. With
        ``layer_decay`` (BEiT / MAE fine-tuning), a parameter of layer id ``s`` (the
        backbone's ``layer_ids``) learns at ``lr * layer_decay ** (n_blocks + 1 - s)``:
        the head and a final norm at ``lr``, the last block at ``lr * layer_decay``, the
        input embedding at ``lr * layer_decay ** (n_blocks + 1)``.
        """
        groups: dict[tuple[float, float], list[nn.Parameter]] = {}
        top = self.n_blocks + 1
        named = [(f"backbone.{name}", param, self.layer_ids[name]) for name, param in self.backbone.named_parameters()]
        named += [(f"head.{name}", param, top) for name, param in self.head.named_parameters()]
        for name, param, layer_id in named:
            if not param.requires_grad:
                continue
            scale = 1.0 if self.layer_decay is None else self.layer_decay ** (top - layer_id)
            decay = 0.0 if param.ndim <= 1 or name.endswith("_token") else weight_decay
            groups.setdefault((scale, decay), []).append(param)
        return [
            {"params": params, "lr": lr * scale, "weight_decay": decay}
            for (scale, decay), params in sorted(groups.items(), reverse=True)
        ]
