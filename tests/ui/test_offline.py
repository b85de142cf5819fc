"""The served app fetches nothing from outside, cannot be framed by another site, and refuses to
listen beyond this computer while there is no sign-in."""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
import urllib.error
import urllib.request

import pytest
from conftest import Served
from playwright.sync_api import expect

from workbench import SAMPLE_DATA
from workbench.app import free_port

TIMEOUT = 30_000




@pytest.fixture
def served(tmp_path, monkeypatch):
    """``workbench.app.serve`` on the sample data — with the environment asking Bokeh for its
    CDN, which the app must overrule."""
    monkeypatch.setenv("BOKEH_RESOURCES", "cdn")
    served = Served(SAMPLE_DATA, tmp_path / "wb.sqlite")
    yield served.url
    served.stop()


@pytest.fixture
def every_panel_model():
    """Import every Panel model, as a load test's client does (``bokeh.client`` needs them):
    Bokeh then lists each model's files on every page, Vizzu's only on a public CDN.

    Afterwards the models this imported list no files any more, so the rest of the run's pages
    carry only what the app uses (Vega's bundled files, served without a ``.js`` name, would
    otherwise be refused under ``nosniff`` on every later page)."""
    import panel.models
    from bokeh.model import Model

    before = set(Model.model_class_reverse_map)
    for m in pkgutil.iter_modules(panel.models.__path__):
        importlib.import_module(f"panel.models.{m.name}")
    yield
    for name, cls in Model.model_class_reverse_map.items():
        if name not in before:
            for attr in ("__javascript__", "__css__", "__javascript_modules__"):
                if getattr(cls, attr, None):
                    setattr(cls, attr, [])


def _headers(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return dict(r.headers)
    except urllib.error.HTTPError as err:  # a 404 must carry the headers too
        return dict(err.headers)


def test_every_response_forbids_framing_by_other_sites(served):
    for path in ("", "static/extensions/panel/css/loading.css", "no-such-page"):
        h = _headers(served + path)
        policy = h.get("Content-Security-Policy", "")
        assert "frame-ancestors 'self'" in policy and "default-src 'self'" in policy, (path, h)
        assert h.get("X-Frame-Options") == "SAMEORIGIN", (path, h)
        assert h.get("X-Content-Type-Options") == "nosniff", (path, h)


def test_a_session_built_without_the_page_points_at_nothing_outside(served, every_panel_model):
    """A session opened over the websocket alone (as under load, before or without the HTML
    page) used to carry CDN stylesheet addresses; every address must be this server's."""
    from bokeh.client import pull_session

    outside, models = set(), []

    def pull():  # in its own thread: the browser tests keep an event loop on this one
        with pull_session(url=served) as session:
            models.extend(session.document.models)
            for model in models:
                for name, value in model.properties_with_values(
                        include_defaults=False).items():
                    for v in value if isinstance(value, list | tuple) else [value]:
                        text = getattr(v, "url", v)
                        if isinstance(text, str) and re.match(r"(https?:)?//", text) and \
                                not text.startswith(served.rstrip("/")):
                            outside.add(f"{type(model).__name__}.{name}: {text}")

    thread = threading.Thread(target=pull)
    thread.start()
    thread.join(120)
    # the first screen (the Learner step and the shell) is there: the session opened
    # the shell and the first step are there (the step buttons and the language switch)
    names = {type(m).__name__ for m in models}
    assert {"RadioButtonGroup", "Location"} <= names and len(models) > 40, \
        "the session did not open"
    assert not outside, sorted(outside)[:10]


def test_a_journey_requests_nothing_but_the_app(page, served, every_panel_model):
    requests, outside = [], []
    host = served.split("://", 1)[1]

    def seen(url):
        requests.append(url)
        if not url.startswith((f"http://{host}", f"ws://{host}", f"blob:http://{host}",
                               "data:", "about:")):
            outside.append(url)

    blocked = []  # the page's content policy must allow everything the app itself needs
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: seen(r.url))
    page.on("websocket", lambda ws: seen(ws.url))
    page.goto(served)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=60_000)
    for name in ("Week", "Opportunities", "Plans", "Compare", "Share", "Learner"):
        page.get_by_role("button", name=re.compile(rf"^\d\. {name}$")).click()
        page.wait_for_timeout(1200)
        if name == "Plans":
            page.get_by_role("button", name="New plan").click()
            expect(page.get_by_text(re.compile(r"^Created ")).first).to_be_visible(
                timeout=TIMEOUT)
        if name == "Opportunities":  # a click on the first row or card
            page.locator(".tabulator-row").or_(
                page.get_by_role("button", name=re.compile(r"^Add .+ to "))).first.click()
    page.reload()
    expect(page.get_by_role("button", name=re.compile(r"^\d\. Learner$"))).to_be_visible(
        timeout=60_000)
    page.wait_for_timeout(1500)
    print(f"\n{len(requests)} requests, {len(outside)} not to the app's loopback address")
    assert requests and not outside, outside
    assert not blocked, blocked[:5]


def test_the_page_loads_no_bundle_it_never_uses(page, served):
    """No MathJax (1.8 MB) and no WebGL script for a phone to fetch (``UNUSED_BUNDLES``), every
    step still drawn without an error, and TeX typed as a name stays the text it is."""
    scripts, errors = [], []
    page.on("request", lambda r: scripts.append(r.url.rsplit("/", 1)[-1].split("?")[0])
            if r.resource_type == "script" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=60_000)
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill(r"Amara $$x^2$$ \(y\)")
    name.press("Enter")
    expect(page.locator(".wb-who b").first).to_have_text(r"Amara $$x^2$$ \(y\)",
                                                         timeout=TIMEOUT)
    for number, step in enumerate(("Week", "Opportunities", "Plans", "Compare", "Share"), 2):
        page.get_by_role("button", name=f"{number}. {step}").click()
        expect(page.locator(f".wb-showing-{step.lower()}")).to_have_count(1, timeout=TIMEOUT)
    page.wait_for_timeout(1000)
    assert {"bokeh.min.js", "bokeh-widgets.min.js", "bokeh-tables.min.js",
            "panel.min.js"} <= set(scripts), scripts
    assert not [s for s in scripts if s.startswith(("bokeh-mathjax", "bokeh-gl"))], scripts
    assert not errors, errors


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_addresses_beyond_this_computer(address, capsys, tmp_path):
    from workbench.app import NOT_LOOPBACK, serve
    from workbench.cli import main

    assert main(["serve", "--address", address, "--db", str(tmp_path / "s.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sign-in is not available yet" in err, err
    assert "every family's data to anyone on the network" in err
    with pytest.raises(ValueError, match=re.escape(NOT_LOOPBACK)):
        serve(address=address, port=free_port())
