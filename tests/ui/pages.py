"""What a person would notice on a page, measured in the browser (shared by the phone, axe and
keyboard tests): small text, small tap targets, things off the screen, English on a Spanish
page. Panel draws every widget inside a shadow root, so every walk goes into them."""

from __future__ import annotations

import re

#: Walks the whole page, shadow roots included, and returns what a phone user would trip on:
#: visible text under 16 px, controls smaller than 44 x 44 px, anything sticking out of the
#: screen sideways (outside a box that scrolls on its own), and the UI text (text outside
#: elements marked as data).
MEASURE = r"""
() => {
  const W = document.documentElement.clientWidth
  const main = document.getElementById('main')
  const out = {small: [], targets: [], offscreen: [], text: [], viewport: null, width: W,
               scrollWidth: Math.max(document.documentElement.scrollWidth,
                                     main ? main.scrollWidth - main.clientWidth + W : 0)}
  const meta = document.querySelector('meta[name=viewport]')
  out.viewport = meta ? meta.content : null
  const parentOf = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null
  const clipped = (el) => {
    for (let p = parentOf(el); p; p = parentOf(p)) {
      const cs = getComputedStyle(p)
      // a box that scrolls sideways on its own (a wide table) may hold wide things; the
      // page's own scroller (#main, body) may not: that is the page scrolling sideways
      if (p.id === 'main' || p === document.body || p === document.documentElement) continue
      if (/(auto|scroll)/.test(cs.overflowX) && p.scrollWidth > p.clientWidth + 1) return true
    }
    return false
  }
  const shown = (el) => {
    const r = el.getBoundingClientRect()
    if (r.width < 1 || r.height < 1) return false
    for (let p = el; p; p = parentOf(p)) {
      const cs = getComputedStyle(p)
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false
    }
    return true
  }
  const name = (el) => (el.getAttribute('aria-label') || el.innerText || el.value ||
                        el.tagName).trim().slice(0, 60)
  const isData = (el) => {
    for (let p = el; p; p = parentOf(p)) {
      if (p.dataset && p.dataset.wbData !== undefined) return true
      if (p.classList && (p.classList.contains('wb-data'))) return true
    }
    return false
  }
  const seen = new Set()
  function walk(root) {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot)
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(el.tagName)) continue
      const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim())
      if (el.tagName === 'OPTION') continue
      if (own.length && shown(el)) {
        const fs = parseFloat(getComputedStyle(el).fontSize)
        const text = own.map(n => n.textContent.trim()).join(' ')
        if (fs < 15.5) out.small.push(`${fs}px: ${text.slice(0, 50)}`)
        if (!isData(el)) out.text.push(text)
      }
      if (el.tagName === 'SELECT' && !isData(el)) {
        for (const o of el.options) out.text.push(o.textContent.trim())
      }
      const control = el.matches('button, select, input:not([type=hidden]):not([type=file]), ' +
                                 'textarea, a[href], summary, [role=button]')
      if (control && shown(el)) {
        let box = el.getBoundingClientRect()
        // a check box is tapped through its label
        if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label'))
          box = el.closest('label').getBoundingClientRect()
        if ((box.height < 43.5 || box.width < 43.5) && !seen.has(el)) {
          seen.add(el)
          out.targets.push(`${Math.round(box.width)}x${Math.round(box.height)} ${el.tagName}: ${name(el)}`)
        }
        for (const attr of ['aria-label', 'placeholder', 'title']) {
          const v = el.getAttribute(attr)
          if (v && !isData(el)) out.text.push(v)
        }
      }
      if (shown(el) && !clipped(el)) {
        const r = el.getBoundingClientRect()
        if (r.left < -1 || r.right > W + 1)
          out.offscreen.push(`${el.tagName}.${el.className} at x=${Math.round(r.left)}..${Math.round(r.right)}`)
      }
    }
  }
  walk(document)
  out.offscreen = out.offscreen.slice(0, 20)
  return out
}
"""


def english_phrases(catalogue) -> list[str]:
    """The catalogue's English UI strings whose Spanish is different (what must not show on a
    Spanish page), each piece between placeholders long enough to mean something."""
    spanish = " ".join((m.string if isinstance(m.string, str) else " ".join(m.string))
                       for m in catalogue if m.id)
    out = set()
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if set(ids) & set(strings):
            continue  # the same words in both languages (a name, "Plan")
        for text in ids:
            for piece in re.split(r"\{[^}]*\}", text):
                piece = piece.strip(" .,:;()—–·→←?!")
                if len(piece) >= 4 and re.search(r"[A-Za-z]{3}", piece) and \
                        piece not in spanish:
                    out.add(piece)
    return sorted(out, key=len, reverse=True)


def english_on_page(texts: list[str], phrases: list[str], data) -> list[str]:
    """The English phrases found in the page's UI text, after taking out every data value
    (a programme title, a learner's or plan's name, an area) wherever it appears."""
    values = sorted({d for d in data if d and len(d) >= 2}, key=len, reverse=True)
    data_re = re.compile("|".join(re.escape(v) for v in values)) if values else None
    # whole words only: "Plan" in "Planes" is Spanish
    english_re = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
    found = []
    for text in dict.fromkeys(texts):
        rest = data_re.sub(" ", text) if data_re else text
        hit = english_re.search(rest)
        if hit:
            found.append(f"{hit.group(1)!r} in {text[:90]!r}")
    return found


