"""Every public class, function and method has a complete numpydoc docstring.

The public API is walked, not listed by hand, so that a new public object cannot slip
through: the names in ``__all__`` of the public modules, the public functions of the
modules that have no ``__all__``, and the public methods and properties that this
package defines on those classes. Each object is checked with numpydoc's validator
for a docstring, documented parameters, a Returns section where it returns
something, and an Examples section with at least one ``>>>`` line; the examples
themselves run as doctests (``--doctest-modules``, see ``pyproject.toml``).
"""

import importlib
import inspect

import numpydoc.validate
import pytest
from numpydoc.docscrape import NumpyDocString

# the modules whose public classes and functions make the API (as in tests/test_docs.py)
PUBLIC_MODULES = (
    "sklearn_msae",
    "sklearn_msae.datasets",
    "sklearn_msae.inspection",
    "sklearn_msae.recordings",
    "sklearn_msae.sktime",
    "sklearn_msae.sktime.benchmark",
)

# numpydoc's error codes that a public docstring must not raise
# GL08: no docstring; PR01/PR02: a parameter undocumented / documented but absent;
# RT01: returns something without a Returns section; YD01: yields without Yields; EX01: no Examples
REQUIRED = ("GL08", "PR01", "PR02", "RT01", "YD01", "EX01")

# Deliberate exclusions, each with its reason. Everything else that the walk finds is checked.
# - names of ``__all__`` that are data, not code: ``__version__`` (a string) and the
#   registries ``EMBEDDERS`` and ``PROBES`` of the benchmark (documented by ``#:``
#   comments, rendered with the module);
# - methods that the classes inherit from scikit-learn, sktime or skorch (``get_params``,
#   ``fit_transform``, sktime's ``fit``/``transform``...): documented upstream and linked
#   from the API reference; the walk keeps only what this package defines.
DATA_NAMES = {"__version__", "EMBEDDERS", "PROBES"}


def _ours(obj) -> bool:
    function = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
    return getattr(function, "__module__", "").startswith("sklearn_msae")


def _public_names(module) -> list[str]:
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if name not in DATA_NAMES]
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__
    ]


def _public_api() -> list[str]:
    """Import paths of every public class, function, method and property."""
    paths = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            obj = getattr(module, name)
            assert inspect.isclass(obj) or inspect.isfunction(obj), f"{module_name}.{name} is neither code nor data"
            paths.append(f"{module_name}.{name}")
            if inspect.isclass(obj):
                for member_name in dir(obj):
                    if member_name.startswith("_"):
                        continue
                    member = inspect.getattr_static(obj, member_name)
                    if isinstance(member, (staticmethod, classmethod, property)) or inspect.isfunction(member):
                        if _ours(member):
                            paths.append(f"{module_name}.{name}.{member_name}")
    return sorted(set(paths))


PUBLIC_API = _public_api()


def test_the_walk_finds_the_api():
    # a guard against a walk that silently finds nothing (an import path changed...)
    expected = {
        "sklearn_msae.HiMAEEmbedder",
        "sklearn_msae.HiMAEEmbedder.fit",
        "sklearn_msae.HiMAEEmbedder.transform",
        "sklearn_msae.RoMAEEmbedder.interpolate",
        "sklearn_msae.MAEClassifier.predict_proba",
        "sklearn_msae.MAEImputer.transform",
        "sklearn_msae.to_panel",
        "sklearn_msae.datasets.load_uea",
        "sklearn_msae.inspection.resolution_profile",
        "sklearn_msae.sktime.HiMAETransformer.get_test_params",
        "sklearn_msae.sktime.benchmark.run_uea_benchmark",
    }
    assert expected <= set(PUBLIC_API)


@pytest.mark.parametrize("path", PUBLIC_API)
def test_numpydoc_docstring(path):
    result = numpydoc.validate.validate(path)
    errors = [f"{code}: {message}" for code, message in result["errors"] if code in REQUIRED]
    assert not errors, f"{path}:\n" + "\n".join(errors)
    examples = NumpyDocString(result["docstring"])["Examples"]
    assert any(line.lstrip().startswith(">>>") for line in examples), f"{path}: its Examples section has no >>> line"


def test_shared_text_blocks_are_indented_like_their_marker_and_an_empty_one_leaves_no_line():
    from sklearn_msae._docs import fill

    docstring = "x : int\n    First line.\n    {choice}\ny : int"
    assert fill(docstring, choice="Why.\nAnd how.") == "x : int\n    First line.\n    Why.\n    And how.\ny : int"
    assert fill(docstring, choice="") == "x : int\n    First line.\ny : int"
