"""The import reports', the imports service's and the store's sentences in the reader's language.

They are said before anyone knows who reads them (a family in Spanish, a terminal in English), so
they are kept as data (``workbench.i18n.Message``) and put into words when shown: a Spanish
session reads them in Spanish, the English ones stay as they were, and the file, line and field
stay data (never translated; escaped in HTML).
"""

from __future__ import annotations

import sqlite3

import pytest

from workbench import SAMPLE_DATA, imports
from workbench.formats.datadir import load_dataset
from workbench.formats.report import DataError, DataProblem, ImportFailed, ImportReport
from workbench.i18n import M_, MP_, Translator, text_of
from workbench.state import MAX_PLANS, PlanningSession
from workbench.store import BUSY_MESSAGE, Store
from workbench.store.sqlite import plain_error
from workbench.views.imports import report_html

from .conftest import FIXTURES
from .test_store import assert_plain

BROKEN_ICS = FIXTURES / "ics" / "broken_rule.ics"  # one event with an unreadable RRULE
ES = Translator("es")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture
def open_session(dataset, tmp_path):
    """Sessions on their own Store over one file, shown in a language."""
    path = tmp_path / "family.sqlite"
    with Store(path) as store:
        store.seed_from(dataset)
    stores = []

    def open_one(language="en") -> PlanningSession:
        store = Store(path)
        stores.append(store)
        session = PlanningSession(dataset, store, learner_id="L-maya")
        session.language = language
        return session

    yield open_one
    for store in stores:
        store.close()


def test_a_spanish_session_is_told_of_a_partial_import_in_spanish(open_session):
    es = open_session("es")
    before = es.learner
    pending = es.import_calendar(BROKEN_ICS.read_bytes(), "familia.ics")
    assert pending.status == "read" and es.learner is before  # nothing changed
    assert es.status.startswith("No se cambió nada: 1 parte de familia.ics no se pudo leer.")
    assert "acepte la lectura parcial" in es.status and "Nothing" not in es.status
    # kept: what was saved, in Spanish too
    assert es.apply_import(pending, accept_partial=True)
    assert es.status.startswith(f"Se guardó la semana de {es.learner.name}:") and "horario" in es.status
    # the same in English, word for word as before
    en = open_session("en")
    pending = en.import_calendar(BROKEN_ICS.read_bytes(), "family.ics")
    assert en.status == ("Nothing was changed: 1 part of family.ics could not be read. Fix the "
                         "file, or accept the partial read to keep what could be read.")


def test_a_change_made_elsewhere_is_explained_in_spanish(open_session):
    a = open_session()
    a.update_learner(budget=40.0)
    b = open_session("es")
    a.update_learner(budget=60.0)
    b.update_learner(pathway="Health care")  # another field: both kept, and B is told
    maya = b.learner.name
    assert b.notice == (f"Guardado. Mientras tanto, otra persona cambió el presupuesto de {maya}, "
                        "de $40 a $60; se conservan los dos cambios.")
    a.update_learner(budget=70.0)
    b.update_learner(budget=75.0)  # the same field: refused, the newer version shown
    assert b.learner.budget == 70.0
    assert b.error == (f"Otra persona cambió el presupuesto de {maya}, de $60 a $70 mientras usted "
                       "editaba; su cambio en el presupuesto no se guardó. Se muestra la versión "
                       "más reciente.")
    assert_plain(b.error)


def test_a_section_added_elsewhere_is_counted_in_spanish(open_session):
    a = open_session()
    a.new_plan("Plan compartido")
    fit = a.fit
    x, y, z = list(fit[fit["fits"] & ~fit["in_plan"]].index[:3])
    a.add_section(x)
    a.add_section(y)
    b = open_session("es")
    b.plan_id = a.plan_id
    a.add_section(z)  # tab A adds z
    b.remove_section(x)  # tab B, which never saw z, removes x
    assert b.plan.sections == [y, z]
    assert b.notice == ("Guardado. Mientras tanto, otra persona cambió 1 grupo más en el plan "
                        "«Plan compartido»; se conservan los dos cambios.")


