"""Supervised fine-tuning of a masked-autoencoder embedder: `MAEClassifier`, `MAERegressor`.

The estimators start from an embedder (its pretrained weights, or a clone pretrained on
``X``), put a linear head on the embedder's differentiable ``embed`` path and train the
encoder and the head end to end through skorch (``NeuralNetClassifier`` /
``NeuralNetRegressor``, kept as ``net_``). Inputs go through the embedder's own
validation, scaling and tokenisation, exactly as in its ``transform``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d
from torch import nn

from ._base import (
    BaseMAEEmbedder, embed_kwargs, embeddings, encode, encoded_batches, fit_all_or_nothing, fitted_copy, predict_rows,
)  # fmt: skip
from ._docs import doc
from ._panel import n_series
from ._pretrained import is_shipped
from ._training import ClassifierNet, RegressorNet, check_device, follow_device, forked_rng, inference_module, initialized, make_finetuner

__all__ = ["MAEClassifier", "MAERegressor"]


# ---- the estimators ---------------------------------------------------------------------


def _shallow_copy(obj):
    """A new object sharing ``obj``'s attribute values (``copy.copy`` would pickle a skorch net)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


class _BaseFineTuner(BaseEstimator):
    """What `MAEClassifier` and `MAERegressor` share: everything but the targets and the loss."""

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "freeze": ["boolean"],
        "head_init": [StrOptions({"probe", "zeros"})],
        "layer_decay": [Interval(Real, 0, 1, closed="right"), None],
        "observation_dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # ---- subclass interface -------------------------------------------------------

    def _encode_targets(self, y) -> np.ndarray:
        """Validate ``y``, set the target attributes, return the net's targets."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    def _make_net(self, **kwargs):
        raise NotImplementedError

    def _probe(self, features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head weight (n_outputs, n_features) and bias (n_outputs,) of a linear probe on standardised features."""
        raise NotImplementedError

    def _stratify(self, y: np.ndarray, n_valid: int) -> bool:
        return False

    # ---- fit ----------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)  # the embedder's own parameters are validated too
    def fit(self, X, y):
        """Fine-tune the embedder's encoder and a linear head on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints), \
                DataFrame or list of series
            Training series in any format accepted by the embedder; NaN marks unobserved
            values.
        y : array-like of shape (n_series,) (or (n_series, n_targets) for `MAERegressor`)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import AIMEmbedder, MAEClassifier
        >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = AIMEmbedder(size="tiny", max_epochs=1, random_state=0)  # pretrained on X in fit
        >>> clf = MAEClassifier(embedder, max_epochs=2, random_state=0).fit(X, y)
        >>> clf.n_epochs_, clf.embedder_.transform(X[:3]).shape
        (2, (3, 192))
        """
        fit_all_or_nothing(self, self._fit, X, y)
        return self

    def _fit(self, X, y) -> None:
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        targets = self._encode_targets(y)
        # before a pretraining; other formats (sparse matrices...) are left to the embedder's validation
        n_given = n_series(X) if isinstance(X, (np.ndarray, pd.DataFrame, list, tuple)) else None
        if n_given is not None and n_given != len(targets):
            raise ValueError(f"X has {n_given} series but y has {len(targets)} targets; give one target per series")
        rng = check_random_state(self.random_state)
        pretrain_seed, seed = (int(rng.randint(np.iinfo(np.int32).max)) for _ in range(2))

        source = self._pretrained_embedder(X, pretrain_seed)
        # prediction runs through embedder_'s batches: their progress follows this estimator's verbose
        self.embedder_ = embedder = fitted_copy(source, device=self.device, verbose=self.verbose)
        network_kwargs = embed_kwargs(embedder)
        panel, batch = encode(embedder, X)
        if panel.n_series != len(targets):
            raise ValueError(f"X has {panel.n_series} series but y has {len(targets)} targets")
        # float64 features of the whole encoded batch, the one that fine-tuning trains on
        features = embeddings(embedder, X, batches=encoded_batches(embedder, panel, batch, verbose=self.verbose))
        features = features.astype(np.float64)

        n_valid = math.ceil(self.validation_fraction * len(targets)) if self.early_stopping else 0
        if self.early_stopping and len(targets) - n_valid < 1:
            raise ValueError(
                f"early_stopping holds out validation_fraction={self.validation_fraction} of the "
                f"{len(targets)} series and leaves none to train on; give more series or set early_stopping=False"
            )
        net = self._build_net(
            type(embedder.net_.module_), embedder.net_.get_params_for("module"), network_kwargs, features.shape[1], seed,
            n_train=len(targets) - n_valid, stratified=self._stratify(targets, n_valid),
        )
        initialized(net)
        module = net.module_
        module.backbone.load_state_dict(embedder.net_.module_.state_dict())
        center, scale = features.mean(axis=0), features.std(axis=0)
        scale = np.where(scale > 1e-6, scale, 1.0)
        module.feature_center.copy_(torch.as_tensor(center))
        module.feature_scale.copy_(torch.as_tensor(scale))
        if self.head_init == "probe":  # LP-FT: start from the linear probe of the pretrained features
            weight, bias = self._probe((features - center) / scale, targets)
            module.head.weight.data.copy_(torch.as_tensor(weight))
            module.head.bias.data.copy_(torch.as_tensor(bias))

        with forked_rng(net.device):
            torch.manual_seed(seed)
            net.partial_fit(batch, targets)  # initialised above: partial_fit keeps the loaded weights
        if net.interrupted_:
            raise KeyboardInterrupt("fine-tuning was interrupted; the estimator stays unfitted")
        stopper = dict(net.callbacks_).get("early_stopping")
        if stopper is not None:
            stopper.best_model_weights_ = None  # a copy of the weights, no longer needed
        net.module_.eval()
        self.net_ = net
        self.n_epochs_ = len(net.history)
        self._share_network()
        # a diverged head (lr far too high) is named here, not by NaN predictions later
        rows = slice(0, min(panel.n_series, self.batch_size))
        sample = encoded_batches(embedder, panel[rows], {key: value[rows] for key, value in batch.items()})
        if not np.isfinite(self._forward(panel.values[rows], batches=sample)).all():
            raise ValueError(
                f"fine-tuning diverged: the network's outputs for its own training series are inf or NaN; lower lr "
                f"(now {self.lr!r})"
            )
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(embedder, name):
                setattr(self, name, getattr(embedder, name))

    def _pretrained_embedder(self, X, seed: int) -> BaseMAEEmbedder:
        """The fitted embedder to start from: the given one, or a clone pretrained on ``X``."""
        embedder = self.embedder
        if embedder is None:
            from .romae import RoMAEEmbedder

            embedder = RoMAEEmbedder()
        frozen = isinstance(embedder, FrozenEstimator)
        inner = embedder.estimator if frozen else embedder
        if not isinstance(inner, BaseMAEEmbedder):
            raise TypeError(
                "embedder must be a HiMAEEmbedder, AIMEmbedder or RoMAEEmbedder (fitted or not, or a fitted one "
                f"wrapped in sklearn.frozen.FrozenEstimator); got {type(inner).__name__}"
            )
        try:
            check_is_fitted(inner)
            # a shipped checkpoint as loaded holds the scaling of its corpus, never that of X: its fit
            # (below) reloads it and learns X's scaling
            if frozen or not is_shipped(inner.pretrained):
                return inner  # never modified: `fitted_copy` copies what it needs
        except NotFittedError:
            if frozen:
                raise ValueError(
                    "the embedder wrapped in FrozenEstimator is not fitted; fit it first, or pass it unwrapped "
                    "to pretrain a clone of it on X"
                ) from None
        pretrainer = clone(inner)
        if pretrainer.random_state is None:
            pretrainer.set_params(random_state=seed)
        # this pretraining is part of this fit: its progress shows when either estimator is verbose
        pretrainer.set_params(verbose=max(pretrainer.verbose, self.verbose))
        return pretrainer.fit(X)

    def _build_net(self, network, network_kwargs, embed_kwargs, n_features, seed, *, n_train, stratified):
        module_kwargs = {
            "network": network, "network_kwargs": network_kwargs, "embed_kwargs": embed_kwargs,
            "n_features": n_features, "n_outputs": self._n_outputs(), "freeze": self.freeze,
            "layer_decay": self.layer_decay, "observation_dropout": self.observation_dropout,
        }  # fmt: skip
        return make_finetuner(
            self._make_net, module_kwargs, n_train=n_train, max_epochs=self.max_epochs, batch_size=self.batch_size,
            lr=self.lr, weight_decay=self.weight_decay, warmup_fraction=self.warmup_fraction,
            gradient_clip=self.gradient_clip, patience=self.n_iter_no_change if self.early_stopping else None,
            validation_fraction=self.validation_fraction, stratified=stratified, device=self.device,
            verbose=self.verbose, seed=seed,
        )  # fmt: skip

    # ---- inference ----------------------------------------------------------------

    def _forward(self, X, batches=None) -> np.ndarray:
        """The head's output (n_series, n_outputs), float64, for ``X`` (``batches``: its encoded batches)."""
        check_is_fitted(self)
        # a device set after fit: validated (a ValueError naming the available ones), then the
        # head and the embedder's batches follow it
        check_device(self.device)
        follow_device(self.net_, self.device)
        self.embedder_.set_params(device=self.device)
        return predict_rows(
            self.embedder_, X, lambda module, batch, panel, rows: module(**batch).double().cpu().numpy(),
            module=inference_module(self.net_), batches=batches,
        )  # fmt: skip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # every embedder accepts NaN as "unobserved"
        tags.input_tags.three_d_array = True
        return tags

    # ---- helpers ------------------------------------------------------------------

    def _share_network(self) -> None:
        """Make ``embedder_`` embed with the fine-tuned network (``net_.module_.backbone``) itself."""
        net = self.embedder_.net_
        net.module_ = self.net_.module_.backbone
        net.initialize_optimizer()  # over the shared parameters, so the pretrained copy is freed

    def __getstate__(self):
        state = dict(super().__getstate__())  # may be self.__dict__ itself, which must stay as it is
        if "embedder_" in state and "net_" in state:
            # embedder_.net_.module_ is net_.module_.backbone: pickle its weights once (with
            # net_), and share it again on loading
            embedder, embedder_net = _shallow_copy(state["embedder_"]), _shallow_copy(state["embedder_"].net_)
            embedder_net.module_ = embedder_net.optimizer_ = None
            embedder.net_ = embedder_net
            state["embedder_"] = embedder
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "embedder_" in state and "net_" in state:
            self._share_network()


