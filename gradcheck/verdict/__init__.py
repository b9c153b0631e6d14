"""Internal: is the hand-written value right.

``run`` is the pipeline: ``plan`` numbers the elements and their steps, a mode
(``full``, ``fast``) chooses the probes and returns an ``outcome``, ``judge`` decides
each probe, ``assemble`` builds the result and ``diagnose`` guesses the cause.
"""
