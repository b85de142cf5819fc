"""Translations chosen per session: one family's language never leaks into another's page.

The catalogues are ``workbench/locale/<language>/LC_MESSAGES/messages.mo`` (built with Babel from
``messages.po``; see ``scripts/translations.sh``). The languages on offer are found by looking
for those files: adding a language is adding its catalogue, nothing else.

A session holds its own :class:`Translator` (never ``gettext.install``, which is process-wide)::

    from workbench.i18n import Translator
    tr = Translator("es")                 # or Translator(learner.language), "es-MX", "es_US.UTF-8"
    _ = tr.gettext
    _("Over budget")                      # "Por encima del presupuesto"
    tr.money(1234.5), tr.date(goal.by)    # "$1,234.50", "1 de junio de 2027"

A ``Translator`` is a :class:`workbench.domain.words.Words` (the formatters) whose strings come
from the catalogue and whose Babel locale is the language in the US (``es_US``) when Babel knows
it. Languages without a catalogue fall back to the English source strings.

Sentences said before the reader is known (an import's report, the store's "changed elsewhere")
are kept as a :class:`Message` (a catalogue string and its arguments, like the domain's
``feasibility.Phrase``) and put into words when shown: ``text_of(error, state.format)``.
"""

from __future__ import annotations

import gettext
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import babel.localedata

from .domain.words import ENGLISH, Words

#: Where the catalogues live (package data, so a wheel install has them).
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
#: The language the source strings are written in (needs no catalogue).
SOURCE_LANGUAGE = "en"
#: The region families are in: Spanish is shown as US Spanish (``es_US``: "$1,234.50").
REGION = "US"


def available_languages() -> tuple[str, ...]:
    """The languages there is a compiled catalogue for, English (the source) first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return tuple(dict.fromkeys([SOURCE_LANGUAGE, *found]))


def language_for(code: str | None) -> str:
    """The catalogue language for a language code: ``"es-MX"``, ``"es_US.UTF-8"``, ``"ES"`` ->
    ``"es"`` when there is a Spanish catalogue; anything without a catalogue -> ``"en"``."""
    if not code:
        return SOURCE_LANGUAGE
    code = str(code).split(".")[0].split("@")[0].replace("-", "_").strip()
    languages = available_languages()
    exact = {lang.lower(): lang for lang in languages}
    if code.lower() in exact:
        return exact[code.lower()]
    base = code.split("_")[0].lower()
    return exact.get(base, SOURCE_LANGUAGE)


def language_from_environment() -> str:
    """The language the person at the terminal reads, from ``LANGUAGE``/``LC_ALL``/``LANG``."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        for code in value.split(":"):
            if code and code not in ("C", "POSIX") and not code.startswith("C."):
                return language_for(code)
    return SOURCE_LANGUAGE


def locale_for(language: str) -> str:
    """The Babel locale for a catalogue language: the language in the US if Babel has it."""
    base = language.replace("-", "_")
    if "_" in base:
        return base
    regional = f"{base}_{REGION}"
    return regional if babel.localedata.exists(regional) else base


def get_translation(language: str) -> gettext.NullTranslations:
    """The ``gettext`` translations for a language (English source strings when it has none).

    ``gettext.translation`` reads each catalogue file once per process and hands out copies:
    the catalogues are read-only, so sessions share nothing they could change.
    """
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language],
                               fallback=True)


class Translator(Words):
    """One session's language: its catalogue's strings and Babel's formats for its locale.

    Parameters
    ----------
    language
        Any language code; it is matched to the catalogues on offer (see ``language_for``).
    """

    def __init__(self, language: str | None = SOURCE_LANGUAGE):
        lang = language_for(language)
        super().__init__(get_translation(lang), locale_for(lang), language=lang)


# ---- sentences said outside the domain, put into words at display time -----------------------
class Value(NamedTuple):
    """A number, amount or date in a :class:`Message`, formatted in the reader's locale:
    ``Value("money", 40)`` is "$40"; ``kind`` is a :class:`Words` method (``money``,
    ``integer``, ``number``, ``date``, ``minutes``, ``hours``...)."""

    kind: str
    value: object


@dataclass(frozen=True)
class Message:
    """One sentence as data, like ``domain.feasibility.Phrase``: which catalogue string and what
    goes in it, rendered in the reader's language when shown (``render(words)``).

    The readers (``formats``), the imports service and the store say what went wrong before
    anyone knows who will read it (a family in Spanish, a terminal in English), so they keep
    the sentence as a ``Message``; ``str()`` is the English. ``key`` is the catalogue string
    itself (with ``{named}`` places); ``plural`` its plural, chosen by the argument ``n``;
    ``context`` a ``pgettext`` context. Arguments are data (a file name, a field, a title: never
    translated; a plain number is shown as it is), :class:`Value` (formatted for the locale),
    anything with ``text(words)`` (a ``DataProblem``), or another ``Message`` (or a tuple of
    them, joined as "a, b and c"), each rendered in the same language.

    Made with :func:`M_` / :func:`MP_` / :func:`MC_`, which ``pybabel extract`` knows.
    """

    key: str
    args: tuple[tuple[str, object], ...] = ()
    plural: str = ""
    context: str = ""

    def render(self, words: Words = ENGLISH) -> str:
        """The sentence in ``words``' language, its arguments filled in."""
        args = dict(self.args)
        if self.plural:
            n = args.get("n", 0)
            n = n.value if isinstance(n, Value) else n
            template = words.ngettext(self.key, self.plural, int(n))
        elif self.context:
            template = words.pgettext(self.context, self.key)
        else:
            template = words.gettext(self.key)
        return template.format(**{k: _said(v, words) for k, v in args.items()})

    def __str__(self) -> str:
        return self.render(ENGLISH)


def _said(value, words: Words) -> str:
    if isinstance(value, Message):
        return value.render(words)
    if isinstance(value, Value):
        return getattr(words, value.kind)(value.value)
    if callable(getattr(value, "text", None)):  # a DataProblem, an error: says itself
        return value.text(words)
    if isinstance(value, tuple):
        return words.join([_said(v, words) for v in value])
    # anything else is data, as it is: text from a file, a field, a count (``Value("integer",
    # n)`` groups a count's digits for the reader's locale)
    return str(value)


def _args(args: dict) -> tuple[tuple[str, object], ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items())


def M_(key: str, /, **args) -> Message:
    """A catalogue sentence with its arguments, translated when shown (``pybabel`` finds it)."""
    return Message(key, _args(args))


def MP_(singular: str, plural: str, /, **args) -> Message:
    """A sentence with a singular and a plural, chosen by the argument ``n``."""
    return Message(singular, _args(args), plural=plural)


def MC_(context: str, key: str, /, **args) -> Message:
    """A sentence with a ``pgettext`` context (a short word that means different things)."""
    return Message(key, _args(args), context=context)


def text_of(thing, words: Words = ENGLISH) -> str:
    """What an error, report or message says, in ``words``' language.

    Anything with a ``text(words)`` method (``DataProblem``, ``ImportFailed``, ``PartialRead``,
    ``StoreError``...) or a :class:`Message` says itself in that language; anything else is
    shown as it is (``str``).
    """
    if isinstance(thing, Message):
        return thing.render(words)
    text = getattr(thing, "text", None)
    if callable(text):
        return text(words)
    return str(thing)
