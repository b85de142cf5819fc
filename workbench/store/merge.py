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

from ..domain.words import NP_
from ..i18n import M_, MC_, MP_, Message, Value

#: How a field of a learner or plan is named in a message to a family (``pgettext`` context
#: "field": translated when shown, see ``field_message``).
FIELD_WORDS = {
    "learner": {
        "name": NP_("field", "name"), "grade": NP_("field", "grade"),
        "home_zone": NP_("field", "home area"),
        "transport": NP_("field", "ways of getting around"),
        "max_travel_minutes": NP_("field", "longest trip"),
        "home_broadband": NP_("field", "internet at home"),
        "device": NP_("field", "computer at home"), "budget": NP_("field", "budget"),
        "max_hours_per_week": NP_("field", "most hours a week"),
        "availability": NP_("field", "free times"), "commitments": NP_("field", "busy times"),
        "interests": NP_("field", "interests"), "strengths": NP_("field", "strengths"),
        "levels": NP_("field", "current levels"), "goals": NP_("field", "goals"),
        "language": NP_("field", "language"), "pathway": NP_("field", "career pathway"),
        "supportive_adults": NP_("field", "supportive adults"),
        "evidence": NP_("field", "evidence"), "notes": NP_("field", "notes"),
    },
    "plan": {"name": NP_("field", "name"), "sections": NP_("field", "sections"),
             "learner_id": NP_("field", "learner")},
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
    """A field's name in a message, in English ("budget", "current levels")."""
    top = field.partition(".")[0]
    known = FIELD_WORDS.get(kind, {}).get(top)
    return known[1] if known else top.replace("_", " ")


def field_message(kind: str, field: str) -> Message:
    """A field's name as a sentence part, translated when shown."""
    top = field.partition(".")[0]
    known = FIELD_WORDS.get(kind, {}).get(top)
    return MC_("field", known[1]) if known else Message(top.replace("_", " "))


def _value_words(field: str, value: Any):
    """A short way to say a value in a sentence, or None when a value is too big to quote."""
    if field == "budget" and isinstance(value, int | float) and not isinstance(value, bool):
        return Value("money", value)
    if isinstance(value, bool):
        return MC_("value", "yes") if value else MC_("value", "no")
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value else MC_("value", "nothing")
    if value is None:
        return MC_("value", "nothing")
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= 4:
        return ", ".join(value) if value else MC_("value", "none")
    return None


def _whose(kind: str, **args) -> Message:
    if kind == "plan":
        return M_('the plan "{name}"\'s {field}', **args)
    # TRANSLATORS: "Maya's budget"; {owner} is the learner's name (or "this learner").
    return M_("{owner}'s {field}", **args)


def _whose_from(kind: str, **args) -> Message:
    if kind == "plan":
        return M_('the plan "{name}"\'s {field} from {before} to {after}', **args)
    # TRANSLATORS: "Maya's budget from $40 to $60".
    return M_("{owner}'s {field} from {before} to {after}", **args)


def describe(kind: str, owner, found: list[Change] | tuple[Change, ...]) -> Message:
    """The changes made elsewhere, as one phrase: "Maya's budget from $40 to $60 and ...".

    ``owner`` is the learner's name, or a plan as ``M_('the plan "{name}"', name=...)``; the
    phrase is a :class:`~workbench.i18n.Message`, said in the reader's language when shown.
    """
    # a plan is named inside the sentence (a language may say "del plan «A»")
    name = dict(owner.args).get("name", "") if isinstance(owner, Message) else owner
    parts, seen = [], set()
    sections = [c for c in found if c.field == "sections"]
    for c in found:
        if c.field == "sections":
            continue
        top = c.field.partition(".")[0]
        field = field_message(kind, top)
        if "." in c.field:
            if top in seen:
                continue
            seen.add(top)
            parts.append(_whose(kind, owner=owner, name=name, field=field))
            continue
        before, after = _value_words(top, c.before), _value_words(top, c.after)
        if before and after:
            parts.append(_whose_from(kind, owner=owner, name=name, field=field, before=before,
                                     after=after))
        else:
            parts.append(_whose(kind, owner=owner, name=name, field=field))
    for c in sections:
        before, after = set(c.before or []), set(c.after or [])
        added = MP_("{n} section", "{n} sections", n=len(after - before))
        removed = MP_("{n} section", "{n} sections", n=len(before - after))
        if after - before and before - after:
            parts.append(M_('{added} added to and {removed} removed from the plan "{name}"',
                            added=added, removed=removed, name=name))
        elif after - before:
            parts.append(M_('{added} added to the plan "{name}"', added=added, name=name))
        elif before - after:
            parts.append(M_('{removed} removed from the plan "{name}"', removed=removed,
                            name=name))
        else:
            parts.append(M_('the order of sections changed in the plan "{name}"', name=name))
    if not parts:
        return owner if isinstance(owner, Message) else Message("{owner}", (("owner", owner),))
    # "a, b and c" in the reader's language (a key with no catalogue entry: only the list)
    return parts[0] if len(parts) == 1 else Message("{parts}", (("parts", tuple(parts)),))
