"""profile-monitor: watch published country profiles, snapshot them, alert on what moved."""

from monitor.version import __version__

__all__ = ["__version__"]
