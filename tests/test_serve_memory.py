"""A closed session leaves nothing behind: its app, state and Bokeh document are freed.

Sessions are built as ``workbench.app.serve`` builds them (``create_app(lazy=True)``, the page,
its Bokeh document) and destroyed the way Panel's server destroys them (``_cleanup_doc``: the
session-destroyed callbacks, then the document). Garbage-collector based, not timed.
"""

from __future__ import annotations

import gc
import weakref

from bokeh.document import Document
from panel.io.document import _cleanup_doc
from panel.io.state import set_curdoc

from workbench import SAMPLE_DATA
from workbench.app import WorkbenchApp, create_app
from workbench.state import PlanningSession


def _open(db):
    doc = Document()
    with set_curdoc(doc):
        app = create_app(SAMPLE_DATA, db, lazy=True)
        app.servable_page().server_doc(doc)
        doc.to_json()
        app.state.step = "Week"  # a second step built too
    return doc, app


def _alive(cls) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, cls))


def test_closed_sessions_leave_no_app_state_or_document(tmp_path):
    db = tmp_path / "wb.sqlite"
    refs = []
    for _ in range(4):
        doc, app = _open(db)
        refs.append((weakref.ref(doc), weakref.ref(app), weakref.ref(app.state)))
        with set_curdoc(doc):
            _cleanup_doc(doc)
        del doc, app
    gc.collect()
    assert [r for trio in refs for r in trio if r() is not None] == []
    assert _alive(WorkbenchApp) == 0
    assert _alive(PlanningSession) == 0


def test_an_open_session_is_kept(tmp_path):
    doc, app = _open(tmp_path / "wb.sqlite")
    ref = weakref.ref(app.state)
    gc.collect()
    assert ref() is app.state  # the check above can fail: an open session stays alive
    with set_curdoc(doc):
        _cleanup_doc(doc)
