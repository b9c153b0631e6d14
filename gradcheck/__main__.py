"""``python -m gradcheck``: run the demonstration."""

from gradcheck.demo import main

main()
