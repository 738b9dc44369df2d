"""Deltas between snapshots, computed with deepdiff."""

from monitor.diff.reconcile import Revision, revisions
from monitor.diff.scores import ScoreDelta, score_deltas

__all__ = ["Revision", "ScoreDelta", "revisions", "score_deltas"]
