"""Translations: complete catalogues, per-session languages, and every sentence in Spanish.

The catalogue tests read ``workbench/locale/es/LC_MESSAGES/messages.po`` with Babel, extract the
strings from the code the way ``scripts/translations.sh`` does, and compare: a string added to the
code without a Spanish translation, a fuzzy or empty translation, a placeholder the translation
lost or invented, or a ``.mo`` older than its ``.po`` fails here.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
import string
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import workbench
from workbench import SAMPLE_DATA, i18n
from workbench.cli import main
from workbench.domain import feasibility
from workbench.domain.feasibility import Phrase, catalogue_fit, check_plan, problem_text
from workbench.domain.ledger import plan_ledger
from workbench.domain.projection import project
from workbench.domain.schedule import day_trips, plan_meetings
from workbench.domain.summary import family_summary
from workbench.domain.words import ENGLISH, Words, parse_yes_no
from workbench.formats.datadir import load_dataset
from workbench.i18n import Translator, available_languages, language_for
from workbench.state import PlanningSession
from workbench.store import Store

ROOT = Path(workbench.__file__).resolve().parent
LOCALE = ROOT / "locale"
SPANISH_PO = LOCALE / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = LOCALE / "es" / "LC_MESSAGES" / "messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "N_": None, "NP_": ((1, "c"), 2),
            # workbench.i18n's sentences kept as data (readers, imports, store)
            "M_": None, "MP_": (1, 2), "MC_": ((1, "c"), 2)}


@pytest.fixture(scope="module")
def spanish():
    with SPANISH_PO.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture(scope="module")
def english_fragments(spanish):
    """Pieces of English catalogue text (between placeholders) a Spanish page must not show."""
    out = set()
    for m in spanish:
        if not m.id:
            continue
        for text in (m.id if isinstance(m.id, tuple) else (m.id,)):
            for piece in re.split(r"\{[^}]*\}", text):
                piece = piece.strip(" .,:;()—–")
                # long enough to be a phrase, and not the same words in Spanish
                if len(piece) >= 12 and " " in piece and not _same_in_spanish(piece, spanish):
                    out.add(piece)
    return out


def _same_in_spanish(piece: str, catalogue) -> bool:
    return any(piece in (s if isinstance(s, str) else " ".join(s)) for s in
               (m.string for m in catalogue if m.id))


def assert_no_english(text: str, fragments: set[str], data: tuple[str, ...] = ()) -> None:
    """No English catalogue phrase in ``text`` (data such as programme titles excepted)."""
    for value in data:
        text = text.replace(value, "")
    found = sorted(f for f in fragments if f in text)
    assert not found, f"English on a Spanish page: {found[:5]} in {text[:300]!r}"


def _messages(catalogue) -> dict:
    return {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id): m
            for m in catalogue if m.id}


# ---- the catalogue ---------------------------------------------------------------------------
def test_spanish_catalogue_has_no_untranslated_or_fuzzy_string(spanish):
    bad = []
    for m in spanish:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(s.strip() for s in strings):
            bad.append(m.id)
    assert not bad, f"untranslated or fuzzy in {SPANISH_PO.name}: {bad[:10]}"
    assert len(spanish) > 200


def test_every_string_in_the_code_is_in_the_spanish_catalogue(spanish):
    """What ``pybabel extract`` finds in the code (as scripts/translations.sh runs it)."""
    known = _messages(spanish)
    found = list(extract_from_dir(str(ROOT), method_map=[("**.py", "python")],
                                  keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)))
    assert len(found) > 200
    missing = []
    for _filename, _lineno, message, _comments, context in found:
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and (context, msgid) not in known:
            missing.append((context, msgid))
    assert not missing, ("strings not in the catalogue (run scripts/translations.sh and "
                         f"translate): {missing[:10]}")


def test_translations_keep_their_placeholders(spanish):
    fields = string.Formatter()
    for m in spanish:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        given = {name for text in ids for _, name, _, _ in fields.parse(text) if name}
        if "name_s" in given:
            given.add("name")  # the English possessive; a translation uses {name}
        for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
            used = {name for _, name, _, _ in fields.parse(text) if name}
            assert used <= given, f"{m.id!r}: the translation uses {used - given}"
            text.format(**dict.fromkeys(given, "x"))  # no broken braces


def test_catalogue_has_no_format_errors(spanish):
    problems = [(m.id, errors) for m, errors in spanish.check() if errors]
    assert not problems, problems[:5]


def test_compiled_catalogue_is_up_to_date_with_the_po(spanish):
    buffer = io.BytesIO()
    write_mo(buffer, spanish)
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with SPANISH_MO.open("rb") as f:
        committed = gettext.GNUTranslations(f)
    assert committed._catalog == fresh._catalog, (
        "messages.mo is older than messages.po: run `bash scripts/translations.sh compile`")


def test_languages_are_found_from_the_catalogues():
    assert available_languages()[0] == "en"
    assert "es" in available_languages()
    assert language_for("es-MX") == language_for("es_US.UTF-8") == language_for("ES") == "es"
    assert language_for("fr") == "en" and language_for("") == "en" and language_for(None) == "en"


def test_a_third_language_is_one_new_catalogue(tmp_path, monkeypatch):
    """Adding a language is adding its catalogue: no code lists the languages."""
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
          'msgctxt "level"\nmsgid "Proficient"\nmsgstr "Compétent"\n')
    from babel.messages.pofile import read_po as read

    with (target / "messages.mo").open("wb") as f:
        write_mo(f, read(io.StringIO(po)))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert available_languages() == ("en", "fr")
    french = Translator("fr-CA")
    assert french.language == "fr" and french.level(3) == "Compétent"
    assert french.date(dt.date(2027, 6, 1)) == "1 juin 2027"  # Babel's French, no code for it
    assert french.gettext("Over budget") == "Over budget"  # untranslated: the English source


# ---- the formatters --------------------------------------------------------------------------
def test_one_set_of_formatters_in_english_and_spanish():
    en, es = ENGLISH, Translator("es")
    assert es.locale.language == "es" and str(es.locale) == "es_US"
    for w in (en, es):
        assert w.money(1234.5) == "$1,234.50"
        assert w.money(300) == "$300" and w.money(299.999) == "$300"
        assert w.money(123.45, estimate=True) == "$123"
        assert w.money(float("nan")) == "—"
        assert w.duration(439) == "7 h 19 min" and w.duration(45) == "45 min"
        assert w.duration(120) == "2 h"
        assert w.percent(0.72) == "72%"
        assert w.number(1234.56) == "1,234.6" and w.number(2.0) == "2"
    assert en.date(dt.date(2027, 6, 1)) == "June 1, 2027"
    assert es.date(dt.date(2027, 6, 1)) == "1 de junio de 2027"
    assert en.clock(930) == "3:30 pm" and en.clock(19 * 60) == "7 pm" and en.clock(1440) == "12 am"
    assert es.clock(930) == "3:30\xa0p.m."
    assert en.clock_span(930, 1050) == "3:30 pm–5:30 pm"
    assert es.clock_span(930, 1050) == "de 3:30\xa0p.m. a 5:30\xa0p.m."
    assert en.days(0b10) == "Tuesday" and en.days(0b1010) == "Tuesday and Thursday"
    assert en.days(0b11111) == "Monday to Friday" and es.days(0b11111) == "de lunes a viernes"
    assert es.days(0b1010) == "martes y jueves"
    assert en.chance(0.996) == "over 99%" and en.chance(0.001) == "under 1%"
    assert es.chance(0.996) == "más de 99%" and es.chance(1.0) == "100%"
    assert en.chance_range(0.6, 0.8) == "60%–80%"
    assert en.date_span("2026-09-08", "2027-06-01") == "September 8, 2026 – June 1, 2027"
    assert es.date_span("2026-09-14", "2026-11-06") == "del 14 de septiembre al 6 de noviembre de 2026"
    assert [en.level(i) for i in range(5)] == ["Not yet", "Emerging", "Developing", "Proficient",
                                               "Advanced"]
    assert es.levels() == ("Todavía no", "Comenzando", "En desarrollo", "Competente", "Avanzado")
    assert es.level(2.6) == "Competente"
    assert (en.yes_no(True), en.yes_no(False), es.yes_no(True)) == ("Yes", "No", "Sí")
    assert en.hours(1) == "1 hour" and en.hours(1.5) == "1.5 hours" and es.hours(2) == "2 horas"
    assert en.minutes(1) == "1 minute" and es.minutes(55) == "55 minutos"
    assert en.grades(11, 12) == "grades 11–12" and es.grades(11, 12) == "los grados 11 a 12"
    assert en.grade(0) == "kindergarten" and en.grades(9, 9) == "grade 9 only"


def test_goal_sentences_in_both_languages():
    en, es = ENGLISH, Translator("es")
    by = dt.date(2027, 6, 1)
    assert en.goal_sentence("Algebra", 3, by, 1, 0.72) == (
        "On track to reach Proficient in Algebra by June 1, 2027 (72% chance).")
    assert es.goal_sentence("Algebra", 3, by, 1, 0.72) == (
        "Va bien para llegar al nivel Competente en Algebra para el 1 de junio de 2027 "
        "(72% de probabilidad).")
    # a chance over 99% never stands alone: it says it is not certain, or gives its range
    assert en.goal_sentence("Algebra", 3, by, 1, 0.999).endswith(
        "(over 99% chance; very likely, not certain).")
    assert en.goal_sentence("Algebra", 3, by, 1, 0.72, 0.6, 0.8) == (
        "On track to reach Proficient in Algebra by June 1, 2027 (72% chance; likely 60%–80%).")
    assert es.goal_sentence("Algebra", 3, by, 1, 0.72, 0.6, 0.8) == (
        "Va bien para llegar al nivel Competente en Algebra para el 1 de junio de 2027 "
        "(72% de probabilidad; probablemente 60%–80%).")
    assert "Could reach" in en.goal_sentence("Algebra", 3, by, 1, 0.5)
    assert "Not yet on track" in en.goal_sentence("Algebra", 3, by, 1, 0.2)
    assert "nothing yet that practises" in en.goal_sentence("Algebra", 3, by, 1, 0.0)
    assert en.goal_sentence("Algebra", 3, by, 3, 1.0) == "Already at Proficient in Algebra — goal reached."


def test_glossary_in_both_languages():
    en, es = ENGLISH.glossary(), Translator("es").glossary()
    keys = [k for k, _, _ in en]
    assert keys == ["competency_credit", "carnegie_unit", "cost_per_credit", "chance", "range"]
    assert [k for k, _, _ in es] == keys
    for (_, term, text), (_, term_es, text_es) in zip(en, es, strict=True):
        assert term != term_es and text != text_es and len(text_es) > 80
    carnegie = dict((k, t) for k, _, t in es)["carnegie_unit"]
    assert "120 horas" in carnegie  # the Carnegie unit explained, not just named


def test_one_set_of_yes_no_words():
    assert [parse_yes_no(x) for x in ("Yes", " true ", "1", "y", "T")] == [True] * 5
    assert [parse_yes_no(x) for x in ("no", "FALSE", "0", "n", "f")] == [False] * 5
    assert parse_yes_no("maybe") is None and parse_yes_no("") is None and parse_yes_no(None) is None


# ---- problems, reasons and the summary in Spanish --------------------------------------------
#: One example of every sentence a problem or a fix can say (a new sentence needs one here).
PHRASES = {
    "time_conflict": dict(title="A", days=0b10, start=930, end=1050, other="B", other_start=960,
                          other_end=1080),
    "duplicate": dict(title="A", n=2, groups=((0b10, 930, 1050), ())),
    "keep_one": {},
    "outside_free": dict(title="A", days=1, start=1140, end=1260, name="Maya", day=0,
                         free=((900, 1140),)),
    "commitment": dict(title="A", days=32, start=540, end=780, label="", other_days=32,
                       other_start=540, other_end=780),
    "travel_time": dict(days=0b10, name="Maya", window=10, title="A", provider="P", other="B",
                        other_provider="Q", minutes=25.0, mode="transit"),
    "cut_off": dict(days=0b10, name="Maya", title="A", provider="P", other="B",
                    other_provider="Q", modes=("walk", "bike")),
    "too_far": dict(minutes=55.0, mode="transit", title="A", provider="P", name="Maya",
                    longest=30),
    "unreachable": dict(name="Maya", title="A", provider="P", modes=("walk",)),
    "other_modes": dict(options=((30.0, "car"), (50.0, "bike"))),
    "no_car": dict(title="A", name="Maya"),
    "weekly_hours": dict(week=dt.date(2026, 9, 7), hours=5.0, name="Maya", most=4.0,
                         weeks_over=20),
    "leave_out": dict(title="A", hours=3.0),
    "budget": dict(total=320.0, budget=300.0),
    "over_by": dict(over=20.0, title="A", cost=200.0),
    "broadband": dict(title="A", name="Maya"),
    "device": dict(title="A", name="Maya"),
    "nearby": dict(flag="offers_broadband", places=(("Library", 10.0, "walk"),)),
    "none_nearby": dict(flag="lends_devices", longest=5),
    "grade": dict(title="A", low=11, high=12, name="Maya", grade=9),
    "prerequisite": dict(title="A", needs=((2, "Measuring", 1),)),
    "capacity": dict(title="A", days=0b10, start=1080, end=1140),
    "times_tba": dict(title="A", provider="P"),
    "other_group": dict(title="A", groups=((0b100, 930, 1050, None, None),
                                           (0, 0, 0, dt.date(2027, 1, 25), dt.date(2027, 6, 11)))),
}


def test_every_problem_sentence_reads_in_spanish(english_fragments):
    assert set(PHRASES) == set(feasibility._SENTENCES)
    es = Translator("es")
    for key, args in PHRASES.items():
        phrase = Phrase(key, tuple(args.items()))
        english, spanish = phrase.render(ENGLISH), phrase.render(es)
        assert english and spanish and english != spanish, key
        assert_no_english(spanish, english_fragments)


def test_sample_problems_read_in_spanish_and_keep_their_english(dataset, english_fragments):
    cat, es = dataset.catalogue, Translator("es")
    seen = set()
    for plan in dataset.plans.values():
        learner = dataset.learners[plan.learner_id]
        for p in check_plan(cat, learner, plan.sections):
            seen.add(p.kind)
            assert problem_text(p, ENGLISH) == (feasibility.kind_title(p.kind), p.message, p.fix)
            text = problem_text(p, es)
            assert text.title != feasibility.KIND_TITLES[p.kind]
            titles = tuple(cat.section_table.loc[list(p.sections), "title"]) + tuple(
                cat.section_table["title"]) + tuple(cat.section_table["provider_name"])
            assert_no_english(" ".join(text), english_fragments, titles)
    assert len(seen) >= 4  # the sample personas' plans break in several ways


def test_a_problem_made_by_hand_keeps_its_words():
    p = feasibility.Problem("budget", ("S-1",), "The plan costs $10.", "Ask.")
    assert problem_text(p, Translator("es")) == ("Se pasa del presupuesto", "The plan costs $10.",
                                                 "Ask.")


def test_catalogue_fit_reasons_in_spanish(dataset, english_fragments):
    cat = dataset.catalogue
    plan = dataset.plans["P-dante-b"]
    learner = dataset.learners[plan.learner_id]
    en = catalogue_fit(cat, learner, plan.sections)
    es = catalogue_fit(cat, learner, plan.sections, words=Translator("es"))
    assert (en["reason_kind"] == es["reason_kind"]).all()
    failing = es[es["reason"] != ""]
    assert len(failing) > 50 and (failing["reason"] != en.loc[failing.index, "reason"]).all()
    titles = tuple(cat.section_table["title"])
    for reason in failing["reason"].unique():
        assert_no_english(reason, english_fragments, titles)


def _summary(dataset, plan_id, words):
    cat = dataset.catalogue
    plan = dataset.plans[plan_id]
    learner = dataset.learners[plan.learner_id]
    proj = project(cat, learner, plan.sections)
    return family_summary(cat, learner, plan, check_plan(cat, learner, plan.sections), proj,
                          plan_ledger(cat, learner, plan, proj),
                          plan_meetings(cat, plan.sections),
                          day_trips(cat, learner, plan.sections), words=words)


def _visible_text(page: str) -> str:
    import html

    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("plan_id", ["P-lucia-a", "P-dante-b", "P-maya-b"])
def test_the_summary_is_all_spanish_when_the_language_is_spanish(dataset, plan_id,
                                                                   english_fragments):
    page = _summary(dataset, plan_id, Translator("es"))
    assert page.startswith('<!doctype html><html lang="es">')
    plan = dataset.plans[plan_id]
    learner = dataset.learners[plan.learner_id]
    cat = dataset.catalogue
    data = (*cat.section_table["title"], *cat.section_table["provider_name"], plan.name,
            learner.name, learner.pathway, *learner.supportive_adults,
            *cat.competency_names.values())
    text = _visible_text(page)
    assert_no_english(text, english_fragments, tuple(sorted(data, key=len, reverse=True)))
    for english in ("The week", "Costs", "What to arrange", "Goals", "hours", "minutes"):
        assert english not in text
    assert "Metas" in text and "Qué hay que organizar" in text


def test_the_english_summary_reads_as_before(dataset, english_fragments):
    page = _summary(dataset, "P-lucia-a", ENGLISH)
    assert page.startswith('<!doctype html><html lang="en">')
    text = _visible_text(page)
    assert "Lucía M.'s learning plan" in text and "The week" in text
    assert "Travel: about 27 min a week" in text and "Budget $60: $60 left." in text
    # the check the Spanish pages pass does find English
    with pytest.raises(AssertionError, match="English on a Spanish page"):
        assert_no_english(text, english_fragments)


# ---- the command line ------------------------------------------------------------------------
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_speaks_the_family_language_or_the_one_asked_for(capsys, monkeypatch,
                                                             english_fragments, dataset):
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    cat = dataset.catalogue
    data = tuple(sorted({*cat.section_table["title"], *cat.section_table["provider_name"],
                         *cat.competency_names.values(), *cat.requirements["name"],
                         *(p.name for p in dataset.plans.values()),
                         *(lr.name for lr in dataset.learners.values())}, key=len,
                        reverse=True))
    # Lucía's family reads Spanish: no --lang needed
    code, out, _ = run(capsys, "project", "--learner", "L-lucia", "--plan", "P-lucia-a")
    assert code == 0 and "El plan en números" in out and "Metas" in out
    assert_no_english(out, english_fragments, data)
    code, out, _ = run(capsys, "check", "--learner", "L-dante", "--plan", "P-dante-b",
                       "--lang", "es")
    assert code == 0 and "Qué puede hacer:" in out and "Dos cosas a la misma hora" in out
    assert_no_english(out, english_fragments, data)
    code, out, _ = run(capsys, "compare", "--learner", "L-lucia", "--lang", "es")
    assert code == 0 and "uno al lado del otro" in out
    assert_no_english(out, english_fragments, data)
    # --lang wins over the family's language; LANG speaks for commands without a learner
    code, out, _ = run(capsys, "project", "--learner", "L-lucia", "--plan", "P-lucia-a",
                       "--lang", "en")
    assert "The plan in numbers" in out
    monkeypatch.setenv("LANG", "es_US.UTF-8")
    code, out, _ = run(capsys, "validate")
    assert code == 0 and "todo está en orden" in out and "76 habilidades" in out
    code, out, err = run(capsys, "check", "--learner", "L-nobody", "--plan", "P-x")
    assert code == 2 and "No hay ningún estudiante" in err
    code, out, err = run(capsys, "check", "--learner", "L-dante", "--plan", "P-dante-b",
                         "--lang", "xx")
    assert code == 2 and "--lang" in err


# ---- sessions ----------------------------------------------------------------------------------
@pytest.fixture
def store(dataset, tmp_path):
    s = Store(tmp_path / "wb.sqlite")
    s.seed_from(dataset)
    yield s
    s.close()


def test_session_language_follows_the_family_and_a_switch_stays(dataset, store):
    session = PlanningSession(dataset, store, learner_id="L-maya")
    assert session.language == "en" and session.format.money(12.5) == "$12.50"
    session.learner_id = "L-lucia"
    assert session.language == "es"
    assert session.gettext("Over budget") == "Se pasa del presupuesto"
    assert session.format.date(dt.date(2027, 6, 1)) == "1 de junio de 2027"
    fit = session.fit
    failing = fit[fit["reason"] != ""]
    assert len(failing) and failing["reason"].str.contains("Necesita|No hay|Para|Fuera|hora").any()
    # a switch on the page stays while the family edits something else
    session.language = "en"
    session.update_learner(budget=75.0)
    assert session.language == "en" and session.gettext("Over budget") == "Over budget"
    assert not session.fit["reason"].str.contains("Necesita").any()
    # changing the family language itself follows it
    session.update_learner(language="es-MX")
    assert session.language == "es"
    with pytest.raises(ValueError):
        session.language = "xx"


def test_two_sessions_in_two_languages_at_once_do_not_leak(dataset, store):
    """Two translators and two sessions, in threads: each gets exactly what it gets alone."""
    def words_of(w):
        return (w.gettext("Over budget"), w.money(1234.5), w.date(dt.date(2027, 6, 1)),
                w.level(3), w.duration(439), w.clock(930))

    alone = {lang: words_of(Translator(lang)) for lang in ("en", "es")}
    sessions = {"en": PlanningSession(dataset, store, learner_id="L-maya"),
                "es": PlanningSession(dataset, store, learner_id="L-lucia")}
    expected = {lang: (s.language, words_of(s.format), tuple(s.fit["reason"]))
                for lang, s in sessions.items()}
    assert expected["en"][0] == "en" and expected["es"][0] == "es"
    got: dict[str, list] = {"en": [], "es": []}
    start = threading.Barrier(2)

    def work(lang):
        s, tr = sessions[lang], Translator(lang)
        start.wait()
        for i in range(30):
            got[lang].append((words_of(tr), words_of(s.format)))
            if i % 10 == 0:
                s.param.trigger("learner")  # a full recompute, fit reasons included
                got[lang].append((s.language, words_of(s.format), tuple(s.fit["reason"])))

    threads = [threading.Thread(target=work, args=(lang,)) for lang in ("en", "es")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for lang, results in got.items():
        assert results
        for r in results:
            if len(r) == 2:
                assert r == (alone[lang], alone[lang])
            else:
                assert r == expected[lang]
    # nothing process-wide was changed: the default gettext still speaks the source language
    assert gettext.gettext("Over budget") == "Over budget"
    assert Words().gettext("Over budget") == "Over budget"


def test_the_pictures_speak_the_session_language(dataset, english_fragments):
    from workbench.domain.ledger import compare_plans
    from workbench.plots import goal_bars, heatmap, trajectory_svgs, week_calendar

    learner = dataset.learners["L-lucia"]
    plans = dataset.plans_for("L-lucia")
    comparison = compare_plans(dataset.catalogue, learner, plans)
    goals = project(dataset.catalogue, learner, plans[0].sections).goals
    ids = list(goals["competency_id"])
    es = Translator("es")
    svg = trajectory_svgs(comparison.trajectories, ids, goals, words=es)
    assert "Competente" in svg and "Meta: nivel" in svg and "ene 2027" in svg
    assert "Proficient" not in svg and "Goal:" not in svg
    data = (*comparison.trajectories["name"], *(p.name for p in plans))
    assert_no_english(_visible_text(svg), english_fragments, tuple(sorted(
        set(data), key=len, reverse=True)))
    assert "Proficient" in trajectory_svgs(comparison.trajectories, ids, goals)
    plan = plans[0]
    meetings = plan_meetings(dataset.catalogue, plan.sections)
    trips = day_trips(dataset.catalogue, learner, plan.sections)
    calendar = week_calendar(meetings, trips, words=es)
    rectangles = calendar.get(0).opts.get().kwargs
    assert ("lun" in dict(rectangles["xticks"]).values() and
            any("p.m." in label for _, label in rectangles["yticks"]))
    bars = goal_bars(comparison.table, words=es)
    assert bars.vdims[0].label == "Probabilidad (%)"
    heat = heatmap(comparison.heatmap, words=es)
    assert heat.vdims[0].label.startswith("Probabilidad de llegar al nivel Competente")
