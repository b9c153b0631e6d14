"""How a result becomes text or files.

``text``: summaries, failure messages and reproduce lines; ``writer``: Markdown, PNG
figures and JSON written atomically and deterministically (matplotlib loads only here).
"""
