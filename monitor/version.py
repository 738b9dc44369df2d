"""The release, for User-Agent headers and `monitor --version`."""

__version__ = "0.1.0"
