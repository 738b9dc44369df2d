"""The `Store`: one SQLite file of sources, fetch attempts, raw documents and snapshots.

Every write method runs in one explicit transaction (`transaction`, in `connection`), so
a crash or a rejected row never leaves half a capture behind.
"""

from monitor.store.captures import Captures


class Store(Captures):
    """The snapshot database: its connection and transactions (`connection`), sources
    (`sources`), checks (`checks`), captures (`captures`), snapshot rows (`rows`) and
    reads (`reads`), one module each."""
