"""Warnings a library logs while reading a document, collected instead of printed.

pypdf and trafilatura report what they worked around through `logging`: with no
handler configured, Python prints those on stderr in the middle of a run's progress
display; with the CLI's, they would be log lines about no one knows which document.
Collected (and not passed on), they become `Reason`s of the extraction they belong to.
Extraction runs in one thread, so switching the library logger's propagation is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collected_log(logger_name: str) -> Iterator[list[str]]:
    """The distinct messages of warning level and above logged under `logger_name`
    (and its children) while the block runs."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in messages:
                messages.append(message)

    logger, handler = logging.getLogger(logger_name), Collect(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
