"""Internal: what is phi'(0), and how sure are we.

``phi``: the scalar function of a probe; ``differences``: central differences and the
step ladder with their error estimates; ``noise``: how noisy phi and the hand-written
gradient are. This folder knows phi, never forward or backward.
"""
