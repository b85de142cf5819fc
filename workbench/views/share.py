"""Step 6 — Share: a one-page summary a family can read and print, and open exports."""

from __future__ import annotations

import io
import json

import panel as pn

from ..domain.schedule import day_trips, plan_meetings
from ..domain.summary import family_summary
from ..markup import write_csv
from .widgets import StepView, watch_when_shown


class ShareStep(StepView):
    """Summary of a chosen plan plus downloads: summary HTML, plan JSON, sections CSV, .ics."""


    def __init__(self, **params):
        super().__init__(**params)
        self._syncing = False
        self.picker = pn.widgets.Select(label="Plan to share", width=300)
        self.picker.param.watch(self._pick, "value")
        self.preview = pn.pane.HTML(sizing_mode="stretch_width", min_height=400,
                                    styles={"border": "1px solid #ddd", "padding": "0 1rem",
                                            "background": "white"})
        self.html_dl = pn.widgets.FileDownload(callback=self._html_file, filename="summary.html",
                                               label="Download summary (HTML, prints on one page)",
                                               color="primary", embed=False)
        self.json_dl = pn.widgets.FileDownload(callback=self._json_file, filename="plan.json",
                                               label="Download plan (JSON)", embed=False)
        self.csv_dl = pn.widgets.FileDownload(callback=self._csv_file, filename="sections.csv",
                                              label="Download sections (CSV)", embed=False)
        self.ics_dl = pn.widgets.FileDownload(callback=self._ics_file, filename="plan.ics",
                                              label="Download calendar (.ics)", embed=False)
        self._layout = pn.Column(
            pn.pane.Markdown("## Share\nA one-page summary for the family, and files to keep."),
            self.picker,
            pn.FlexBox(self.html_dl, self.json_dl, self.csv_dl, self.ics_dl),
            self.preview,
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Share", self._sync, ["plans", "plan_id", "ledgers", "problems"])

    def summary_html(self) -> str:
        """The family summary of the chosen plan (empty when there is none)."""
        s, plan = self.state, self._chosen()
        if plan is None or s.learner is None:
            return ""
        problems = s.plan_problems.get(plan.plan_id, [])
        return family_summary(
            s.catalogue, s.learner, plan, problems, s.projections.get(plan.plan_id),
            s.ledgers.get(plan.plan_id, {}), plan_meetings(s.catalogue, plan.sections),
            day_trips(s.catalogue, s.learner, plan.sections))

    def _chosen(self):
        pid = self.picker.value or self.state.plan_id
        return next((p for p in self.state.plans if p.plan_id == pid), None)

    def _sync(self, *_):
        s = self.state
        self._syncing = True
        try:
            opts = s.plan_choices()
            keep = self.picker.value if self.picker.value in opts.values() else s.plan_id
            self.picker.options = opts
            self.picker.value = keep
        finally:
            self._syncing = False
        self._render()

    def _render(self):
        plan = self._chosen()
        text = self.summary_html()
        # the preview shows the body only; the download is the full document
        body = text.split("<body>", 1)[-1].rsplit("</body>", 1)[0] if text else ""
        self.preview.object = body or "<p>Make a plan first.</p>"
        slug = (plan.plan_id if plan else "plan")
        self.html_dl.filename = f"{slug}-summary.html"
        self.json_dl.filename = f"{slug}.json"
        self.csv_dl.filename = f"{slug}-sections.csv"
        self.ics_dl.filename = f"{slug}.ics"

    def _pick(self, _):
        if not self._syncing:
            self._render()

    def _html_file(self):
        return io.BytesIO(self.summary_html().encode("utf-8"))

    def _json_file(self):
        plan = self._chosen()
        return io.BytesIO(json.dumps(plan.to_dict() if plan else {}, indent=2).encode())

    def _csv_file(self):
        plan = self._chosen()
        t = self.state.plan_sections(plan)
        cols = ["section_id", "opportunity_id", "title", "provider_name", "modality", "days",
                "start_time", "end_time", "start_date", "end_date", "zone", "cost",
                "self_paced_hours"]
        out = io.StringIO()
        write_csv(t[cols], out)  # a spreadsheet opens it: no cell may start a formula
        return io.BytesIO(out.getvalue().encode("utf-8"))

    def _ics_file(self):
        from ..formats.ics import plan_to_ics

        plan = self._chosen()
        return io.BytesIO(plan_to_ics(self.state.catalogue, self.state.learner, plan))
