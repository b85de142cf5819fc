"""The Opportunities step's two folded cards ("More ways to filter", "Import a provider
catalogue") get their contents the first time they are opened (``card_filled_when_opened``): a
first visit makes none of those models. In a real Chromium, on a phone in Spanish: folded, the
filters are not in the page; opened, they come, work, and stay when folded and opened again."""

from __future__ import annotations

import re

from conftest import Served
from pages import go_to_step, open_app, sized_page
from playwright.sync_api import expect

from workbench import SAMPLE_DATA

TIMEOUT = 30_000
SHOWN = re.compile(r"^Se muestran [\d,.\s]+ de [\d,.\s]+ opciones")


def test_folded_cards_fill_when_first_opened(browser, tmp_path, shot):
    served = Served(SAMPLE_DATA, tmp_path / "wb.sqlite")
    contexts: list = []
    try:
        page = sized_page(browser, "phone", contexts)
        open_app(page, served.url + "?learner=L-lucia")
        go_to_step(page, 3, "Opportunities", "es")
        names = ("Quién lo ofrece", "Cómo leer las columnas")
        # folded: not built yet (not merely hidden)
        for name in names:
            assert page.get_by_role("combobox", name=name, exact=True,
                                    include_hidden=True).count() == 0, name
        provider, mapping = (page.get_by_role("combobox", name=name, exact=True)
                             for name in names)
        count = page.get_by_role("status").filter(has_text=SHOWN).first
        before = count.inner_text()

        page.get_by_text("Más formas de filtrar", exact=True).click()
        expect(provider).to_be_visible(timeout=TIMEOUT)
        provider.select_option(index=2)  # a kind of provider: fewer sections shown
        expect(count).not_to_have_text(before, timeout=TIMEOUT)
        shot(page, "opportunities-more-filters-opened-es")
        # folded and opened again: the same filters, as they were
        page.get_by_text("Más formas de filtrar", exact=True).click()
        expect(provider).to_be_hidden(timeout=TIMEOUT)
        page.get_by_text("Más formas de filtrar", exact=True).click()
        expect(provider).to_be_visible(timeout=TIMEOUT)
        assert provider.evaluate("s => s.selectedIndex") == 2

        page.get_by_text("Importar un catálogo", exact=True).click()
        expect(mapping).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("input[type=file]").filter(visible=True)).to_have_count(
            1, timeout=TIMEOUT)
        assert not page.errors, page.errors
    finally:
        for ctx in contexts:
            ctx.close()
        served.stop()
