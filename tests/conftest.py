"""Shared test helpers: where the real outside files are, and a skip when they are not."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Real files published by others (``../shared/data`` beside the checkout); CI has them, a clone
#: elsewhere may not. The project's own fixtures (``tests/fixtures``) cover every importer.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_file(*parts: str) -> Path:
    """A file from ``../shared/data``; skips the test, naming the file, when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real outside file ../shared/data/{'/'.join(parts)} is not beside this "
                    "clone; the project's own fixtures under tests/fixtures cover this importer")
    return path
