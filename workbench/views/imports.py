"""An upload box for open formats: read, show the import report, then change things.

A clean read is applied at once. A read with skipped parts changes nothing until the user
chooses "Keep what could be read". A file that cannot be read at all changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import panel as pn
import param

from ..formats.report import MAX_IMPORT_BYTES, ImportFailed, ImportReport
from ..markup import escape_text

#: read(data, filename) -> (report, apply); apply() makes the change and returns a sentence.
Reader = Callable[[bytes, str], tuple[ImportReport, Callable[[], str]]]


def report_html(report: ImportReport, limit: int = 12) -> str:
    """The import report as readable HTML (every piece of file text escaped)."""
    parts = [f"<p><b>{escape_text(report.summary())}</b></p>"]
    for title, issues in (("Could not read", report.skipped), ("Notes", report.warnings)):
        if not issues:
            continue
        items = "".join(f"<li>{escape_text(str(i))}</li>" for i in issues[:limit])
        more = f"<li>… and {len(issues) - limit} more</li>" if len(issues) > limit else ""
        parts.append(f"<details{' open' if title == 'Could not read' else ''}><summary>"
                     f"{title} ({len(issues)})</summary><ul>{items}{more}</ul></details>")
    return "".join(parts)


class ImportBox(pn.viewable.Viewer):
    """Upload a file, see what could be read, and keep it."""

    label = param.String(doc="What the upload is for, e.g. 'Family calendar (.ics)'.")
    accept = param.String(default="", doc="File types offered by the browser's picker.")
    file_label = param.String(default="Choose a file", doc="The file picker's short name.")

    def __init__(self, reader: Reader, on_error: Callable[[str], None] | None = None, **params):
        super().__init__(**params)
        self._reader = reader
        self._apply: Callable[[], str] | None = None
        self._on_error = on_error
        self.file = pn.widgets.FileInput(label=self.file_label, accept=self.accept,
                                         multiple=False, sizing_mode="stretch_width",
                                         max_width=360)
        self.file.param.watch(self._read, "value")
        self.keep = pn.widgets.Button(label="Keep what could be read", visible=False,
                                      color="warning")
        self.keep.on_click(self._keep)
        self.report = pn.pane.HTML(sizing_mode="stretch_width")
        self._layout = pn.Column(pn.pane.Markdown(self.label), self.file, self.keep,
                                 self.report, sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    def _read(self, event):
        data, name = event.new, self.file.filename or "upload"
        self._apply = None
        self.keep.visible = False
        if not data:
            return
        if len(data) > MAX_IMPORT_BYTES:
            self.report.object = (f"<p><b>{escape_text(name)} is too large "
                                  f"({len(data) / 2**20:.0f} MB). Nothing was changed.</b></p>")
            return
        try:
            report, apply = self._reader(data, name)
        except ImportFailed as err:
            rep = getattr(err, "report", None)
            self.report.object = (report_html(rep) if rep else "") + (
                f"<p><b>Could not import {escape_text(name)}. Nothing was changed.</b></p>")
            return
        except Exception as err:  # an importer bug must never lose the user's work
            self.report.object = (f"<p><b>Could not import {escape_text(name)}: "
                                  f"{escape_text(str(err))}. Nothing was changed.</b></p>")
            return
        if report.skipped:
            self._apply = apply
            self.keep.visible = True
            self.report.object = report_html(report) + (
                "<p>Nothing has been changed yet. Keep what could be read, or fix the file "
                "and upload it again.</p>")
            return
        self.report.object = report_html(report) + f"<p>{escape_text(apply())}</p>"

    def _keep(self, _):
        if self._apply is not None:
            done = self._apply()
            self.report.object += f"<p>{escape_text(done)}</p>"
        self._apply = None
        self.keep.visible = False