def test_the_plan_limit_reached_elsewhere_is_said_in_spanish(open_session):
    a = open_session()
    b = open_session("es")
    while len(a.plans) < MAX_PLANS:
        assert a.new_plan() is not None
    assert b.new_plan() is None
    assert b.error == (f"{b.learner.name} ya tiene {MAX_PLANS} planes (algunos se hicieron en otra ventana o "
                       f"programa), y {MAX_PLANS} es el máximo; borre uno primero. No se agregó "
                       "nada.")


def test_a_plan_deleted_elsewhere_is_said_in_spanish(open_session):
    a = open_session()
    b = open_session("es")
    doomed = a.plans[-1]
    b.plan_id = doomed.plan_id
    a.delete_plan(doomed.plan_id)
    b.rename_plan("¿Se queda?")
    assert b.error == ("Este plan («¿Se queda?») se borró en otra ventana o programa; su "
                       "cambio no se guardó.")


@pytest.mark.parametrize("text, spanish", [
    ("database is locked", "El trabajo guardado está ocupado"),
    ("database disk image is malformed", "El archivo del trabajo guardado está dañado"),
    ("file is not a database", "no es un archivo del workbench"),
])
def test_a_busy_or_damaged_store_is_said_in_spanish_and_unchanged_in_english(text, spanish):
    err = plain_error(sqlite3.OperationalError(text))
    assert spanish in text_of(err, ES) and "saved" not in text_of(err, ES)
    assert str(err) == text_of(err) and "saved" in str(err)
    if "locked" in text:
        assert str(err) == BUSY_MESSAGE


def test_a_report_says_itself_in_spanish_with_file_line_and_field_as_data():
    report = ImportReport("<b>x</b>.ics")
    report.read = 3
    report.imported = 2
    report.skip("RRULE", M_("could not open the file: {reason}", reason="<script>"), 7)
    report.warn("", MP_("{n} busy time", "{n} busy times", n=2))
    assert report.summary() == "Read 3 items: imported 2, skipped 1, 1 note."
    assert report.summary(ES) == "Se leyeron 3 elementos: se importaron 2, se omitieron 1, 1 nota."
    assert str(report.skipped[0]) == "<b>x</b>.ics:7:RRULE: could not open the file: <script>"
    assert report.skipped[0].text(ES) == ("<b>x</b>.ics:7:RRULE: no se pudo abrir el archivo: "
                                          "<script>")
    assert report.skipped[0].message == "could not open the file: <script>"  # English as data
    assert report.skipped[0] == DataProblem("<b>x</b>.ics", 7, "RRULE",
                                            "could not open the file: <script>")
    html = report_html(report, words=ES)
    assert "no se pudo abrir el archivo" in html and "<script>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;.ics:7:RRULE" in html
    failed = ImportFailed(report)
    assert str(failed).startswith("Could not import <b>x</b>.ics: <b>x</b>.ics:7:RRULE")
    assert failed.text(ES).startswith("No se pudo importar <b>x</b>.ics:")
    err = DataError(report.skipped, "data")
    assert err.text(ES).splitlines()[0] == "1 problema en data"
    assert str(err).splitlines()[0] == "1 problem in data"


def test_the_imports_service_keeps_its_sentences_as_data(dataset, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(ImportFailed) as info:
        imports.read_framework(FIXTURES / "case" / "framework.json", SAMPLE_DATA,
                               tmp_path / "taken")
    assert "already exists and is not empty" in str(info.value)
    assert "ya existe y no está vacía: elija una carpeta nueva" in info.value.text(ES)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(path))
    return path


def test_workbench_lang_es_import_ics_of_a_bad_file_prints_spanish(db, tmp_path, capsys):
    from workbench.cli import main

    bad = tmp_path / "familia.ics"
    bad.write_text("hola\n", encoding="utf-8")
    assert main(["--lang", "es", "import", "ics", str(bad), "--learner", "L-maya"]) == 2
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "Se leyeron 0 elementos: se importaron 0, se omitieron 1.",
        "  no se pudo leer: familia.ics: este no es un archivo iCalendar (.ics): no tiene ninguna "
        "línea BEGIN:VCALENDAR ni BEGIN:VEVENT"]
    assert out.err.strip() == (f"workbench: error: no se pudo importar {bad}: Se leyeron 0 "
                               "elementos: se importaron 0, se omitieron 1. No se cambió nada.")
    # English as it was
    assert main(["--lang", "en", "import", "ics", str(bad), "--learner", "L-maya"]) == 2
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "Read 0 items: imported 0, skipped 1.",
        "  skipped familia.ics: this is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR "
        "or BEGIN:VEVENT line"]
    assert "could not import" in out.err and "Nothing was changed." in out.err


