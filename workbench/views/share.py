"""Step 6 — Share: a one-page summary a family can read and print, and open exports."""

from __future__ import annotations

import io
import json

import panel as pn

from ..domain.summary import family_summary, file_stem
from ..markup import write_csv
from .widgets import StepView, SummaryFrame, held, watch_when_shown, wrap_row


class ShareStep(StepView):
    """Summary of the plan being edited plus downloads: summary HTML, plan JSON, sections
    CSV, calendar ``.ics``. Choosing a plan here opens it (the state's ``plan_id``)."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        self.picker = pn.widgets.Select(label=_("Plan to share"), sizing_mode="stretch_width",
                                        max_width=640)
        self.picker.param.watch(held(self._pick), "value")
        self.preview = SummaryFrame(print_label=_("Print the summary"),
                                    frame_title=_("The family summary, as it prints"),
                                    sizing_mode="stretch_width")
        self.html_dl = pn.widgets.FileDownload(
            callback=self._html_file, filename="summary.html", embed=False,
            label=_("Download summary (web page)"), color="primary")
        self.json_dl = pn.widgets.FileDownload(callback=self._json_file, filename="plan.json",
                                               label=_("Download plan (JSON)"), embed=False)
        self.csv_dl = pn.widgets.FileDownload(callback=self._csv_file, filename="sections.csv",
                                              label=_("Download pieces (CSV)"), embed=False)
        self.ics_dl = pn.widgets.FileDownload(callback=self._ics_file, filename="plan.ics",
                                              label=_("Download calendar (.ics)"),
                                              embed=False)
        self._layout = pn.Column(
            pn.pane.Markdown("## " + _("Share") + "\n" + _(
                "A one-page summary for the family, and files to keep."),
                sizing_mode="stretch_width"),
            self.picker,
            wrap_row(self.html_dl, self.json_dl, self.csv_dl, self.ics_dl),
            self.preview,
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Share", self._sync,
                         ["plans", "plan_id", "ledgers", "plan_problems"])

    def summary_html(self) -> str:
        """The family summary of the plan being edited (empty when there is none)."""
        s, plan = self.state, self.state.plan
        if plan is None or s.learner is None:
            return ""
        return family_summary(
            s.catalogue, s.learner, plan, s.plan_problems.get(plan.plan_id, []),
            s.projections.get(plan.plan_id), s.ledgers.get(plan.plan_id, {}), words=s.format)

    def _sync(self, *_):
        s = self.state
        self.picker.options = s.plan_choices()
        self.picker.value = s.plan_id
        plan = s.plan
        self.preview.html = self.summary_html()
        stem = file_stem(s.learner.name if s.learner else "", plan.name if plan else "plan")
        self.html_dl.filename = f"{stem}-summary.html"
        self.json_dl.filename = f"{stem}.json"
        self.csv_dl.filename = f"{stem}-pieces.csv"
        self.ics_dl.filename = f"{stem}.ics"
        self.html_dl.disabled = self.json_dl.disabled = self.csv_dl.disabled = \
            self.ics_dl.disabled = plan is None

    def _pick(self, event):
        # idempotent: the state ignores choosing the plan already open
        if event.new and event.new != self.state.plan_id:
            self.state.plan_id = event.new

    def _html_file(self):
        return io.BytesIO(self.summary_html().encode("utf-8"))

    def _json_file(self):
        plan = self.state.plan
        return io.BytesIO(json.dumps(plan.to_dict() if plan else {}, indent=2).encode())

    def _csv_file(self):
        t = self.state.plan_sections()
        cols = ["section_id", "opportunity_id", "title", "provider_name", "modality", "days",
                "start_time", "end_time", "start_date", "end_date", "zone", "cost",
                "self_paced_hours"]
        out = io.StringIO()
        write_csv(t[cols], out)  # a spreadsheet opens it: no cell may start a formula
        return io.BytesIO(out.getvalue().encode("utf-8"))

    def _ics_file(self):
        from ..formats.ics import plan_to_ics

        # the events' words in the family's language (titles and places as the catalogue has)
        return io.BytesIO(plan_to_ics(self.state.catalogue, self.state.learner,
                                      self.state.plan, words=self.state.format))
