"""`BaseEmbedderTransformer`: the one adapter from a scikit-learn embedder to sktime.

Parameter design
----------------
Each adapter mirrors the parameters of the embedder it wraps: same names, order,
defaults and keyword-only markers, so ``HiMAETransformer(size="tiny", layer=1)`` reads
like ``HiMAEEmbedder(size="tiny", layer=1)`` and ``get_params``, ``set_params``,
``clone`` and sktime's tuning see ordinary flat hyperparameters.

The mirrored ``__init__`` is *generated* from the embedder's signature when a concrete
adapter class is created, instead of being written out by hand for every embedder.
The embedders have about 25 parameters each and are still evolving; hand-written
copies would be three twins of ~80 lines that drift silently whenever an embedder
gains, renames or re-defaults a parameter. The generated constructor is an ordinary
sktime constructor: it stores every argument verbatim and nothing else, and it
carries the embedder's exact ``inspect.Signature`` (``__signature__``), which is what
sktime, skbase and scikit-learn read to find the parameters. The class docstring's
"Parameters" section is copied from the embedder's docstring for the same reason.
The price: static tools that do not evaluate ``__signature__`` (some IDEs, type
checkers) see ``__init__(*args, **kwargs)``.
"""

from __future__ import annotations

import inspect

import pandas as pd

from .._base import BaseMAEEmbedder
from .._docs import fill
from ._compat import SklearnStepTransformer

_PARAMETERS_MARKER = "{embedder_parameters}"


class BaseEmbedderTransformer(SklearnStepTransformer):
    """Base class of the sktime adapters of the masked-autoencoder embedders.

    A concrete adapter sets ``_embedder_class`` (a `BaseMAEEmbedder` subclass), its
    ``_tags`` (at least ``X_inner_mtype``) and ``get_test_params``, and writes the
    line ``{embedder_parameters}`` in its docstring where the embedder's "Parameters"
    section goes. Its constructor is generated from the embedder's (see the module
    docstring). ``fit`` pretrains a fresh embedder with the adapter's parameters
    (``embedder_``); ``transform`` returns one row of embedding features per instance,
    indexed like the instances of ``X``.
    """

    _embedder_class: type[BaseMAEEmbedder]

    _tags = {
        "authors": "sklearn-msae developers",
        "maintainers": "sklearn-msae developers",
        "python_dependencies": ["torch", "skorch"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": False,  # fit pretrains (and scales) on all instances together
        "capability:multivariate": True,
        "capability:missing_values": True,  # NaN means unobserved for every embedder
        "capability:missing_values:removes": True,  # embeddings contain no NaN
        "capability:unequal_length": True,
        "capability:unequal_length:removes": True,  # one fixed-width row per series
        "capability:categorical_in_X": False,  # the networks need numbers
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_embedder_class" in vars(cls):
            cls.__init__ = _mirrored_init(cls)
            cls.__doc__ = _with_embedder_parameters(cls.__doc__, cls._embedder_class)

    def _fit(self, X, y=None):
        """Pretrain a new embedder with this adapter's parameters on ``X``.

        Parameters
        ----------
        X : numpy3D array or pd-multiindex DataFrame
            Training panel, in one of the ``X_inner_mtype`` formats.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted adapter.
        """
        self.embedder_ = self._embedder_class(**self.get_params(deep=False)).fit(X)
        return self

    def _transform(self, X, y=None):
        """Embed every instance of ``X``.

        Parameters
        ----------
        X : numpy3D array or pd-multiindex DataFrame
            Panel to embed, in one of the ``X_inner_mtype`` formats.
        y : None
            Ignored.

        Returns
        -------
        features : pandas.DataFrame of shape (n_instances, n_features_out)
            One row per instance, in the order of ``X``, indexed by the instance labels
            of a pd-multiindex ``X`` (``0..n-1`` for numpy3D); columns are the
            embedder's ``get_feature_names_out()``.
        """
        features = self.embedder_.transform(X)
        if isinstance(X, pd.DataFrame):
            # to_panel orders instances by first appearance, as Index.unique does
            index = X.index.get_level_values(0).unique()
        else:
            index = pd.RangeIndex(len(features))
        return pd.DataFrame(features, index=index, columns=self.embedder_.get_feature_names_out())


def _mirrored_init(cls):
    """An ``__init__`` for ``cls`` with the signature of ``cls._embedder_class.__init__``.

    It binds its arguments exactly as the embedder's constructor would (same errors for
    unknown or duplicate arguments), stores each one verbatim as an attribute and then
    runs sktime's constructor.
    """
    signature = inspect.signature(cls._embedder_class.__init__)

    def __init__(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        for name, value in arguments.arguments.items():
            if name != "self":
                setattr(self, name, value)
        BaseEmbedderTransformer.__init__(self)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__doc__ = f"Store the parameters of :class:`{cls._embedder_class.__name__}` verbatim."
    return __init__


def _with_embedder_parameters(docstring: str | None, embedder_class: type) -> str:
    """``docstring`` with its ``{embedder_parameters}`` line replaced by the embedder's parameters."""
    if docstring is None or not any(line.strip() == _PARAMETERS_MARKER for line in docstring.splitlines()):
        raise TypeError(
            f"the docstring of an adapter of {embedder_class.__name__} must hold the line "
            f"{_PARAMETERS_MARKER!r} where the embedder's parameters go"
        )
    parameters = _numpydoc_section(embedder_class.__doc__ or "", "Parameters")
    return fill(docstring, embedder_parameters=parameters)


def _numpydoc_section(docstring: str, title: str) -> str:
    """The body of the numpydoc section ``title`` (the lines between its underline and the next header)."""
    lines = docstring.splitlines()

    def is_header(i: int) -> bool:
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        return bool(lines[i].strip()) and len(underline) >= 3 and set(underline) == {"-"}

    starts = [i for i in range(len(lines)) if lines[i].strip() == title and is_header(i)]
    if not starts:
        raise ValueError(f"the docstring has no numpydoc {title!r} section")
    body_start = starts[0] + 2
    body_end = next((i for i in range(body_start, len(lines)) if is_header(i)), len(lines))
    body = lines[body_start:body_end]
    while body and not body[-1].strip():
        body.pop()
    return "\n".join(body)