def test_workbench_lang_es_import_ics_of_a_partly_broken_file_prints_spanish(db, capsys):
    from workbench.cli import main

    assert main(["--lang", "es", "import", "ics", str(BROKEN_ICS), "--learner", "L-maya"]) == 1
    out = capsys.readouterr()
    # the file, line and field stay as they are; the sentence around them is Spanish
    assert "  no se pudo leer: broken_rule.ics:18:RRULE: el evento «Tutoring» (línea 12) no se " \
        "importó" in out.out
    assert "se leyeron los eventos entre el 31 de agosto de 2026 y el 11 de junio de 2027" in \
        out.out
    assert out.err.strip() == ("No se cambió nada: 1 parte de broken_rule.ics no se pudo leer. "
                               "Corrija el archivo, o vuelva a ejecutarlo con --accept-partial "
                               "para guardar lo que sí se pudo leer.")
    assert main(["import", "ics", str(BROKEN_ICS), "--learner", "L-maya", "--lang", "en"]) == 1
    assert capsys.readouterr().err.strip() == (
        "Nothing was changed: 1 part of broken_rule.ics could not be read. Fix the file, or run "
        "again with --accept-partial to keep what could be read.")


def test_workbench_lang_es_validate_says_each_problem_in_spanish(tmp_path, capsys):
    import json
    import shutil

    from workbench.cli import main

    root = tmp_path / "datos"
    shutil.copytree(SAMPLE_DATA, root)
    sections = (root / "sections.csv").read_text().splitlines()
    header, row = sections[0].split(","), sections[1].split(",")
    row[header.index("start_date")] = "not-a-date"
    sections[1] = ",".join(row)
    (root / "sections.csv").write_text("\n".join(sections) + "\n")
    learner_file = sorted((root / "learners").glob("*.json"))[0]
    data = json.loads(learner_file.read_text())
    data["grade"] = "doce"
    learner_file.write_text(json.dumps(data, indent=2))

    assert main(["--lang", "es", "validate", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    # where stays as it is (file:line:field); what is wrong is Spanish
    assert "sections.csv:2:start_date: 'not-a-date' no es una fecha (AAAA-MM-DD)" in out
    assert any(line.startswith(f"learners/{learner_file.name}:") and ":grade: debe ser un número "
               "entero, no texto ('doce')" in line for line in out), out
    assert main(["--lang", "en", "validate", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "sections.csv:2:start_date: 'not-a-date' is not a date (YYYY-MM-DD)" in out
    assert any(":grade: must be a whole number, not text ('doce')" in line for line in out), out


def test_the_plans_calendar_file_is_in_the_familys_language(dataset):
    import datetime as dt

    from workbench.formats.ics import plan_to_ics

    learner = dataset.learners["L-maya"]
    plan = dataset.plans_for("L-maya")[0]

    def descriptions(**kw):
        text = plan_to_ics(dataset.catalogue, learner, plan, now=dt.datetime(2026, 1, 1),
                           **kw).decode().replace("\r\n ", "")
        return [x for x in text.split("\r\n") if x.startswith("DESCRIPTION:")]

    english, spanish = descriptions(), descriptions(words=ES)
    assert len(english) == len(spanish) >= 1
    assert "Meets: " in english[0] and "Cost: " in english[0]
    assert "Cuándo: " in spanish[0] and "Costo: " in spanish[0] and "Lo ofrece: " in spanish[0]
    assert "Meets" not in " ".join(spanish) and "Provider" not in " ".join(spanish)
    # the dates through Babel (no Python object leaks into the file)
    assert "Value(" not in " ".join(english + spanish)
    assert any(" de 20" in d for d in spanish)