_PARAMETERS_DOC = """
    embedder : HiMAEEmbedder, AIMEmbedder, RoMAEEmbedder or None, default=None
        Where the encoder comes from. A fitted embedder lends a copy of its pretrained
        network (the embedder itself is never modified); an unfitted one is cloned and
        pretrained on ``X`` (self-supervised) at the start of ``fit``, with a seed drawn
        from ``random_state`` when its own ``random_state`` is None. None pretrains
        ``RoMAEEmbedder()``. The embedder's parameters fix the input handling (scaling,
        tokens) and what is embedded (``layer``, ``pooling``). ``clone`` (and so a grid
        search) clones a fitted embedder into an unfitted one; wrap it in
        ``sklearn.frozen.FrozenEstimator`` to keep its pretraining, or give it a
        ``memory`` to cache the pretraining of each fold.
    freeze : bool, default=False
        Train the head only (a linear probe trained by gradient descent): the encoder's
        weights and BatchNorm statistics stay as pretrained.
    head_init : {"probe", "zeros"}, default="probe"
        Start of the head. ``"probe"``: the linear probe of the pretrained embedding
        ({probe} on the standardised training embeddings), so that fine-tuning starts
        from the probe's solution rather than from a random head whose gradients would
        distort the pretrained features (LP-FT, Kumar et al., ICLR 2022). ``"zeros"``:
        a zero head.
    layer_decay : float in (0, 1] or None, default=None
        Layer-wise learning-rate decay (BEiT / MAE fine-tuning): the head (and AIM's final
        norm) learns at ``lr``, the last encoder block used at ``lr * layer_decay``, the
        block before at ``lr * layer_decay ** 2``, ..., the input embedding (token
        embedding, RoMAE's [CLS]) at ``lr * layer_decay ** (n_blocks + 1)``. For
        transformers a block is a transformer block (RoMAE: those up to ``layer``); for
        HiMAE it is an encoder level (those up to the deepest level of ``layer``), the
        first level taking the place of the input embedding. None: one learning rate.
    observation_dropout : float in [0, 1), default=0.0
        Augmentation: in every training batch, each observed time step of each series
        (all its channels; for RoMAE's ``tokens="value"``, each observed value) is
        hidden with this probability, as if it were missing, and never all of a series.
        The embedders take gaps natively, so the augmentation is the missingness they
        meet; it regularises fine-tuning on few series. Prediction sees every value
        (HiMAE's BatchNorm statistics, though, are those of the augmented batches).
    max_epochs : int, default=30
        Fine-tuning epochs.
    batch_size : int, default=16
        Fine-tuning batch size.
    lr : float, default=1e-3
        Peak AdamW learning rate (linear warm-up, then cosine decay to 0 at
        ``max_epochs``).
    weight_decay : float, default=0.05
        AdamW weight decay, on weight matrices only (not on biases, norms and learned
        tokens).
    warmup_fraction : float, default=0.1
        Fraction of the training steps spent warming up the learning rate.
    gradient_clip : float or None, default=1.0
        Maximum gradient norm; None disables clipping.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the series and stop when their loss has not
        improved for ``n_iter_no_change`` epochs, keeping the weights of the best epoch.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the series held out when ``early_stopping`` is True{stratified}.
    n_iter_no_change : int, default=10
        Early-stopping patience in epochs.
    device : str, default="auto"
        Torch device of the fine-tuning and of prediction; ``"auto"`` uses CUDA when
        available.
    verbose : int, default=0
        Show skorch's per-epoch log and progress bars when positive: fine-tuning
        epochs, the pretraining of an unfitted ``embedder``'s clone, and the batches
        of ``predict``.
    random_state : int, RandomState instance or None, default=None
        Seed of the validation split, batch order and stochastic layers (and of an
        unseeded embedder's pretraining); an int makes ``fit`` reproducible on CPU."""

