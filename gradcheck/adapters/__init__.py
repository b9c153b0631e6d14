"""Other conventions turned into forward/backward.

``stateful``: layers that hold their parameters as attributes and store their
gradients in ``backward`` (seed 002's style).
"""
