"""axe-core (bundled by axe-playwright-python: nothing is downloaded) on every step of the served
app, in English and Spanish, at 1366 x 900 and at 390 x 844: no serious or critical WCAG 2.1
A/AA violation. Panel draws its widgets inside shadow roots; axe looks inside them."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import Served
from pages import SIZES, go_to_step, open_app, sized_page
from playwright.sync_api import expect

from workbench import SAMPLE_DATA
from workbench.state import STEPS

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
         # only the violations are wanted: axe then skips the details of every passing node
         "resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Served(SAMPLE_DATA, tmp_path_factory.mktemp("axe") / "wb.sqlite")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pages(browser, server):
    opened, contexts = {}, []

    def get(size: str, lang: str):
        if (size, lang) not in opened:
            page = sized_page(browser, size, contexts)
            # Maya's plans have clashes, a goal chart and every kind of row on every step
            open_app(page, f"{server.url}?learner=L-maya&lang={lang}")
            expect(page.locator("html")).to_have_attribute("lang", lang, timeout=30_000)
            opened[size, lang] = page
        return opened[size, lang]

    yield get
    for ctx in contexts:
        ctx.close()


def serious(results) -> list[str]:
    """The serious and critical violations, one line each with where they are."""
    out = []
    for v in results.response["violations"]:
        if v["impact"] in ("serious", "critical"):
            where = "; ".join(" > ".join(map(str, n["target"])) for n in v["nodes"][:3])
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} — {where}")
    return out


@pytest.mark.parametrize("number", range(1, 7), ids=[s.lower() for s in STEPS])
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_accessibility_violation_on_any_step(pages, size, lang, number):
    page = pages(size, lang)
    step = STEPS[number - 1]
    go_to_step(page, number, step, lang)
    found = serious(Axe().run(page, options=RULES))
    assert not found, f"{step} ({size}, {lang}):\n" + "\n".join(found)
