"""Deltas between snapshots, computed with deepdiff."""

from monitor.diff.scores import ScoreDelta, score_deltas

__all__ = ["ScoreDelta", "score_deltas"]
