"""New sessions are built one at a time, with the server answering everything else between two
builds (``workbench.app._OneNewSessionAtATime``): a click of a family already working waits at
most one build, not every build of a crowd opening the page at once. Ordered, not timed."""

from __future__ import annotations

import asyncio

import workbench.app as wa


def _run(n_sessions: int, click_steps: int, turns) -> list[str]:
    """Sessions opening at once and a click that needs ``click_steps`` turns of the event loop
    (a websocket message read, the document's lock, the change, the answer sent): the order
    in which the builds and the click's steps ran."""
    order: list[str] = []

    async def session(i):
        if turns is not None:
            await turns.wait_for_turn()
        order.append(f"build {i}")  # Bokeh builds the session straight after

    async def click():
        await asyncio.sleep(0)
        for step in range(click_steps):
            order.append(f"click {step}")
            await asyncio.sleep(0)

    async def main():
        await asyncio.gather(*(session(i) for i in range(n_sessions)), click())

    asyncio.run(main())
    return order


def test_a_click_goes_on_between_two_builds():
    order = _run(5, 6, wa._OneNewSessionAtATime())
    assert order.index("click 5") < order.index("build 1")
    assert [o for o in order if o.startswith("build")] == [f"build {i}" for i in range(5)]


def test_without_turns_every_build_runs_before_the_click():
    """What Bokeh does by itself (and why the test above can fail)."""
    order = _run(5, 6, None)
    assert order.index("build 4") < order.index("click 1")


def test_a_session_that_waits_too_long_is_built_anyway(monkeypatch):
    monkeypatch.setattr(wa, "TURN_WAIT_S", 0.05)
    monkeypatch.setattr(wa, "TURN_GAP_S", 5.0)  # the turn after the first comes far too late
    order = _run(2, 0, wa._OneNewSessionAtATime())
    assert order == ["build 0", "build 1"]