#: Let the page grow so a full-page screenshot shows the whole step (the template scrolls
#: inside #main).
WHOLE_PAGE = ("#main{max-height:none!important;height:auto!important;overflow:visible!important}"
              "html,body,.container-fluid,#content{height:auto!important;"
              "overflow:visible!important}")


def _headings() -> dict[str, tuple[str, str]]:
    from workbench.i18n import Translator

    es = Translator("es").gettext
    english = {"Learner": "Who are we planning with?", "Week": "The learner's week",
               "Opportunities": "Find opportunities", "Plans": "Plans",
               "Compare": "Compare plans", "Share": "Share"}
    return {step: (text, es(text)) for step, text in english.items()}


#: Each step's heading in English and Spanish: what shows that the step is on screen.
STEP_HEADINGS = _headings()


def step_button_name(number: int, step: str, lang: str) -> str:
    from workbench.i18n import Translator

    return f"{number}. {Translator(lang).gettext(step)}"


#: The two sizes every step is checked at: a 390 x 844 phone (touch) and a 1366 x 900 desk.
SIZES = {"phone": ({"width": 390, "height": 844}, True),
         "desk": ({"width": 1366, "height": 900}, False)}


def sized_page(browser, size: str, contexts: list):
    """A new page in a context of ``SIZES[size]`` (kept in ``contexts`` to close later); its
    console errors and page errors collect in ``page.errors``."""
    viewport, mobile = SIZES[size]
    ctx = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile)
    contexts.append(ctx)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text)
            if m.type == "error" and "favicon" not in m.text else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def open_app(page, url: str, timeout: int = 60_000) -> None:
    """Open the app and wait until the shell is drawn (the who line) and the step on screen
    is whole (the part of it built once the page has loaded has come)."""
    page.goto(url)
    page.locator(".wb-who").first.wait_for(state="visible", timeout=timeout)
    page.locator(".wb-coming").wait_for(state="detached", timeout=timeout)


#: Every h2 in the page, shadow roots included, with whether it is on screen.
HEADINGS_JS = """() => {
  const out = []
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'H2') {
        let shown = el.getClientRects().length > 0
        out.push([el.textContent.replace('¶', '').trim(), shown])
      }
      if (el.shadowRoot) walk(el.shadowRoot)
    }
  }
  walk(document)
  return out
}"""


def wait_until_built_ahead(page, lang: str = "en", timeout: int = 90_000) -> None:
    """Wait until every step's heading is in the page, shown or not: the server has built the
    steps ahead and the page has drawn them."""
    wanted = sorted({STEP_HEADINGS[step][1 if lang == "es" else 0] for step in STEP_HEADINGS})
    page.wait_for_function(
        f"() => {{ const want = new Set({wanted!r}); "
        f"return ({HEADINGS_JS})().filter(([t]) => want.has(t)).length >= want.size }}",
        timeout=timeout, polling=500)


def go_to_step(page, number: int, step: str, lang: str, timeout: int = 30_000) -> None:
    """Click a step's button and wait until the step and its heading are on screen."""
    from playwright.sync_api import expect

    button = page.get_by_role("button", name=step_button_name(number, step, lang), exact=True)
    button.click()
    page.locator(f".wb-showing-{step.lower()}").first.wait_for(state="attached",
                                                               timeout=timeout)
    heading = STEP_HEADINGS[step][1 if lang == "es" else 0]
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible(
        timeout=timeout)
    page.wait_for_timeout(400)  # the step's own pictures and lists finish drawing


def data_values() -> frozenset[str]:
    """Every piece of text that comes from data (titles, names, places, notes), which a
    Spanish page may show as written."""
    return _data_values()


def _data_values_uncached() -> frozenset[str]:
    from workbench import SAMPLE_DATA
    from workbench.formats.datadir import load_dataset

    ds = load_dataset(SAMPLE_DATA)
    cat = ds.catalogue
    t = cat.section_table
    values = {*t["title"], *t["provider_name"], *t["description"], *t["mentor_role"],
              *cat.competency_names.values(), *cat.competencies["domain"],
              *cat.requirements["name"], *cat.zones, *cat.providers["address"],
              *cat.providers["name"],
              *{x for c in cat.opportunities["interests"] for x in str(c).split(";")}}
    for plan in ds.plans.values():
        values.add(plan.name)
    for lr in ds.learners.values():
        values |= {lr.name, lr.pathway, lr.notes, *lr.strengths, *lr.supportive_adults,
                   *lr.interests, *(b.label for b in lr.commitments + lr.availability),
                   *(e.source for e in lr.evidence), *(e.note for e in lr.evidence)}
    return frozenset(v for v in values if isinstance(v, str) and v.strip())


_cache: dict[str, frozenset[str]] = {}


def _data_values() -> frozenset[str]:
    if "values" not in _cache:
        _cache["values"] = _data_values_uncached()
    return _cache["values"]
