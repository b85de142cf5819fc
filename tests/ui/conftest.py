"""Real-browser tests: the served app in Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from workbench.app import serve_in_background

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/ui" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `bash scripts/test.sh` (it installs "
                    "it) or `apt-get install -y chromium`")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 800}, "accept_downloads": True}


# one serve-in-a-thread-and-wait helper for tests and benchmarks (workbench.app)
Served = serve_in_background


@pytest.fixture
def served(tmp_path):
    from workbench import SAMPLE_DATA

    s = Served(SAMPLE_DATA, tmp_path / "wb.sqlite")
    yield s
    s.stop()


@pytest.fixture
def console_errors(page):
    """Collect browser console errors and page errors; the test fails if any appear."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield errors
    real = [e for e in errors if "favicon" not in e]
    assert not real, "browser console errors:\n" + "\n".join(real)


@pytest.fixture
def shot(request):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name

    def take(page, step: str):
        path = ARTIFACTS / f"{name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
