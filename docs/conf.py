"""Sphinx configuration of the sklearn-msae documentation.

Build (from the repository root; ``pip install -e ".[docs]"`` first)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The gallery (``examples/``) is rendered but not executed, so the build takes seconds.
To execute the examples and embed their output and figures (a few minutes on a CPU)::

    SKLEARN_MSAE_DOCS_RUN_EXAMPLES=1 sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

import sklearn_msae  # noqa: E402  (after the path: the package must be installed, e.g. editable)

# ---- project ---------------------------------------------------------------------------

project = "sklearn-msae"
author = "sklearn-msae developers"
copyright = "sklearn-msae developers, BSD-3-Clause"
release = sklearn_msae.__version__
version = ".".join(release.split(".")[:2])

# ---- general ---------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "msae_docs",  # docs/sphinxext/msae_docs.py: gallery order, docstring fixes, benchmark pages
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "sphinxext", "Thumbs.db", ".DS_Store"]

# `name` in a docstring links to the object when Sphinx knows it, and is code otherwise
default_role = "py:obj"

# ---- autodoc / autosummary / numpydoc --------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# ---- MyST (the Markdown pages: user guide, design, bad input, ...) ---------------------

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# the generated benchmark reports (benchmarks/results/*.md) jump from H1 to H3: harmless
suppress_warnings = ["myst.header"]

# ---- sphinx-gallery --------------------------------------------------------------------

# Executing the examples pretrains networks: opt in with SKLEARN_MSAE_DOCS_RUN_EXAMPLES=1.
run_examples = os.environ.get("SKLEARN_MSAE_DOCS_RUN_EXAMPLES", "").lower() in {"1", "true", "yes"}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "plot_gallery": run_examples,
    "filename_pattern": r"\.py$",  # when executing, run every example (not only plot_*)
    "within_subsection_order": "msae_docs.GalleryOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_msae",),
    "reference_url": {"sklearn_msae": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "min_reported_time": 10,
}

# ---- HTML ------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-msae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": [], "getting_started": []}
html_show_sourcelink = True
html_static_path = []
