"""Align the dataset's passages with a new copy of the page.

Each passage (its `oa:exact`, `nlsc:section` and its place on the page the
dataset quotes) ends in one of four states:

* unchanged - its words stand on the new page, in its section, in its order
  among the other passages (whitespace and typographic quotes aside: see
  page.normalise);
* moved     - its words stand on the new page, but under another heading or
  out of order (difflib's matching of the old and the new order of the
  passages found verbatim);
* changed   - no verbatim match, but a sentence (or two adjacent sentences of
  one paragraph) of the new page is at least SIMILAR alike, word for word;
* gone      - nothing on the new page is that alike.

The new page's sentences that no passage was aligned with are `uncovered`.
A heading passage (its text is its own section) is aligned with headings
only, a sentence passage with sentences only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .page import Page, Unit, normalise

#: word similarity (difflib ratio) from which a passage counts as changed rather than gone
SIMILAR = 0.5

UNCHANGED, MOVED, CHANGED, GONE = "unchanged", "moved", "changed", "gone"
STATUSES = (UNCHANGED, MOVED, CHANGED, GONE)

_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s])")


@dataclass(frozen=True)
class Passage:
    iri: str
    label: str
    exact: str
    section: str
    old_position: int | None  # place on the page the dataset quotes (None: not found there)

    @property
    def kind(self) -> str:
        return "heading" if normalise(self.exact) == normalise(self.section) else "sentence"


@dataclass
class Finding:
    passage: Passage
    status: str = GONE
    units: tuple[Unit, ...] = ()
    similarity: float = 0.0
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (op, old text, new text)

    @property
    def new_text(self) -> str:
        return " ".join(u.text for u in self.units)

    @property
    def new_section(self) -> str:
        return self.units[0].section if self.units else ""

    @property
    def verbatim(self) -> bool:
        """The new text is the passage's character for character."""
        return self.status in (UNCHANGED, MOVED) and self.new_text == self.passage.exact


@dataclass
class Alignment:
    page: Page
    findings: list[Finding]
    uncovered: list[Unit]

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.findings)

    @property
    def support_lost(self) -> bool:
        return any(f.status in (CHANGED, GONE) for f in self.findings)


def tokens(text: str) -> list[str]:
    """Words and punctuation marks, each with the whitespace before it (for showing a diff)."""
    return _TOKEN.findall(normalise(text))


def word_diff(old: str, new: str) -> tuple[float, list[tuple[str, str, str]]]:
    """(similarity 0..1, [(op, old text, new text)]) of two texts, word by word."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b], autojunk=False)
    ops = [(op, "".join(a[i1:i2]), "".join(b[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
    return round(matcher.ratio(), 2), ops


def _same_section(passage: Passage, unit: Unit) -> bool:
    return normalise(passage.section) == normalise(unit.section)


def _verbatim(findings: list[Finding], page: Page, used: set[int]) -> None:
    by_text: dict[tuple[str, str], list[Unit]] = {}
    for unit in page.units:
        by_text.setdefault((unit.kind, unit.norm), []).append(unit)
    for finding in findings:
        p = finding.passage
        found = [u for u in by_text.get((p.kind, normalise(p.exact)), []) if u.position not in used]
        if found:
            unit = next((u for u in found if _same_section(p, u)), found[0])
            used.add(unit.position)
            finding.units, finding.similarity = (unit,), 1.0
            finding.status = UNCHANGED if _same_section(p, unit) else MOVED


def _out_of_order(findings: list[Finding]) -> None:
    """Mark as moved the verbatim passages that difflib cannot keep in the old order."""
    placed = [f for f in findings if f.status == UNCHANGED and f.passage.old_position is not None]
    old = [f.passage.iri for f in sorted(placed, key=lambda f: f.passage.old_position)]
    new = [f.passage.iri for f in sorted(placed, key=lambda f: f.units[0].position)]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    kept = {iri for block in matcher.get_matching_blocks() for iri in old[block.a:block.a + block.size]}
    for f in placed:
        if f.passage.iri not in kept:
            f.status = MOVED


def _candidates(page: Page, kind: str, used: set[int]) -> list[tuple[Unit, ...]]:
    free = [u for u in page.of_kind(kind) if u.position not in used]
    pairs = [(a, b) for a, b in zip(free, free[1:])
             if kind == "sentence" and b.position == a.position + 1 and a.paragraph == b.paragraph]
    return [(u,) for u in free] + pairs


def _alike(passage: Passage, candidates: list[tuple[Unit, ...]], words: dict[int, list[str]]):
    """The candidates at least SIMILAR to the passage; difflib's cheap upper bounds first,
    so that a long page costs little."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2([t.strip() for t in tokens(passage.exact)])  # difflib indexes seq2 once
    for cand in candidates:
        matcher.set_seq1([w for u in cand for w in words[u.position]])
        if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR and \
                matcher.ratio() >= SIMILAR:
            yield cand


def _similar(findings: list[Finding], page: Page, used: set[int]) -> None:
    """Greedy: the most alike (passage, candidate) pair first, each sentence used once."""
    scored = []
    words = {u.position: [t.strip() for t in tokens(u.text)] for u in page.units if u.position not in used}
    candidates = {kind: _candidates(page, kind, used) for kind in ("heading", "sentence")}
    for n, f in enumerate(f for f in findings if not f.units):
        for cand in _alike(f.passage, candidates[f.passage.kind], words):
            ratio, ops = word_diff(f.passage.exact, " ".join(u.text for u in cand))
            scored.append((-ratio, not _same_section(f.passage, cand[0]), n, cand[0].position, len(cand),
                           f, cand, ops))
    for neg_ratio, *_, f, cand, ops in sorted(scored, key=lambda s: s[:5]):
        if f.units or any(u.position in used for u in cand):
            continue
        used.update(u.position for u in cand)
        f.status, f.units, f.similarity, f.diff = CHANGED, cand, -neg_ratio, ops


def align(passages: list[Passage], page: Page) -> Alignment:
    order = sorted(passages, key=lambda p: (p.old_position is None, p.old_position or 0, p.iri))
    findings = [Finding(p) for p in order]
    used: set[int] = set()
    _verbatim(findings, page, used)
    _out_of_order(findings)
    _similar(findings, page, used)
    uncovered = [u for u in page.of_kind("sentence") if u.position not in used]
    return Alignment(page, findings, uncovered)
