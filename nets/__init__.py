"""nets: hand-written gates and networks from the tutorials, each with its backward."""
