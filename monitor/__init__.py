"""profile-monitor: watch published country profiles, snapshot them, alert on what moved."""

__version__ = "0.1.0"
