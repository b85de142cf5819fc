"""The package installs like a real one: a wheel carries the sample data, examples and catalogues."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_carries_package_data(tmp_path):
    pytest.importorskip("setuptools")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "License classifiers are deprecated" not in result.stderr
    assert "project.license` as a TOML table is deprecated" not in result.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    sample = [n for n in names if n.startswith("workbench/data/sample/")]
    assert "workbench/data/sample/sections.csv" in names
    assert any(n.startswith("workbench/data/sample/learners/") for n in sample)
    for example in ("family.ics", "credential.json", "chicago_city_of_learning.yaml"):
        assert f"workbench/data/examples/{example}" in names
    # what the repo holds as package data is what the wheel holds
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "workbench" / "data").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert on_disk <= names


def test_sample_data_is_read_through_the_package():
    import workbench

    assert workbench.SAMPLE_DATA.is_relative_to(Path(workbench.__file__).parent)
    assert (workbench.SAMPLE_DATA / "sections.csv").exists()
