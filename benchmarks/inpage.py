"""Click to updated view, timed inside the page: what a person waits for, without Playwright's own
time.

Timed from Python, an interaction also holds Playwright's work around it: finding the element
(a role query over the page's shadow roots), scrolling it into view, waiting until it has
stood still for two animation frames and checking that nothing covers it, then sending the
input through the browser's protocol; and after it, the round trips of the polling check.
On this project's machine that was about 100 ms of each figure (2026-12-07: a step switch
224 ms median from Python, 113 ms in the page), none of it the app's.

So the page keeps two times, both on its own clock (``performance.now()``):

- the start: the ``timeStamp`` of the first input event after ``arm`` (``pointerdown`` of a
  click, ``keydown`` of a key, ``input`` of a choice in a list), which is when the browser
  received the input, queueing on a busy page included;
- the end: the animation frame *after* the one in which the check first held, that is once the
  updated view has been painted.

``install(page)`` before the page's first ``goto``; ``arm(page)`` just before the action;
``wait(page, js, arg)`` in place of ``page.wait_for_function(js, arg)``; it returns the ms from
the input to the painted view. The benchmarks report it next to the figure taken from Python
(``…_in_page``).
"""

from __future__ import annotations

INIT = """
(() => {
  const start = (e) => { if (window.__wbStart === null) window.__wbStart = e.timeStamp }
  window.__wbStart = undefined
  for (const type of ['pointerdown', 'keydown', 'input', 'change'])
    document.addEventListener(type, start, true)
})()
"""

ARM = "() => { window.__wbStart = null; window.__wbHeld = null; window.__wbPainted = null }"

#: Wraps a check ``(arg) => bool``: the first time it holds, ask for the next frame's time.
HOLDS = """(arg) => {
  const ok = (__CHECK__)(arg)
  if (ok && window.__wbHeld === null) {
    window.__wbHeld = performance.now()
    requestAnimationFrame(() => { window.__wbPainted = performance.now() })
  }
  return ok
}"""

PAINTED = ("() => window.__wbPainted !== null && window.__wbStart !== null "
           "&& window.__wbPainted - window.__wbStart")


def install(page) -> None:
    """Listen for the inputs that start an interaction (on every document the page loads)."""
    page.add_init_script(INIT)


def arm(page) -> None:
    """The next input starts the clock."""
    page.evaluate(ARM)


def wait(page, js: str, arg=None, timeout_ms: float = 60_000) -> float:
    """Wait until ``js`` (a function of ``arg``) holds, polled every animation frame; the ms from
    the input after ``arm`` to the frame after it first held."""
    page.wait_for_function(HOLDS.replace("__CHECK__", js), arg=arg, polling="raf",
                           timeout=timeout_ms)
    handle = page.wait_for_function(PAINTED, polling="raf", timeout=timeout_ms)
    return float(handle.json_value())  # with no input after arm(), that wait times out
