"""Convergence reports for the seeds' networks: ``python -m nets.reports``.

Each report trains one of the seeds' systems, verifies its hand-written gradient with
gradcheck, asks scipy where the optimum is, and writes Markdown, PNG figures and a
JSON of every number into ``reports/<name>/``, with an index at ``reports/README.md``.
"""
