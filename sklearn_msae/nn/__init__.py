"""Torch networks of sklearn-msae.

Everything under ``sklearn_msae.nn`` depends on torch only: it never imports
scikit-learn or skorch, so the networks can be reused (or exported) on their own.
"""
