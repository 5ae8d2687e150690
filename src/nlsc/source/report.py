"""The report of `nlsc source check`: a table with details (nl or en), or JSON."""

from __future__ import annotations

import json

from ..sparql.query import short
from .align import CHANGED, GONE, MOVED, STATUSES, UNCHANGED, Alignment, Finding

WORDS = {
    "en": {UNCHANGED: "unchanged", MOVED: "moved", CHANGED: "changed", GONE: "gone",
           "passage": "passage", "status": "status", "similarity": "similarity", "section": "section on the new page",
           "read": "{page} ({kind}, {encoding}): {sentences} sentences under {headings} headings",
           "was": "was", "now": "now", "diff": "diff", "cited": "cited by (re-read these):", "nothing": "(nothing)",
           "from": "section {old!r} -> {new!r}", "order": "in {new!r}, out of its old order",
           "typography": "* the same words; whitespace or quotes differ from oa:exact",
           "uncovered": "Sentences of the new page that no passage covers",
           "no_order": "note: the page the dataset quotes was not found; order not compared",
           "summary": "{unchanged} unchanged, {moved} moved, {changed} changed, {gone} gone; "
                      "uncovered sentences: {uncovered}"},
    "nl": {UNCHANGED: "ongewijzigd", MOVED: "verplaatst", CHANGED: "gewijzigd", GONE: "verdwenen",
           "passage": "passage", "status": "status", "similarity": "gelijkenis", "section": "kop op de nieuwe pagina",
           "read": "{page} ({kind}, {encoding}): {sentences} zinnen onder {headings} koppen",
           "was": "was", "now": "nu", "diff": "verschil", "cited": "geciteerd door (lees deze opnieuw):",
           "nothing": "(niets)", "from": "kop {old!r} -> {new!r}", "order": "onder {new!r}, buiten de oude volgorde",
           "typography": "* dezelfde woorden; witruimte of aanhalingstekens wijken af van oa:exact",
           "uncovered": "Zinnen van de nieuwe pagina die geen passage dekt",
           "no_order": "let op: de pagina die de dataset citeert is niet gevonden; volgorde niet vergeleken",
           "summary": "{unchanged} ongewijzigd, {moved} verplaatst, {changed} gewijzigd, {gone} verdwenen; "
                      "niet gedekte zinnen: {uncovered}"},
}


def _counts(result: Alignment) -> dict[str, int]:
    return {**{s: result.count(s) for s in STATUSES}, "uncovered": len(result.uncovered)}


def _grid(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(head), line(["-" * w for w in widths]), *map(line, rows)]


def _row(f: Finding, w: dict) -> list[str]:
    mark = "" if f.verbatim or f.status in (CHANGED, GONE) else " *"
    return [short_iri(f.passage.iri), w[f.status] + mark, f"{f.similarity:.2f}", f.new_section]


def short_iri(iri: str) -> str:
    from pyoxigraph import NamedNode

    return short(NamedNode(iri))


def marked_diff(ops: list[tuple[str, str, str]]) -> str:
    """`same [-removed-]{+added+}`, as git's word diff."""
    out = []
    for op, old, new in ops:
        if op == "equal":
            out.append(old)
            continue
        out.append((f"[-{old}-]" if old else "") + (f"{{+{new}+}}" if new else ""))
    return "".join(out).strip()


def _detail(f: Finding, citers: dict, w: dict) -> list[str]:
    p = f.passage
    lines = [f"{w[f.status]}: {short_iri(p.iri)}  {p.label}  <{p.iri}>"]
    if f.status == MOVED:
        moved = w["from"] if f.new_section != p.section else w["order"]
        return lines + ["  " + moved.format(old=p.section, new=f.new_section)]
    width = max(len(w[k]) for k in ("was", "now", "diff")) + 1
    lines.append(f"  {w['was'] + ':':<{width}} {p.exact}")
    if f.status == CHANGED:
        lines += [f"  {w['now'] + ':':<{width}} {f.new_text}",
                  f"  {w['diff'] + ':':<{width}} {marked_diff(f.diff)}  ({f.similarity:.2f})"]
    lines.append(f"  {w['cited']}")
    cited = citers.get(p.iri, [])
    lines += [f"    {c.label or short_iri(c.iri)}  <{c.iri}>  [{', '.join(c.types)}]" for c in cited]
    return lines + ([f"    {w['nothing']}"] if not cited else [])


def table(result: Alignment, citers: dict, lang: str, ordered: bool) -> str:
    w = WORDS[lang]
    page = result.page
    lines = [w["read"].format(page=page.path, kind=page.kind, encoding=page.encoding,
                              sentences=len(page.of_kind("sentence")), headings=len(page.of_kind("heading"))), ""]
    lines += _grid([w["passage"], w["status"], w["similarity"], w["section"]], [_row(f, w) for f in result.findings])
    if any(not f.verbatim and f.status in (UNCHANGED, MOVED) for f in result.findings):
        lines.append(w["typography"])
    for status in (CHANGED, GONE, MOVED):
        for f in (f for f in result.findings if f.status == status):
            lines += [""] + _detail(f, citers, w)
    if result.uncovered:
        lines += ["", w["uncovered"]] + [f"  [{u.section}] {u.text}" for u in result.uncovered]
    lines += ([""] if ordered else ["", w["no_order"]]) + [w["summary"].format(**_counts(result))]
    return "\n".join(lines) + "\n"


def _finding_json(f: Finding, citers: dict) -> dict:
    p = f.passage
    out = {"passage": p.iri, "label": p.label, "status": f.status, "similarity": f.similarity,
           "exact": p.exact, "section": p.section, "new_text": f.new_text, "new_section": f.new_section,
           "verbatim": f.verbatim}
    if f.status == CHANGED:
        out["diff"] = [{"op": op, "old": old, "new": new} for op, old, new in f.diff]
    if f.status in (CHANGED, GONE):
        out["cited_by"] = [{"iri": c.iri, "label": c.label, "types": list(c.types)} for c in citers.get(p.iri, [])]
    return out


def as_json(result: Alignment, citers: dict, ordered: bool, exit_code: int) -> str:
    page = result.page
    doc = {"page": page.path, "kind": page.kind, "encoding": page.encoding, "order_compared": ordered,
           "summary": _counts(result), "exit_code": exit_code,
           "passages": [_finding_json(f, citers) for f in result.findings],
           "uncovered": [{"section": u.section, "text": u.text} for u in result.uncovered]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
