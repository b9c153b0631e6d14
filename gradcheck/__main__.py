"""``python -m gradcheck``: the command line (the demonstration without arguments)."""

from gradcheck.cli import main

raise SystemExit(main())
