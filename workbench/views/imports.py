"""An upload box for open formats: read, show the import report, then keep it or not.

The box only shows what the session's import methods did: ``PlanningSession.import_calendar``
and the others call the one imports service (:mod:`workbench.imports`), which applies a clean
read at once and changes nothing for a read with skipped parts until the user chooses "Keep what
could be read". A file that cannot be read at all changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import panel as pn
import param

from ..domain.words import ENGLISH, Words
from ..formats.report import ImportFailed, ImportReport
from ..imports import Import
from ..markup import escape_text
from ..state import PlanningSession
from .widgets import held

#: read(data, filename) -> Import: a session method that reads the upload (and applies a clean
#: read), e.g. ``state.import_calendar``.
Read = Callable[[bytes, str], Import]


def report_summary(report: ImportReport, words: Words = ENGLISH) -> str:
    """One plain sentence in ``words``' language: "Read 703 items: imported 700, skipped 3."."""
    return report.summary(words)


def report_html(report: ImportReport, limit: int = 12, words: Words = ENGLISH) -> str:
    """The import report as readable HTML (every piece of file text escaped)."""
    w = words
    parts = [f"<p><b>{escape_text(report_summary(report, w))}</b></p>"]
    for title, issues, open_ in ((w.gettext("Could not read"), report.skipped, " open"),
                                 (w.gettext("Notes"), report.warnings, "")):
        if not issues:
            continue
        items = "".join(f"<li>{escape_text(i.text(w))}</li>" for i in issues[:limit])
        more = "<li>" + escape_text(w.gettext("… and {n} more").format(
            n=len(issues) - limit)) + "</li>" if len(issues) > limit else ""
        parts.append(f"<details{open_}><summary>{escape_text(title)} ({len(issues)})"
                     f"</summary><ul>{items}{more}</ul></details>")
    return "".join(parts)


class ImportBox(pn.viewable.Viewer):
    """Upload a file, see what could be read, and keep it."""

    state = param.ClassSelector(class_=PlanningSession, doc="The planning session.")
    label = param.String(doc="What the upload is for, e.g. 'Family calendar (.ics)'.")
    accept = param.String(default="", doc="File types offered by the browser's picker.")
    file_label = param.String(default="Choose a file", doc="The file picker's short name.")

    def __init__(self, read: Read, on_applied: Callable[[Import], None] | None = None,
                 **params):
        super().__init__(**params)
        self._read_upload = read
        self._on_applied = on_applied
        self._pending: Import | None = None
        _ = self.state.gettext
        self.file = pn.widgets.FileInput(label=self.file_label, accept=self.accept,
                                         multiple=False, sizing_mode="stretch_width",
                                         max_width=360)
        self.file.param.watch(held(self._read), "value")
        self.keep = pn.widgets.Button(label=_("Keep what could be read"), visible=False,
                                      color="warning",
                                      stylesheets=[":host .bk-btn{min-height:44px;"
                                                   "font-size:16px}"])
        self.keep.on_click(held(self._keep))
        self.report = pn.pane.HTML(sizing_mode="stretch_width",
                                   stylesheets=[":host{font-size:16px}"])
        # the report and the keep button join the page with the first file (most pages never
        # get one: two fewer models for every page to build)
        self._layout = pn.Column(pn.pane.HTML(f"<p>{escape_text(self.label)}</p>",
                                              stylesheets=[":host{font-size:16px}"]),
                                 self.file, sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    def _read(self, event):
        if self.report not in self._layout.objects:
            self._layout.extend([self.keep, self.report])
        data, name = event.new, self.file.filename or "upload"
        if self._pending is not None:
            self._pending.discard()  # a new file replaces one that was waiting to be kept
        self._pending = None
        self.keep.visible = False
        if not data:
            return
        _, w = self.state.gettext, self.state.format
        try:
            pending = self._read_upload(bytes(data), name)
        except ImportFailed as err:
            self.report.object = report_html(err.report, words=w) + "<p><b>" + escape_text(
                _("Could not import {file}. Nothing was changed.").format(file=name)) \
                + "</b></p>"
            return
        except Exception as err:  # an importer bug must never lose the user's work
            self.report.object = "<p><b>" + escape_text(
                _("Could not import {file}: {problem}. Nothing was changed.").format(
                    file=name, problem=self.state.said(err))) + "</b></p>"
            return
        self._show(pending)

    def _show(self, pending: Import, kept: bool = False) -> None:
        _, w = self.state.gettext, self.state.format
        text = report_html(pending.report, words=w)
        if pending.applied:
            self._pending = None
            self.report.object = text + f"<p>{escape_text(pending.text(w))}</p>"
            if self._on_applied is not None:
                self._on_applied(pending)
            return
        self._pending = pending
        self.keep.visible = True
        if pending.clean or kept:  # read and accepted, but the save failed: say why, try again
            self.keep.label = _("Try again")
            self.report.object = text + (f"<p><b>{escape_text(self.state.error)}</b></p>")
        else:
            self.keep.label = _("Keep what could be read")
            self.report.object = text + "<p>" + escape_text(_(
                "Nothing has been changed yet. Keep what could be read, or fix the file and "
                "upload it again.")) + "</p>"

    def _keep(self, _):
        pending, self._pending = self._pending, None
        self.keep.visible = False
        if pending is None or pending.status != "read":
            return
        self.state.apply_import(pending, accept_partial=True)
        self._show(pending, kept=True)
