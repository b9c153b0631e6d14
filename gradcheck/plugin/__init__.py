"""The pytest plugin's machinery, loaded on the first check.

The hooks themselves live in the top-level ``_gradcheck_pytestplugin`` module, which
imports no numpy.
"""
