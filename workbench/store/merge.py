"""Two people at once: the three-way merge of a stale save, and the words that explain it.

A save carries the version it was based on. When the store holds a newer version, the save's own
changes (what differs between its base and what it saves) are compared with the changes made
elsewhere (between the base and what the store holds now), field by field:

- different fields: both are kept (the store's version with this save's fields applied);
- the same field changed to the same value: nothing to decide;
- the same field changed to different values: the store's version wins and nothing of this save
  is written; the user is told what changed elsewhere and sees the newer version.

A plan's ``sections`` are merged as a set: the sections this save added are added and the ones it
removed are removed, whatever happened elsewhere, so two windows adding and removing different
sections never undo each other. A learner's ``levels`` are merged per competency the same way as
fields. Plain data only (the dicts the store keeps as JSON); no I/O.
"""

from __future__ import annotations

import dataclasses
from typing import Any

#: How a field of a learner or plan is named in a message to a family.
FIELD_WORDS = {
    "learner": {
        "name": "name", "grade": "grade", "home_zone": "home area",
        "transport": "ways of getting around", "max_travel_minutes": "longest trip",
        "home_broadband": "internet at home", "device": "computer at home", "budget": "budget",
        "max_hours_per_week": "most hours a week", "availability": "free times",
        "commitments": "busy times", "interests": "interests", "strengths": "strengths",
        "levels": "current levels", "goals": "goals", "language": "language",
        "pathway": "career pathway", "supportive_adults": "supportive adults",
        "evidence": "evidence", "notes": "notes",
    },
    "plan": {"name": "name", "sections": "sections", "learner_id": "learner"},
}

# fields whose dict values merge key by key
_KEYED = {"learner": {"levels"}, "plan": set()}
# fields whose list values merge as sets (added / removed members)
_SETS = {"learner": set(), "plan": {"sections"}}


@dataclasses.dataclass(frozen=True)
class Change:
    """One field that differs between two versions of a learner or plan."""

    field: str
    before: Any
    after: Any


@dataclasses.dataclass(frozen=True)
class Merge:
    """The outcome of merging one stale save into the store's newer version.

    ``data`` is what to store (None when the two edits clash on a field, which means the store's
    version stands); ``elsewhere`` what changed in the store since the save's base; ``mine`` what
    the save itself changed; ``clashes`` the fields both changed to different values.
    """

    data: dict | None
    elsewhere: tuple[Change, ...]
    mine: tuple[Change, ...]
    clashes: tuple[str, ...]


def changes(kind: str, before: dict, after: dict) -> tuple[Change, ...]:
    """The fields that differ between two stored dicts of a learner or plan (keyed fields per key)."""
    out = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        if key in _KEYED[kind] and isinstance(b or {}, dict) and isinstance(a or {}, dict):
            b, a = b or {}, a or {}
            out.extend(Change(f"{key}.{k}", b.get(k), a.get(k))
                       for k in sorted(set(b) | set(a)) if b.get(k) != a.get(k))
        else:
            out.append(Change(key, b, a))
    return tuple(out)


def three_way(kind: str, base: dict, mine: dict, theirs: dict) -> Merge:
    """Merge the change ``base -> mine`` into ``theirs`` (see the module docstring for the rule)."""
    my_changes = changes(kind, base, mine)
    their_changes = changes(kind, base, theirs)
    their_by_field = {c.field: c for c in their_changes}
    clashes = []
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in theirs.items()}
    for c in my_changes:
        top, _, sub = c.field.partition(".")
        if top in _SETS[kind]:
            merged[top] = _merge_set(base.get(top) or [], mine.get(top) or [],
                                     merged.get(top) or [])
            continue
        other = their_by_field.get(c.field)
        if other is not None and other.after != c.after:
            clashes.append(c.field)
            continue
        if sub:
            inner = merged.setdefault(top, {})
            if c.after is None:
                inner.pop(sub, None)
            else:
                inner[sub] = c.after
        elif c.after is None and top not in mine:
            merged.pop(top, None)
        else:
            merged[top] = c.after
    return Merge(None if clashes else merged, their_changes, my_changes, tuple(clashes))


def _merge_set(base: list, mine: list, theirs: list) -> list:
    added = [s for s in mine if s not in base]
    removed = {s for s in base if s not in mine}
    out = [s for s in theirs if s not in removed]
    out.extend(s for s in added if s not in out)
    return out


# ---- words -----------------------------------------------------------------------------------
def field_words(kind: str, field: str) -> str:
    """A field's name in a message ("budget", "current levels")."""
    top = field.partition(".")[0]
    return FIELD_WORDS.get(kind, {}).get(top, top.replace("_", " "))


def _value_words(field: str, value: Any) -> str | None:
    """A short way to say a value in a sentence, or None when a value is too big to quote."""
    if field == "budget" and isinstance(value, int | float):
        return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value else "nothing"
    if value is None:
        return "nothing"
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= 4:
        return ", ".join(value) if value else "none"
    return None


def describe(kind: str, owner: str, found: list[Change] | tuple[Change, ...]) -> str:
    """The changes made elsewhere, as one phrase: "Maya's budget from $40 to $60 and ..."."""
    parts, seen = [], set()
    sections = [c for c in found if c.field == "sections"]
    for c in found:
        if c.field == "sections":
            continue
        top = c.field.partition(".")[0]
        if "." in c.field:
            if top in seen:
                continue
            seen.add(top)
            parts.append(f"{owner}'s {field_words(kind, top)}")
            continue
        before, after = _value_words(top, c.before), _value_words(top, c.after)
        what = f"{owner}'s {field_words(kind, top)}"
        parts.append(f"{what} from {before} to {after}" if before and after else what)
    for c in sections:
        before, after = set(c.before or []), set(c.after or [])
        added, removed = len(after - before), len(before - after)
        bits = [f"{n} section{'s' if n != 1 else ''} {verb}" for n, verb in
                ((added, "added to"), (removed, "removed from")) if n]
        parts.append(f"{' and '.join(bits) or 'the order of sections changed in'} {owner}")
    if not parts:
        return f"{owner}"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
