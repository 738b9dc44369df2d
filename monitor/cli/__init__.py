"""The command line: a thin face over the Python API (commands, terminal display, logging)."""
