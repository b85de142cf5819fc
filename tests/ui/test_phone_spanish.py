"""A Spanish-reading parent on a 390 x 844 phone, and an advocate at a 1366 x 900 desk, step
through all six steps of the served app in a real Chromium, in English and in Spanish.

On every step: the page has a viewport, text is at least 16 CSS px, tap targets at least
44 x 44 px, the page never scrolls sideways and nothing sits off the screen; in Spanish no
English string of the message catalogue is on screen (data such as programme titles excepted).
Each step is screenshotted (``test-artifacts/screenshots/phone-*.png``). Then the rough edges of
the shell and of Learner and Share: the language switch without a reload, the place kept over a
reload, a plan opened from "Plans at a glance", a 250-character name, the level editor, the
summary printed on one Letter page.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from conftest import ARTIFACTS, Served
from pages import (
    MEASURE,
    SIZES,
    STEP_HEADINGS,
    WHOLE_PAGE,
    data_values,
    english_on_page,
    english_phrases,
    go_to_step,
    open_app,
    sized_page,
    step_button_name,
)
from playwright.sync_api import expect

from workbench import SAMPLE_DATA
from workbench.i18n import LOCALE_DIR, Translator
from workbench.state import STEPS

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Served(SAMPLE_DATA, tmp_path_factory.mktemp("phone") / "wb.sqlite")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def phrases():
    with open(LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return english_phrases(read_po(f))


@pytest.fixture(scope="module")
def pages(browser, server):
    """One page per size and language, opened once and reused by every step's test."""
    opened: dict[tuple[str, str], object] = {}
    contexts = []

    def get(size: str, lang: str):
        if (size, lang) not in opened:
            page = sized_page(browser, size, contexts)
            open_app(page, server.url + "?learner=L-lucia")
            if lang != "es":  # Lucía's family reads Spanish: the page opens in Spanish
                page.get_by_role("combobox", name="Idioma", exact=True).select_option(
                    label={"en": "English"}[lang])
                expect(page.get_by_role("button", name="1. Learner")).to_be_visible(
                    timeout=TIMEOUT)
            opened[size, lang] = page
        return opened[size, lang]

    yield get
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize("number", range(1, 7), ids=[s.lower() for s in STEPS])
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_step_reads_on_a_phone_and_a_desk(pages, size, lang, number, phrases):
    page = pages(size, lang)
    step = STEPS[number - 1]
    go_to_step(page, number, step, lang)
    m = page.evaluate(MEASURE)
    page.add_style_tag(content=WHOLE_PAGE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{size}-{lang}-{number}-{step.lower()}.png"),
                    full_page=True)
    page.evaluate("() => { for (const s of document.querySelectorAll('style')) "
                  "if (s.textContent.startsWith('#main{max-height:none')) s.remove() }")
    problems = []
    if m["viewport"] != "width=device-width, initial-scale=1":
        problems.append(f"viewport meta: {m['viewport']!r}")
    if m["scrollWidth"] > m["width"] + 1:
        problems.append(f"the page scrolls sideways: {m['scrollWidth']} px on {m['width']}")
    problems += [f"text under 16 px: {x}" for x in m["small"]]
    problems += [f"tap target under 44 px: {x}" for x in m["targets"]]
    problems += [f"off the screen: {x}" for x in m["offscreen"]]
    if lang == "es":
        problems += [f"English on the Spanish page: {x}"
                     for x in english_on_page(m["text"], phrases, data_values())]
    # the parts of the page in their order, none over another: the step buttons above the
    # step, and "Plans at a glance" above the step on a desk, after it on a phone
    heading = page.get_by_role("heading", name=STEP_HEADINGS[step][1 if lang == "es" else 0],
                               exact=True).first.bounding_box()
    buttons = [page.get_by_role("button", name=step_button_name(n, s, lang), exact=True)
               .bounding_box() for n, s in enumerate(STEPS, 1)]
    if max(b["y"] + b["height"] for b in buttons) > heading["y"]:
        problems.append("the step buttons run into the step below them")
    glance = page.locator(".wb-glance-table").first.bounding_box()
    if glance is not None and (glance["y"] > heading["y"]) != (size == "phone"):
        problems.append("'Plans at a glance' is on the wrong side of the step")
    problems += [f"browser console: {x}" for x in page.errors]
    page.errors.clear()
    assert not problems, f"{step} ({size}, {lang}):\n" + "\n".join(problems[:25])


