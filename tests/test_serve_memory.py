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
    # apps other tests left to the garbage collector's later rounds are not this test's
    before = _alive(WorkbenchApp), _alive(PlanningSession)
    refs = []
    for _ in range(4):
        doc, app = _open(db)
        refs.append((weakref.ref(doc), weakref.ref(app), weakref.ref(app.state)))
        with set_curdoc(doc):
            _cleanup_doc(doc)
        del doc, app
    gc.collect()
    assert [r for trio in refs for r in trio if r() is not None] == []
    assert (_alive(WorkbenchApp), _alive(PlanningSession)) == before


def test_an_open_session_is_kept(tmp_path):
    doc, app = _open(tmp_path / "wb.sqlite")
    ref = weakref.ref(app.state)
    gc.collect()
    assert ref() is app.state  # the check above can fail: an open session stays alive
    with set_curdoc(doc):
        _cleanup_doc(doc)


# ---- served: sessions of pages closed on purpose go at once; memory goes back ------------

def _wait_for(condition, seconds=20.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def _open_then_drop(url: str) -> str:
    """A session whose connection drops without a goodbye (a phone losing its signal): the
    websocket's TCP connection is cut, no close frame. Returns the session id."""
    import asyncio

    from bokeh.client.util import websocket_url_for_server_url
    from bokeh.util.token import generate_jwt_token, generate_session_id
    from tornado.websocket import websocket_connect

    session_id = generate_session_id()

    async def run():
        socket = await websocket_connect(websocket_url_for_server_url(url),
                                         subprotocols=["bokeh", generate_jwt_token(session_id)])
        await socket.read_message()  # the ACK's first part: the session exists
        socket.protocol.stream.close()  # cut, not closed

    asyncio.run(run())
    return session_id


def test_a_page_closed_on_purpose_lets_its_session_go_a_dropped_one_waits(tmp_path):
    """Bokeh keeps a closed session 15 s for its page to come back. A page that closed its
    connection (a tab closed) never comes back: its session goes at the next look, while one
    whose connection dropped (a phone out of signal) keeps its 15 s."""
    from bokeh.client import pull_session

    from workbench.app import serve_in_background

    background = serve_in_background(SAMPLE_DATA, tmp_path / "wb.sqlite")
    try:
        dropped = _open_then_drop(background.url)
        closed = pull_session(url=background.url)
        closed_id = closed.id
        sessions = background.sessions()
        assert {dropped, closed_id} <= set(sessions)
        closed.close()
        _wait_for(lambda: sessions[closed_id].connection_count == 0 and
                  sessions[dropped].connection_count == 0)
        assert sessions[closed_id].expiration_requested
        assert not sessions[dropped].expiration_requested
        _wait_for(lambda: closed_id not in background.sessions())
        assert dropped in background.sessions()  # still within its 15 s
    finally:
        background.stop()


def test_memory_goes_back_after_the_first_full_collection_once_sessions_went():
    """The freed pages go back to the system (``malloc_trim``) at the end of the first full
    collection after sessions went (Panel runs one 5 s after the last), once for any number of
    sessions, and not after a young collection or when no session went."""
    import workbench.app as wa

    back = wa._MemoryBack()
    trims = []
    back._trim = trims.append  # record instead of trimming (the real one is glibc's)
    gc.callbacks.append(back.after_collection)
    try:
        gc.collect()
        assert trims == []  # no session went
        for _ in range(3):
            back.session_gone()
        gc.collect(0)
        assert trims == []  # a young collection frees no session
        gc.collect()
        assert trims == [0]
        gc.collect()
        assert trims == [0]
    finally:
        gc.callbacks.remove(back.after_collection)


def test_sessions_that_went_are_collected_soon_after_and_not_while_new_ones_wait(monkeypatch):
    """Panel collects only once no session has gone for 5 s, and served, Python's own full
    collections are rare: a session that goes asks for one ``COLLECT_AFTER_S`` later, one for
    any number that go meanwhile, put off while new sessions wait for their turn (at most
    ``COLLECT_PUT_OFF`` times). Outside an event loop it asks for none."""
    import asyncio

    import workbench.app as wa

    monkeypatch.setattr(wa, "COLLECT_AFTER_S", 0.05)
    back = wa._MemoryBack()
    back._trim = None
    fulls = []

    def count(phase, info):
        if phase == "stop" and info["generation"] == 2:
            fulls.append(1)

    waiting = {"now": False}
    monkeypatch.setattr(wa, "new_sessions_waiting", lambda: waiting["now"])

    async def run():
        for _ in range(3):
            back.session_gone()
        await asyncio.sleep(0.3)
        one = len(fulls)
        waiting["now"] = True
        back.session_gone()
        await asyncio.sleep(0.3)
        put_off = len(fulls)
        waiting["now"] = False
        await asyncio.sleep(0.3)
        return one, put_off, len(fulls)

    back.session_gone()  # no loop: nothing asked for
    assert back._collection is None
    gc.callbacks.append(count)
    gc.disable()  # only the collections asked for count (Python's own are off meanwhile)
    try:
        one, put_off, after = asyncio.run(run())
    finally:
        gc.enable()
        gc.callbacks.remove(count)
    assert one == 1  # one collection for the three that went
    assert put_off == 1  # none while new sessions wait
    assert after == 2  # ... and it came once they stopped waiting


def test_serving_trims_with_the_c_librarys_own_call():
    import platform

    import pytest

    import workbench.app as wa

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's; elsewhere the memory stays with the allocator")

    back = wa._memory_back_after_collections()
    assert back.after_collection in gc.callbacks
    wa._memory_back_after_collections()
    assert gc.callbacks.count(back.after_collection) == 1
    assert back._trim is not None


_FROZEN_THEN_SESSIONS = """
import gc, sys, weakref
sys.path.insert(0, sys.argv[2])
from panel.io.document import _cleanup_doc
from panel.io.state import set_curdoc
import workbench.app as wa
from workbench import SAMPLE_DATA, filters
from workbench.domain import arrays
from test_serve_memory import _open

catalogue = wa._load_dataset(str(SAMPLE_DATA.resolve())).catalogue
wa._shared_tables_first(catalogue)
shared = catalogue in arrays._SHARED and catalogue in filters._INDEX
frozen = wa._freeze_what_is_loaded()
refs = []
for _ in range(3):
    doc, app = _open(sys.argv[1])
    refs.append((weakref.ref(doc), weakref.ref(app), weakref.ref(app.state)))
    with set_curdoc(doc):
        _cleanup_doc(doc)
    del doc, app
gc.collect()
print(shared, frozen, gc.get_freeze_count() <= frozen, sum(r() is not None for t in refs for r in t))
"""


def test_what_a_server_loaded_first_is_left_out_of_collections_and_sessions_still_go(tmp_path):
    """``serve`` builds the catalogue's shared tables first (``_shared_tables_first``) and
    leaves them, the libraries and the catalogue out of full collections
    (``_freeze_what_is_loaded``); sessions built after that are still collected when they
    close, and none of them is left out. In a process of its own, as ``workbench serve`` is
    (a frozen test process would keep whatever it holds now)."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-c", _FROZEN_THEN_SESSIONS, str(tmp_path / "wb.sqlite"),
         str(Path(__file__).parent)], capture_output=True, text=True, timeout=600, check=True)
    shared, frozen, unchanged, alive = out.stdout.split()[-4:]
    assert shared == "True"  # the catalogue's shared tables were built before any session
    assert int(frozen) > 10_000  # the libraries alone are more than that
    assert unchanged == "True"  # nothing the sessions made was left out (it only goes down:
    # a left-out object freed by its count of references leaves the count)
    assert alive == "0"


_SESSIONS_AND_FULL_COLLECTIONS = """
import gc, sys
sys.path.insert(0, sys.argv[2])
import workbench.app as wa
from workbench import SAMPLE_DATA
from test_serve_memory import _open

wa._shared_tables_first(wa._load_dataset(str(SAMPLE_DATA.resolve())).catalogue)
wa._freeze_what_is_loaded()
fulls = []
gc.callbacks.append(
    lambda phase, info: fulls.append(1) if phase == "stop" and info["generation"] == 2 else None)
kept = [_open(sys.argv[1]) for _ in range(12)]  # twelve families' sessions, open
print(len(fulls))
"""


def test_a_server_building_sessions_runs_no_full_collection_through_the_ones_open(tmp_path):
    """A full collection walks every open session (alive: it frees nothing of theirs) and
    holds the event loop meanwhile; served, Python runs them less often
    (``FULL_COLLECTION_EVERY``), so twelve new sessions bring none. With Python's default
    (10) the same twelve brought two here. In a process of its own, as served."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-c", _SESSIONS_AND_FULL_COLLECTIONS, str(tmp_path / "wb.sqlite"),
         str(Path(__file__).parent)], capture_output=True, text=True, timeout=600, check=True)
    assert out.stdout.split()[-1] == "0"
