"""Fetching: the HTTP client with its limits, politeness per host and robots.txt."""