# ---- the shell -------------------------------------------------------------------------------
def test_the_language_switch_changes_the_page_without_a_reload(pages):
    page = pages("phone", "es")
    go_to_step(page, 1, "Learner", "es")
    page.evaluate("() => { window.wbStillHere = true }")
    assert page.evaluate("document.documentElement.lang") == "es"
    page.get_by_role("combobox", name="Idioma", exact=True).select_option(label="English")
    expect(page.get_by_role("heading", name="Who are we planning with?")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_role("button", name="1. Learner")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("window.wbStillHere === true")  # the same page: no reload
    assert "lang=en" in page.url
    page.get_by_role("combobox", name="Language", exact=True).select_option(label="Español")
    expect(page.get_by_role("heading", name=STEP_HEADINGS["Learner"][1])).to_be_visible(
        timeout=TIMEOUT)
    assert page.evaluate("window.wbStillHere === true")


def test_a_reload_comes_back_to_the_same_place(browser, server):
    ctx = browser.new_context(viewport=SIZES["desk"][0])
    page = ctx.new_page()
    try:
        open_app(page, server.url)
        page.get_by_role("combobox", name="Learner").select_option(label="Maya R. (grade 11)")
        expect(page.locator(".wb-who").get_by_text("Maya R.")).to_be_visible(timeout=TIMEOUT)
        # a row of "Plans at a glance" opens that plan
        page.get_by_role("button", name=re.compile(r"^Open Plan B")).click()
        expect(page.locator(".wb-who")).to_contain_text("Plan B", timeout=TIMEOUT)
        go_to_step(page, 6, "Share", "en")
        expect(page.get_by_role("combobox", name="Plan to share")).to_have_value(
            re.compile(".+"), timeout=TIMEOUT)
        page.wait_for_function("() => location.search.includes('step=Share')", timeout=TIMEOUT)
        assert "learner=L-maya" in page.url and "plan=P-maya-b" in page.url
        page.reload()
        expect(page.get_by_role("heading", name="Share", exact=True)).to_be_visible(
            timeout=TIMEOUT)
        expect(page.locator(".wb-who")).to_contain_text("Maya R.")
        expect(page.locator(".wb-who")).to_contain_text("Plan B")
        expect(page.get_by_role("button", name="6. Share")).to_have_class(
            re.compile("bk-active"))
    finally:
        ctx.close()


def test_a_250_character_name_wraps_instead_of_pushing_the_page(browser, tmp_path):
    from workbench.formats.datadir import load_dataset
    from workbench.store import Store

    db = tmp_path / "wb.sqlite"
    ds = load_dataset(SAMPLE_DATA)
    store = Store(db)
    store.seed_from(ds)
    long = ("Maximiliana-Guadalupe " * 12)[:250]
    stored = store.read_learner("L-maya")
    store.save_learner(type(stored.record).from_dict({**stored.record.to_dict(),
                                                       "name": long}), base=stored)
    served = Served(SAMPLE_DATA, db)
    ctx = browser.new_context(viewport=SIZES["phone"][0], is_mobile=True, has_touch=True)
    page = ctx.new_page()
    try:
        open_app(page, served.url + "?learner=L-maya&step=Share")
        expect(page.get_by_role("heading", name="Share", exact=True)).to_be_visible(
            timeout=TIMEOUT)
        who = page.locator(".wb-who").bounding_box()
        for name in ("← Back", "Next →"):
            box = page.get_by_role("button", name=name).bounding_box()
            overlap = not (box["x"] >= who["x"] + who["width"] or
                           box["x"] + box["width"] <= who["x"] or
                           box["y"] >= who["y"] + who["height"] or
                           box["y"] + box["height"] <= who["y"])
            assert not overlap, f"the name runs over {name}"
            assert box["x"] + box["width"] <= 391
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        frame = page.frame_locator("iframe.wb-summary-frame")
        expect(frame.locator("h1")).to_contain_text("Maximiliana", timeout=TIMEOUT)
        wide = frame.locator("body").evaluate(
            "b => [b.ownerDocument.documentElement.scrollWidth, "
            "b.ownerDocument.documentElement.clientWidth]")
        assert wide[0] <= wide[1] + 1, f"the summary scrolls sideways: {wide}"
    finally:
        ctx.close()
        served.stop()


# ---- Learner ---------------------------------------------------------------------------------
def test_the_level_editor_shows_every_skill_and_a_change_just_works(pages, server):
    page = pages("phone", "es")
    go_to_step(page, 1, "Learner", "es")
    area = page.get_by_role("combobox", name="Materia")
    area.select_option(index=2)
    page.wait_for_timeout(500)
    from workbench.formats.datadir import load_dataset

    comps = load_dataset(SAMPLE_DATA).catalogue.competencies
    chosen = area.evaluate("s => s.options[s.selectedIndex].textContent")
    names = list(comps.loc[comps["domain"] == chosen, "name"])
    words = Translator("es").levels()
    first = page.get_by_role("combobox", name=names[0], exact=True)
    expect(first).to_be_visible(timeout=TIMEOUT)
    for name in names:  # every skill of the area is there, on the screen sideways
        box = page.get_by_role("combobox", name=name, exact=True).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 391
    now = first.evaluate("s => s.options[s.selectedIndex].textContent")
    new = next(w for w in words if w != now)
    first.select_option(label=new)
    expect(page.locator(".wb-message")).to_contain_text("Guardado", timeout=TIMEOUT)
    # the change is saved, and the area is still open on the same skills
    expect(first).to_have_value(re.compile(".*"))
    assert first.evaluate("s => s.options[s.selectedIndex].textContent") == new
    assert area.evaluate("s => s.options[s.selectedIndex].textContent") == chosen
    first.select_option(label=now)  # put it back for the other tests
    expect(page.locator(".wb-message")).to_contain_text("Guardado", timeout=TIMEOUT)


# ---- Share -----------------------------------------------------------------------------------
@pytest.mark.parametrize("plan_id", ["P-maya-a", "P-lucia-a", "P-dante-a", "P-amara-b"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_typical_summary_prints_on_one_letter_page(browser, plan_id, lang):
    from workbench.domain.feasibility import check_plan
    from workbench.domain.ledger import plan_ledger
    from workbench.domain.projection import project
    from workbench.domain.summary import family_summary
    from workbench.formats.datadir import load_dataset

    ds = load_dataset(SAMPLE_DATA)
    cat, plan = ds.catalogue, ds.plans[plan_id]
    learner = ds.learners[plan.learner_id]
    proj = project(cat, learner, plan.sections)
    html = family_summary(cat, learner, plan, check_plan(cat, learner, plan.sections), proj,
                          plan_ledger(cat, learner, plan, proj), words=Translator(lang))
    page = browser.new_page()
    try:
        page.set_content(html)
        pdf = page.pdf(format="Letter", prefer_css_page_size=True)
    finally:
        page.close()
    pages_printed = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages_printed == 1, f"{plan_id} ({lang}) prints on {pages_printed} pages"


def test_the_share_step_prints_and_downloads_with_names_that_say_whose(pages):
    page = pages("desk", "en")
    go_to_step(page, 6, "Share", "en")
    expect(page.get_by_role("button", name="Print the summary")).to_be_enabled(timeout=TIMEOUT)
    frame = page.frame_locator("iframe.wb-summary-frame")
    expect(frame.locator("h1")).to_contain_text("learning plan", timeout=TIMEOUT)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download summary (web page)").click()
    name = dl.value.suggested_filename
    assert re.fullmatch(r"lucia-m-plan-[a-z0-9-]+-summary\.html", name), name