_ATTRIBUTES_DOC = """
    embedder_ : HiMAEEmbedder, AIMEmbedder or RoMAEEmbedder
        A fitted copy of the embedder whose network is the fine-tuned encoder itself:
        ``embedder_.transform`` gives fine-tuned embeddings and
        ``embedder_.save_pretrained`` saves the fine-tuned encoder.
    net_ : skorch.{net}
        The skorch net: ``net_.module_`` is a `FineTuneNetwork` (``backbone``, the
        encoder's network, and ``head``) and ``net_.history`` the training log.
    n_epochs_ : int
        Epochs trained (fewer than ``max_epochs`` after early stopping).
    n_features_in_ : int
        Number of columns seen in ``fit``; set only for 2-D input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; set only for a 2-D DataFrame with string columns."""


@doc(
    finetune_parameters=_PARAMETERS_DOC,
    finetune_attributes=_ATTRIBUTES_DOC,
    stratified=", stratified by class when every class has enough series",
    probe="``LogisticRegression()``",
    net="NeuralNetClassifier",
)
class MAEClassifier(ClassifierMixin, _BaseFineTuner):
    """Fine-tune a masked-autoencoder embedder and a linear head for classification.

    The encoder of ``embedder`` (pretrained, or pretrained on ``X`` here) and a linear
    head on its embedding are trained end to end with label-smoothed cross-entropy,
    AdamW and a warm-up + cosine learning rate. The embedding is exactly the embedder's
    ``transform`` (same scaling, tokens, ``layer`` and ``pooling``), made differentiable,
    so missing values (NaN) are handled as the embedder handles them. The head
    standardises the embedding with its statistics on the training series (as
    ``StandardScaler`` would) and starts from the linear probe of the pretrained
    embedding (``head_init``).

    Parameters
    ----------
    {finetune_parameters}
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing of the cross-entropy loss.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    {finetune_attributes}

    See Also
    --------
    MAERegressor : the same for regression.

    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_msae import AIMEmbedder, MAEClassifier
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> embedder = AIMEmbedder(size="tiny", max_epochs=2, random_state=0).fit(X)
    >>> clf = MAEClassifier(embedder, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['badminton', 'running', 'standing', 'walking']
    >>> clf.predict_proba(X[:3]).shape
    (3, 4)

    The head alone (a linear probe), with a layer-wise decay of the learning rate
    when the encoder is trained:

    >>> probe = MAEClassifier(embedder, freeze=True, max_epochs=2, random_state=0).fit(X, y)
    >>> clf = MAEClassifier(embedder, layer_decay=0.75, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.embedder_.transform(X[:3]).shape  # fine-tuned embeddings
    (3, 192)
    """

    _parameter_constraints: dict = {
        **_BaseFineTuner._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        embedder=None,
        *,
        freeze=False,
        head_init="probe",
        layer_decay=None,
        observation_dropout=0.0,
        label_smoothing=0.0,
        max_epochs=30,
        batch_size=16,
        lr=1e-3,
        weight_decay=0.05,
        warmup_fraction=0.1,
        gradient_clip=1.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="auto",
        verbose=0,
        random_state=None,
    ):
        self.embedder = embedder
        self.freeze = freeze
        self.head_init = head_init
        self.layer_decay = layer_decay
        self.observation_dropout = observation_dropout
        self.label_smoothing = label_smoothing
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.gradient_clip = gradient_clip
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def predict_proba(self, X):
        """Class probabilities of every series of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        proba : ndarray of shape (n_series, n_classes)
            Probabilities of the classes, in the order of ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import AIMEmbedder, MAEClassifier
        >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = AIMEmbedder(size="tiny", max_epochs=1, random_state=0)
        >>> clf = MAEClassifier(embedder, max_epochs=1, random_state=0).fit(X, y)
        >>> proba = clf.predict_proba(X[:3])
        >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
        ((3, 4), True)
        """
        logits = self._forward(X)
        return torch.softmax(torch.from_numpy(logits), dim=1).numpy()

    def predict(self, X):
        """Most probable class of every series of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        y_pred : ndarray of shape (n_series,)
            Labels from ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import AIMEmbedder, MAEClassifier
        >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = AIMEmbedder(size="tiny", max_epochs=1, random_state=0)
        >>> clf = MAEClassifier(embedder, max_epochs=1, random_state=0).fit(X, y)
        >>> y_pred = clf.predict(X[:3])
        >>> y_pred.shape, bool(np.isin(y_pred, clf.classes_).all())
        ((3,), True)
        """
        logits = self._forward(X)
        return self.classes_[logits.argmax(axis=1)]

    def _encode_targets(self, y) -> np.ndarray:
        y = column_or_1d(y, warn=True)
        missing = pd.isna(y)
        if missing.any():  # before sklearn's checks, which fail to sort None among string labels
            raise ValueError(
                f"y has a missing label (None or NaN) for series {np.flatnonzero(missing)[:5].tolist()}; "
                "every series needs a class: drop those series or label them"
            )
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs series of at least 2 classes in y; got {len(self.classes_)} class"
            )
        return encoded.astype(np.int64)

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _stratify(self, y: np.ndarray, n_valid: int) -> bool:
        n_classes = len(self.classes_)
        return np.bincount(y).min() >= 2 and n_valid >= n_classes and len(y) - n_valid >= n_classes

    def _probe(self, features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        probe = LogisticRegression(max_iter=1000).fit(features, targets)
        weight, bias = probe.coef_, probe.intercept_
        if len(self.classes_) == 2:  # one logit -> two whose softmax is the same sigmoid
            weight, bias = np.concatenate([-weight, weight]) / 2, np.concatenate([-bias, bias]) / 2
        return weight, bias

    def _make_net(self, **kwargs):
        return ClassifierNet(
            criterion=nn.CrossEntropyLoss,
            criterion__label_smoothing=self.label_smoothing,
            classes=list(range(len(self.classes_))),
            **kwargs,
        )


@doc(
    finetune_parameters=_PARAMETERS_DOC,
    finetune_attributes=_ATTRIBUTES_DOC,
    stratified="",
    probe="``Ridge()`` of the standardised targets",
    net="NeuralNetRegressor",
)
class MAERegressor(RegressorMixin, _BaseFineTuner):
    """Fine-tune a masked-autoencoder embedder and a linear head for regression.

    The encoder of ``embedder`` (pretrained, or pretrained on ``X`` here) and a linear
    head on its embedding are trained end to end on the mean squared error of the
    standardised targets, with AdamW and a warm-up + cosine learning rate. The
    embedding is exactly the embedder's ``transform`` (same scaling, tokens, ``layer``
    and ``pooling``), made differentiable, so missing values (NaN) are handled as the
    embedder handles them. The head standardises the embedding with its statistics on
    the training series and starts from the ridge probe of the pretrained embedding
    (``head_init``).

    Parameters
    ----------
    {finetune_parameters}

    Attributes
    ----------
    target_center_, target_scale_ : ndarray of shape (n_targets,)
        Mean and standard deviation of the training targets; the network predicts the
        standardised targets.
    {finetune_attributes}

    See Also
    --------
    MAEClassifier : the same for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import HiMAEEmbedder, MAERegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2, 64)).astype(np.float32)
    >>> y = X[:, 0].std(axis=1)  # the amplitude of channel 0
    >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0)  # pretrained in fit
    >>> reg = MAERegressor(embedder, max_epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        embedder=None,
        *,
        freeze=False,
        head_init="probe",
        layer_decay=None,
        observation_dropout=0.0,
        max_epochs=30,
        batch_size=16,
        lr=1e-3,
        weight_decay=0.05,
        warmup_fraction=0.1,
        gradient_clip=1.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="auto",
        verbose=0,
        random_state=None,
    ):
        self.embedder = embedder
        self.freeze = freeze
        self.head_init = head_init
        self.layer_decay = layer_decay
        self.observation_dropout = observation_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.gradient_clip = gradient_clip
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def predict(self, X):
        """Predicted targets of every series of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        y_pred : ndarray of shape (n_series,) or (n_series, n_targets)
            Float64 predictions, shaped like the ``y`` given to ``fit``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_msae import HiMAEEmbedder, MAERegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(40, 2, 64)).astype(np.float32)
        >>> Y = np.stack([X[:, 0].std(axis=1), X[:, 1].mean(axis=1)], axis=1)  # two targets
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)
        >>> reg = MAERegressor(embedder, max_epochs=1, random_state=0).fit(X, Y)
        >>> reg.predict(X[:3]).shape
        (3, 2)
        """
        output = self._forward(X)
        prediction = output * self.target_scale_ + self.target_center_
        return prediction[:, 0] if self._y_1d else prediction

    def _encode_targets(self, y) -> np.ndarray:
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")  # 1-D or 2-D, finite
        largest = np.abs(y).max(initial=0.0)
        if largest > np.finfo(np.float32).max:  # as X: beyond it, the targets' std overflows and every prediction is NaN
            raise ValueError(
                f"y holds values beyond the float32 range (|y| up to {largest:.3g}); rescale y, "
                "e.g. divide it by a power of 10, and multiply the predictions back"
            )
        self._y_1d = y.ndim == 1
        y = y.reshape(len(y), -1)  # (n, n_targets)
        self.target_center_ = y.mean(axis=0)
        scale = y.std(axis=0)
        self.target_scale_ = np.where(scale > 0, scale, 1.0)
        return ((y - self.target_center_) / self.target_scale_).astype(np.float32)

    def _n_outputs(self) -> int:
        return len(self.target_center_)

    def _probe(self, features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        probe = Ridge(alpha=1.0).fit(features, targets)  # targets (n, n_targets): coef_ (n_targets, n_features)
        return probe.coef_, probe.intercept_

    def _make_net(self, **kwargs):
        return RegressorNet(criterion=nn.MSELoss, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
