"""`validate` stays useful on hostile or huge files: a size limit, a capped list, named problems."""

from __future__ import annotations

import json
import shutil

import pytest

from workbench import SAMPLE_DATA
from workbench.cli import core as cli
from workbench.formats import datadir
from workbench.formats.datadir import DataError, load_dataset


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, root)
    return root


def _problems(root):
    with pytest.raises(DataError) as err:
        load_dataset(root)
    return [str(p) for p in err.value.problems]


def test_a_nul_byte_in_a_csv_is_a_named_problem(data):
    path = data / "providers.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b",\x00", 1)
    path.write_bytes(b"\n".join(lines))
    problems = _problems(data)
    assert any(p.startswith("providers.csv:4:") and "NUL byte" in p for p in problems)


def test_nan_in_a_learner_file_says_what_is_wrong(data):
    path = data / "learners" / "L-maya.json"
    path.write_text(path.read_text().replace('"budget": 300', '"budget": NaN'))
    problems = _problems(data)
    hit = [p for p in problems if "budget" in p]
    assert hit and "NaN" in hit[0] and "not a number (nan)" not in hit[0]


def test_a_file_over_the_size_limit_is_refused_unread(data, monkeypatch):
    monkeypatch.setattr(datadir, "MAX_FILE_BYTES", 1000)
    problems = _problems(data)
    assert any(p.startswith("sections.csv: is ") and "at most" in p for p in problems)


def test_validate_lists_the_first_200_problems_then_a_count(data, capsys):
    path = data / "competencies.csv"
    rows = path.read_text().splitlines()
    # 500 rows whose difficulty is not a number
    rows += [f"BAD.{i},Mathematics,Bad {i},x,,,lots" for i in range(500)]
    path.write_text("\n".join(rows) + "\n")
    assert cli.main(["validate", str(data), "--lang", "en"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == cli.MAX_PROBLEMS_SHOWN + 1
    assert out[-1].startswith("... and ") and "more problems" in out[-1]
    assert cli.main(["validate", str(data), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problem_count"] >= 500 and len(report["problems"]) == cli.MAX_PROBLEMS_SHOWN
