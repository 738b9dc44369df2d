"""Narrative deltas between two renderings or editions of a profile's sections.

Sections are matched by catalogue key. Sentences are compared after `normalise`
(quotes, dashes, hyphenation, whitespace), so the page and the PDF summary of one edition
compare equal sentence for sentence; the dataclasses carry the text as written.

`_align` (for the sentences of a section, then for the words of an edited sentence):
DeepDiff finds the items on one side only; of the shared items, a longest in-order
common subsequence (a small DP on indices) stayed in place and the others moved.
Removed and added sentences sharing at least half their words (Jaccard >= 0.5, best
first, one to one) are one edited sentence, shown as runs of same/removed/added words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.diff.sentences import normalise, sentences
from monitor.models import Section

__all__ = [
    "EditedSentence",
    "SectionDelta",
    "WordRun",
    "normalise",
    "section_deltas",
    "sentences",
]

Status = Literal["same", "changed", "added", "removed", "renamed"]
Op = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class WordRun:
    """A run of words with one fate: `same`, `removed` (old only) or `added` (new only)."""

    op: Op
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class EditedSentence:
    """A sentence reworded in place. `words` merges the two: runs not `added` give the
    old sentence's words, runs not `removed` the new one's (`same` words as `new` writes
    them). Render removed runs struck out and added runs highlighted."""

    old: str
    new: str
    words: tuple[WordRun, ...]

    @property
    def removed_words(self) -> tuple[str, ...]:
        return tuple(w for run in self.words if run.op == "removed" for w in run.words)

    @property
    def added_words(self) -> tuple[str, ...]:
        return tuple(w for run in self.words if run.op == "added" for w in run.words)


@dataclass(frozen=True)
class SectionDelta:
    """What happened to one section, sentences as written (`removed` old, others new).

    `renamed` wins over `changed`: the title differs beyond case and rendering (`Cyber
    Crimes` / `CYBER-DEPENDENT CRIMES`; not `Criminal Actors` / `CRIMINAL ACTORS`);
    the sentence lists and `text_changed` still say whether the text changed too.
    """

    key: str
    old_title: str | None
    new_title: str | None
    status: Status
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    edited: tuple[EditedSentence, ...] = ()
    moved: tuple[str, ...] = ()
    magnitude: float = 0.0  # 0 identical after normalisation .. 1 rewritten

    @property
    def text_changed(self) -> bool:
        return bool(self.added or self.removed or self.edited or self.moved)


def section_deltas(old: Sequence[Section], new: Sequence[Section]) -> list[SectionDelta]:
    """One delta per section, in the new order; sections gone from `new` at the end.

    magnitude = (removed + added + 2 x word share changed per edited pair + 0.5 x moved)
    / (old sentences + new sentences), capped at 1: the share of the section's sentences
    (counted on both sides) that changed, where an edited pair counts as much as it
    changed and a moved sentence as half a change. An added or removed section is 1.
    """
    before = {s.key: s for s in old}
    after = {s.key for s in new}
    deltas = [_matched(before[s.key], s) if s.key in before else _whole(s, "added") for s in new]
    return deltas + [_whole(s, "removed") for s in old if s.key not in after]


def _whole(section: Section, status: Status) -> SectionDelta:
    text = tuple(sentences(section.paragraphs))
    if status == "added":
        return SectionDelta(section.key, None, section.title, status, added=text, magnitude=1.0)
    return SectionDelta(section.key, section.title, None, status, removed=text, magnitude=1.0)


def _matched(old: Section, new: Section) -> SectionDelta:
    renamed = normalise(old.title).casefold() != normalise(new.title).casefold()
    status: Status = "renamed" if renamed else "same"
    if old.paragraphs == new.paragraphs:  # same text: no sentence to split or compare
        return SectionDelta(new.key, old.title, new.title, status)
    old_text, new_text = sentences(old.paragraphs), sentences(new.paragraphs)
    old_norm, new_norm = [normalise(s) for s in old_text], [normalise(s) for s in new_text]
    removed, added, moved, edited = [], [], [], []
    share = 0.0  # changed sentences, counted on both sides
    if old_norm != new_norm:
        _, moved_pairs, gone, came = _align(old_norm, new_norm)
        moved = [new_text[j] for _, j in moved_pairs]
        pairs = _pair_edits(gone, came, old_norm, new_norm)
        for i, j in pairs:
            runs = _word_runs(old_text[i], new_text[j])
            edited.append(EditedSentence(old_text[i], new_text[j], runs))
            share += 2 * _changed_share(runs)
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        removed = [old_text[i] for i in gone if i not in paired_old]
        added = [new_text[j] for j in came if j not in paired_new]
        share += len(removed) + len(added) + 0.5 * len(moved)
    changed = bool(removed or added or moved or edited)
    total = len(old_text) + len(new_text)
    return SectionDelta(
        key=new.key,
        old_title=old.title,
        new_title=new.title,
        status="changed" if changed and not renamed else status,
        added=tuple(added),
        removed=tuple(removed),
        edited=tuple(edited),
        moved=tuple(moved),
        magnitude=min(1.0, share / total) if total else 0.0,
    )


Pairs = list[tuple[int, int]]


def _align(old: Sequence[str], new: Sequence[str]) -> tuple[Pairs, Pairs, list[int], list[int]]:
    """(kept pairs, moved pairs, removed old indices, added new indices) of two lists.

    Identical head and tail are kept as they are (they belong to a longest common
    subsequence); the middle goes through DeepDiff (one-sided items) and the LCS.
    """
    head = tail = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    mid_old, mid_new = range(head, len(old) - tail), range(head, len(new) - tail)
    gone, came = _one_sided([old[i] for i in mid_old], [new[j] for j in mid_new])
    shared_old = [i for i in mid_old if old[i] not in gone]
    shared_new = [j for j in mid_new if new[j] not in came]
    middle = _lcs([old[i] for i in shared_old], [new[j] for j in shared_new])
    kept = [(i, i) for i in range(head)] + [(shared_old[a], shared_new[b]) for a, b in middle]
    kept += [(len(old) - k, len(new) - k) for k in range(tail, 0, -1)]
    kept_old, kept_new = {i for i, _ in kept}, {j for _, j in kept}
    waiting: dict[str, list[int]] = {}  # shared items out of place, by value
    for i in shared_old:
        if i not in kept_old:
            waiting.setdefault(old[i], []).append(i)
    moved, added = [], [j for j in mid_new if new[j] in came]
    for j in shared_new:
        if j not in kept_new:
            if waiting.get(new[j]):
                moved.append((waiting[new[j]].pop(0), j))
            else:
                added.append(j)  # one more repeat of an item than before
    removed = [i for i in mid_old if old[i] in gone] + [i for v in waiting.values() for i in v]
    return kept, moved, sorted(removed), sorted(added)


def _one_sided(old: list[str], new: list[str]) -> tuple[set[str], set[str]]:
    """Items only in `old`, items only in `new`, found by DeepDiff on {item: count} dicts.

    Dict keys are compared as sets: far cheaper than `ignore_order=True` on the lists,
    which hashes every item with DeepHash. threshold_to_diff_deeper=0 keeps per-key
    reports when few keys are shared (a rewrite); a count change (`values_changed`) is
    left to `_align`. Items on both sides are set aside first by their hashes (a set
    intersection): DeepDiff would report nothing for them yet cost ~25 µs an item, and
    between two editions most sentences, and most words of an edited one, are shared.
    """
    if not old or not new:
        return set(old), set(new)
    before, after = Counter(old), Counter(new)
    shared = before.keys() & after.keys()
    before = {item: n for item, n in before.items() if item not in shared}
    after = {item: n for item, n in after.items() if item not in shared}
    if not before and not after:
        return set(), set()
    from deepdiff import DeepDiff  # on first comparison: a first capture compares nothing

    diff = DeepDiff(before, after, threshold_to_diff_deeper=0, view="tree")
    gone = {level.get_root_key() for level in diff.get("dictionary_item_removed", ())}
    came = {level.get_root_key() for level in diff.get("dictionary_item_added", ())}
    return gone, came


def _lcs(a: Sequence[str], b: Sequence[str]) -> Pairs:
    """Index pairs of a longest common subsequence of `a` and `b` (O(len(a) x len(b)))."""
    if a == b:
        return [(i, i) for i in range(len(a))]
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        row, below = rows[i], rows[i + 1]
        for j in range(len(b) - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif rows[i + 1][j] >= rows[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _pair_edits(gone: list[int], came: list[int], old: list[str], new: list[str]) -> Pairs:
    """Removed and added sentences that are edits of each other: word-set Jaccard >= 0.5
    (that is 3 x shared >= size a + size b), best first, one to one."""
    olds = [(i, a, len(a)) for i in gone if (a := _word_set(old[i]))]
    news = [(j, b, len(b)) for j in came if (b := _word_set(new[j]))]
    candidates = []
    for i, a, size_a in olds:
        candidates += [
            (-shared / (size_a + size_b - shared), i, j)
            for j, b, size_b in news
            if 3 * (shared := len(a & b)) >= size_a + size_b
        ]
    pairs, used_old, used_new = [], set(), set()
    for _, i, j in sorted(candidates):
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return sorted(pairs, key=lambda p: p[1])


def _word_set(sentence: str) -> frozenset[str]:
    """Lower-cased words as the word diff sees them (punctuation attached: `market.`)."""
    return frozenset(sentence.lower().split())


def _word_runs(old: str, new: str) -> tuple[WordRun, ...]:
    """The words of `old` and `new` merged into same/removed/added runs (new's spelling
    for words that are the same after normalisation)."""
    old_words, new_words = _words(old), _words(new)
    kept, _, _, _ = _align([n for _, n in old_words], [n for _, n in new_words])
    runs: list[tuple[Op, list[str]]] = []

    def emit(op: Op, words: Sequence[tuple[str, str]]) -> None:
        if not words:
            return
        if runs and runs[-1][0] == op:
            runs[-1][1].extend(w for w, _ in words)
        else:
            runs.append((op, [w for w, _ in words]))

    i = j = 0
    for ki, kj in [*kept, (len(old_words), len(new_words))]:
        emit("removed", old_words[i:ki])
        emit("added", new_words[j:kj])
        emit("same", new_words[kj : kj + 1])
        i, j = ki + 1, kj + 1
    return tuple(WordRun(op, tuple(words)) for op, words in runs)


def _words(sentence: str) -> list[tuple[str, str]]:
    """(as written, normalised) per whitespace-separated word; invisible ones dropped."""
    return [(w, n) for w in sentence.split() if (n := normalise(w))]


def _changed_share(runs: Sequence[WordRun]) -> float:
    """Changed words / all words of an edited pair (a same word counts on both sides)."""
    count = Counter(run.op for run in runs for _ in run.words)
    total = 2 * count["same"] + count["removed"] + count["added"]
    return (count["removed"] + count["added"]) / total if total else 0.0
