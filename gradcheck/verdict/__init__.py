"""Internal: is the hand-written value right.

``run`` is the pipeline: ``plan`` numbers the elements and their steps, a mode
(``full``, ``fast``) chooses the probes and returns an ``outcome``, ``probe`` runs each
probe (cheap pass, ladders, escalations) and ``judge`` decides it, ``joint`` judges the
elements at kinks together, ``assemble`` builds the result and ``diagnose`` guesses the
cause.
"""
