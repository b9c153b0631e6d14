"""Internal: what raises a named error before any verdict.

``inputs``: the arguments of a check validated into a ``Request``; ``calls``: forward
and backward called at the inputs and held to the calling convention.
"""
