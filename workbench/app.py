"""The workbench app: six steps over one PlanningSession, served locally or shown in a notebook.

``create_app`` builds a fresh, independent app (its own session state) every time it is called;
``serve`` hands Panel that function, so every browser session gets its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import panel as pn
import param
import tornado.web

from . import SAMPLE_DATA
from .formats.datadir import load_dataset
from .markup import escape_text
from .state import STEPS, PlanningSession
from .store import Store, default_db_path
from .views.compare import CompareStep
from .views.learner import LearnerStep
from .views.opportunities import OpportunitiesStep
from .views.plans import PlansStep
from .views.share import ShareStep
from .views.week import WeekStep
from .views.widgets import held

CSS = """
.wb-ok{background:#e6f4ea;border-left:5px solid #0b6b3a;padding:.6rem .8rem;border-radius:4px}
.wb-problems{background:#fff4e5;border-left:5px solid #b54708;padding:.6rem .8rem;
border-radius:4px}
.wb-problems ul{margin:.3rem 0 0 1rem;padding:0}.wb-problems li{margin:.35rem 0}
.wb-fix{color:#0b4f8a;margin-top:.15rem}
table.wb-compare{border-collapse:collapse;width:100%}
.wb-compare th,.wb-compare td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}
.wb-compare caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.wb-status{color:#0b4f8a}.wb-error{color:#a32020;font-weight:600}
table.wb-glance-table{border-collapse:collapse;width:100%;font-size:.85rem}
.wb-glance-table caption{caption-side:top;text-align:left;font-weight:600}
.wb-glance-table th,.wb-glance-table td{padding:.15rem .4rem;text-align:left;
border-bottom:1px solid #eee}
.wb-glance-table tr.wb-current{background:#eef5fb}
@media (max-width:600px){.wb-glance-table th:nth-child(n+5),.wb-glance-table td:nth-child(n+5)
{display:none}.wb-glance-table th[scope=row]{max-width:9em}}
"""

# the styles reach the panes inside their shadow roots only through the global raw_css
pn.extension("tabulator", notifications=True, design="bootstrap", loading_indicator=True,
             raw_css=[CSS])


@pn.cache(max_items=4)
def _load_dataset(path: str):
    # the catalogue is read-only and shared; learners and plans live in each session's store
    return load_dataset(path)


class WorkbenchApp(pn.viewable.Viewer):
    """The whole workbench: a stepper over Learner, Week, Opportunities, Plans, Compare, Share."""

    state = param.ClassSelector(class_=PlanningSession, doc="This session's planning state.")
    lazy = param.Boolean(default=False, doc="Render each step only while it is on screen "
                         "(set when served; a notebook shows steps side by side).")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        kw = {"state": s, "lazy": self.lazy}
        self.steps = {
            "Learner": LearnerStep(**kw), "Week": WeekStep(**kw),
            "Opportunities": OpportunitiesStep(**kw), "Plans": PlansStep(**kw),
            "Compare": CompareStep(**kw), "Share": ShareStep(**kw),
        }
        # a row of real buttons (keyboard- and screen-reader-friendly), one per step; only the
        # step on screen is rendered
        self.labels = [f"{i + 1}. {name}" for i, name in enumerate(self.steps)]
        self.stepper = pn.widgets.RadioButtonGroup(
            label="Steps", options=self.labels, value=self.labels[0], color="primary",
            button_style="outline", sizing_mode="stretch_width",
            stylesheets=[":host .bk-btn-group{flex-wrap:wrap}:host .bk-btn{min-width:8.5em}"])
        self.stepper.param.watch(held(self._stepper_changed), "value")
        self.content = pn.Column(self.steps["Learner"], sizing_mode="stretch_width")
        self.back = pn.widgets.Button(label="← Back", width=110, disabled=True)
        self.next = pn.widgets.Button(label="Next →", width=110, color="primary")
        self.back.on_click(held(lambda _e: self._move(-1)))
        self.next.on_click(held(lambda _e: self._move(1)))
        self.status = pn.pane.HTML(sizing_mode="stretch_width")
        self.glance = pn.pane.HTML(sizing_mode="stretch_width", css_classes=["wb-glance"])
        self.who = pn.pane.HTML(min_width=280, max_width=800)
        s.param.watch(self._on_step, "step")
        s.param.watch(self._on_status, ["status", "error", "learner", "plan_id", "problems"])
        s.param.watch(self._on_glance, ["ledgers", "plan_problems", "plan_id"])
        self._on_glance()
        self._on_status()
        self._layout = pn.Column(
            pn.FlexBox(self.who, pn.Row(self.back, self.next), justify_content="space-between",
                       sizing_mode="stretch_width"),
            self.stepper, self.status, self.glance, self.content, sizing_mode="stretch_width",
        )

    def __panel__(self):
        return self._layout

    def _move(self, delta: int):
        i = min(max(STEPS.index(self.state.step) + delta, 0), len(STEPS) - 1)
        self.state.step = STEPS[i]

    def _stepper_changed(self, event):
        self.state.step = STEPS[self.labels.index(event.new)]

    def _on_step(self, event):
        i = STEPS.index(event.new)
        self.stepper.value = self.labels[i]
        self.content.objects = [self.steps[event.new]]
        self.back.disabled = i == 0
        self.next.disabled = i == len(STEPS) - 1

    def _on_status(self, *_):
        s = self.state
        lr, plan = s.learner, s.plan
        who = f"<b>{escape_text(lr.name)}</b>, grade {lr.grade}" if lr else "No learner chosen"
        if plan:
            n = len(s.problems)
            state = "fits" if not n else f"{n} problem{'s' if n > 1 else ''}"
            who += f" · {escape_text(plan.name)} ({state})"
        self.who.object = f"<div>{who}</div>"
        if s.error:
            self.status.object = f'<div class="wb-error" role="alert">{escape_text(s.error)}</div>'
        else:
            self.status.object = (f'<div class="wb-status" role="status" aria-live="polite">'
                                  f"{escape_text(s.status)}</div>")

    def _on_glance(self, *_):
        """All plans at a glance, updated live: the comparison in one line per plan."""
        s = self.state
        rows = []
        for p in s.plans:
            led, probs = s.ledgers.get(p.plan_id), s.plan_problems.get(p.plan_id)
            if led is None:
                continue
            fits = "fits" if not probs else f"{len(probs)} problem{'s' if len(probs) > 1 else ''}"
            goals = [g["probability"] for g in led.get("goals", [])]
            chance = f"{100 * sum(goals) / len(goals):.0f}%" if goals else "—"
            mark = ' aria-current="true" class="wb-current"' if p.plan_id == s.plan_id else ""
            rows.append(
                f'<tr{mark} data-plan="{escape_text(p.plan_id)}"><th scope="row">'
                f"{escape_text(p.name)}</th><td>{len(p.sections)}</td><td>{fits}</td>"
                f"<td>{led['hours_per_week']:.1f} h</td><td>${led['cost']:,.0f}</td>"
                f"<td>{led['expected_credits']:.1f}</td><td>{chance}</td></tr>")
        if not rows:
            self.glance.object = ""
            return
        self.glance.object = (
            '<div style="overflow-x:auto"><table class="wb-glance-table"><caption>Plans at a glance</caption><thead><tr>'
            '<th scope="col">Plan</th><th scope="col">Pieces</th><th scope="col">Problems</th>'
            '<th scope="col">A week</th><th scope="col">Cost</th>'
            '<th scope="col">Credits expected</th><th scope="col">Average goal chance</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def servable_page(self) -> pn.template.BaseTemplate:
        """The app inside a page template, for serving."""
        tpl = pn.template.BootstrapTemplate(
            title="Anywhere Learning Workbench", header_background="#0b4f8a",
            collapsed_sidebar=True,
        )
        tpl.main.append(self)
        return tpl


def create_app(data_dir: str | Path | None = None, db_path: str | Path | None = None,
               learner_id: str | None = None, lazy: bool = False,
               parameters=None) -> WorkbenchApp:
    """A fresh workbench with its own session state over a data directory and local store.

    Parameters
    ----------
    data_dir
        Catalogue and seed learners (default: the built-in sample data).
    db_path
        The local SQLite store (default: one per data directory under the user's data folder).
    learner_id
        Open this learner first.
    lazy
        Render steps only while on screen (what ``serve`` uses).
    parameters
        The projection's ``ModelParameters``, or a parameters file to read them from
        (``workbench calibrate``); default: the built-in defaults.
    """
    data_dir = Path(data_dir or SAMPLE_DATA).resolve()
    dataset = _load_dataset(str(data_dir))
    store = Store(Path(db_path) if db_path else default_db_path(data_dir))
    store.seed_from(dataset)
    imported = store.get_meta("catalogue_dir")
    if imported and (Path(imported) / "sections.csv").exists():
        # a provider catalogue the user imported earlier stays in use
        dataset = _load_dataset(imported)
    extra = {} if parameters is None else {"model_parameters": _parameters(parameters)}
    state = PlanningSession(dataset, store, learner_id=learner_id, **extra) if learner_id else \
        PlanningSession(dataset, store, **extra)
    return WorkbenchApp(state=state, lazy=lazy)


def _parameters(value):
    """``ModelParameters`` as given, or read from a parameters file."""
    if isinstance(value, str | Path):
        from .formats.parameters import read_parameters

        return read_parameters(value).parameters
    return value


#: The addresses that mean "this computer only".
LOOPBACK = ("127.0.0.1", "::1", "localhost")

#: Why ``serve`` refuses any other address (said in one line by ``workbench serve``).
NOT_LOOPBACK = ("sign-in is not available yet; serving beyond this computer would show every "
                "family's data to anyone on the network")

#: What the page may load: only this server's own files (scripts and styles inline too, which
#: Bokeh's page needs; blob: and data: for downloads and fonts), nothing from anywhere else, and
#: no other site may frame it. The browser enforces this even if something tried to fetch out.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline' blob:",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

#: Sent with every response: the content policy above (no other site may frame the app:
#: clickjacking), browsers must not guess content types, no address of the app leaks out.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _SecurityHeaders(tornado.web.OutputTransform):
    """Adds ``SECURITY_HEADERS`` to every response of the server (page, assets, errors).

    Tornado applies output transforms to every handler of the application, so one transform
    covers Bokeh's and Panel's own handlers without replacing any of them.
    """

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in SECURITY_HEADERS.items():
            old = headers.get(name)
            if name == "Content-Security-Policy" and old and "frame-ancestors" not in old:
                value = f"{old}; {value}"
            elif old:
                continue
            headers[name] = value
        return status_code, headers, chunk


def _use_local_assets() -> None:
    """Make every stylesheet of this session's document load from this server, never a CDN.

    Panel points component stylesheets at its CDN unless the document says where its own copy
    is; it says so only while rendering the HTML page, after the app has been built, so a
    session built first (e.g. under load) kept CDN addresses. Set it before anything is built.
    """
    from panel.io.resources import LOCAL_DIST

    doc = pn.state.curdoc
    if doc is not None:
        rel = pn.state.rel_path
        doc.template_variables["dist_url"] = f"{rel}/{LOCAL_DIST}" if rel else LOCAL_DIST


_RESOURCE_ATTRS = ("__javascript__", "__css__", "__javascript_modules__")
_models_checked = {"count": -1}


def _drop_outside_model_files() -> None:
    """Keep every page's script and style list on this server.

    Bokeh puts the files of *every* model class imported in the process on every page, so one
    import anywhere (a load test imports all of ``panel.models``) made each page fetch e.g.
    Vizzu from a public CDN. The app uses no model whose files exist only on a CDN, so their
    outside addresses are dropped from the server process's model classes; checked again only
    when new model classes have been imported.
    """
    from bokeh.model import Model

    models = Model.model_class_reverse_map
    if len(models) == _models_checked["count"]:
        return
    for cls in list(models.values()):
        for attr in _RESOURCE_ATTRS:
            files = getattr(cls, attr, None)
            if isinstance(files, str):
                files = [files]
            if not isinstance(files, list):
                continue
            local = [f for f in files if not re.match(r"(https?:)?//", str(f))]
            if len(local) != len(files):
                setattr(cls, attr, local)
    _models_checked["count"] = len(models)


#: Where the served page finds ``CSS`` (one file the browser fetches and parses once).
STYLE_PATH = "workbench.css"


class _StyleHandler(tornado.web.RequestHandler):
    """``CSS`` as a file: served once and cached, instead of inline in every component."""

    def get(self):
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("Cache-Control", "public, max-age=86400")
        self.write(CSS)


def _style_from_file() -> None:
    """Move ``CSS`` from ``raw_css`` to a stylesheet file this server serves.

    Panel copies every ``raw_css`` string into every component's own stylesheet list, so each
    model of every page carried the whole ~4 KB stylesheet: a third of a session's server time
    went into serialising it, and the browser parsed it once per shadow root. A ``.css``
    address instead becomes one stylesheet model per page, shared by reference (the notebook
    keeps ``raw_css``: nothing serves the file there).
    """
    import hashlib

    pn.config.raw_css = [c for c in pn.config.raw_css if c != CSS]
    url = f"{STYLE_PATH}?v={hashlib.sha1(CSS.encode()).hexdigest()[:10]}"
    if url not in pn.config.css_files:
        pn.config.css_files = [*pn.config.css_files, url]


def serve(data_dir=None, port: int = 5006, address: str = "127.0.0.1", show: bool = False,
          db_path=None, threaded: bool = False, parameters=None, num_procs: int = 1):
    """Serve the workbench on this computer; every browser session gets a fresh app.

    Every asset (Bokeh, Panel, Bootstrap, the loading spinner) comes from this server, never a
    CDN, and every response carries ``SECURITY_HEADERS``.

    ``num_procs`` > 1 forks that many server processes sharing the port (0: one per core);
    each session lives in one of them. They share the SQLite store file, whose versioned saves
    hold across processes (``workbench.store``). Nothing touches the store before the fork.

    Raises
    ------
    ValueError
        When ``address`` is not a loopback address: there is no sign-in yet (``NOT_LOOPBACK``),
        or ``num_procs`` is negative or combined with ``threaded``.
    """
    from bokeh.settings import settings

    if address not in LOOPBACK:
        raise ValueError(NOT_LOOPBACK)
    if num_procs < 0 or (num_procs != 1 and threaded):
        raise ValueError("num_procs must be 0 (one per core) or more, and not threaded")
    data_dir = Path(data_dir or SAMPLE_DATA).resolve()
    # load once up front so bad data fails before serving (forked processes inherit it)
    _load_dataset(str(data_dir))
    parameters = None if parameters is None else _parameters(parameters)  # read once, fail early
    settings.resources.set_value("server")  # BOKEH_RESOURCES=cdn must not send us to a CDN
    _style_from_file()

    def page():
        _use_local_assets()
        _drop_outside_model_files()
        return create_app(data_dir, db_path, lazy=True, parameters=parameters).servable_page()

    host = f"[{address}]" if ":" in address else address
    print(f"Anywhere Learning Workbench: http://{host}:{port}/", flush=True)
    extra = {"num_procs": num_procs} if num_procs != 1 else {}
    return pn.serve({"/": page}, port=port, address=address, show=show, threaded=threaded,
                    title="Anywhere Learning Workbench", websocket_origin=[
                        f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"],
                    transforms=[_SecurityHeaders], verbose=False,
                    extra_patterns=[(rf"/{re.escape(STYLE_PATH)}", _StyleHandler)], **extra)
