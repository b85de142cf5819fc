"""Write the synthetic logs under tests/fixtures/calibration/ (deterministic: same seed, same files).

    python scripts/make_calibration_fixtures.py

- ``responses.csv``: a response log in pyBKT's columns with ``practice_hours`` and
  ``level_step``, drawn from BKT with known learn rates: five skills that are competencies of the
  sample district (so their difficulty applies), 160 learners each, 10 responses. The true
  projection parameters are ``TRUE_BASE_LEARN_RATE`` and ``TRUE_LEVEL_DIFFICULTY``.
- ``attendance.csv``: the sample district's six learners at the sections of their plans, weekly
  for 24 weeks, attended with the projection's rule at ``TRUE_ATTENDANCE``.
- ``responses_bad.csv``, ``attendance_bad.csv``: a few broken lines each (written by hand here).

``tests/test_calibration.py`` checks the files are what this script writes.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import SAMPLE_DATA  # noqa: E402
from workbench.domain.calibration import attendance_covariates, simulate_responses  # noqa: E402
from workbench.formats.datadir import load_dataset  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "calibration"
TRUE_BASE_LEARN_RATE = 0.008
TRUE_LEVEL_DIFFICULTY = (0.6, 0.8, 1.0, 1.3)
#: (skill = a sample competency, level step)
SKILLS = (("MATH.ALG.1", 1), ("MATH.ALG.1", 2), ("MATH.ALG.3", 2), ("MATH.NUM.1", 0),
          ("MATH.NUM.2", 3))
TRUE_ATTENDANCE = {"base_attendance": 0.84, "travel_penalty_per_10min": 0.05,
                   "late_penalty": 0.12}


def responses_fixture() -> pd.DataFrame:
    """The synthetic response log."""
    catalogue = load_dataset(SAMPLE_DATA).catalogue
    difficulty = dict(zip(catalogue.competencies["competency_id"],
                          catalogue.competencies["difficulty"], strict=True))
    rng = np.random.default_rng(2026)
    frames = []
    for i, (skill, step) in enumerate(SKILLS):
        rate = TRUE_BASE_LEARN_RATE / (difficulty[skill] * TRUE_LEVEL_DIFFICULTY[step])
        hours = rng.integers(4, 31, size=(160, 10)).astype(float)
        f = simulate_responses(160, 10, prior=0.2, learn=rate, guess=0.2, slip=0.1,
                               practice=hours, skill_name=skill, level_step=step,
                               seed=100 + i, user_prefix="s")
        f["order_id"] = f.groupby("user_id").cumcount() + 1
        f.loc[f["order_id"] == 1, "practice_hours"] = np.nan   # not used: shown empty
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    return out[["user_id", "skill_name", "correct", "order_id", "practice_hours", "level_step"]]


def attendance_fixture() -> pd.DataFrame:
    """The synthetic attendance log over the sample district."""
    data = load_dataset(SAMPLE_DATA)
    pairs = sorted({(p.learner_id, s) for p in data.plans.values() for s in p.sections})
    rows = pd.DataFrame(pairs, columns=["learner", "section"])
    cov = attendance_covariates(data.catalogue, data.learners, rows)
    cov = cov[np.isfinite(cov["travel_minutes"])].reset_index(drop=True)
    t = TRUE_ATTENDANCE
    p = (t["base_attendance"] - t["travel_penalty_per_10min"]
         * np.maximum(0.0, cov["travel_minutes"] - 15.0) / 10.0
         - t["late_penalty"] * cov["ends_late"]).clip(0.3, 1.0)
    rng = np.random.default_rng(7)
    first = dt.date(2026, 9, 7)
    out = []
    for week in range(24):
        day = first + dt.timedelta(weeks=week)
        attended = rng.random(len(cov)) < p
        out.append(pd.DataFrame({"learner": cov["learner"], "section": cov["section"],
                                 "date": day.isoformat(),
                                 "attended": np.where(attended, "yes", "no")}))
    return pd.concat(out, ignore_index=True)


RESPONSES_BAD = """user_id,skill_name,correct,order_id,practice_hours,level_step
a,MATH.ALG.1,1,1,,2
a,MATH.ALG.1,maybe,2,3,2
,MATH.ALG.1,0,3,3,2
a,MATH.ALG.1,1,1,3,2
b,MATH.ALG.1,1,1.5,2,2
b,MATH.ALG.1,0,2,-4,2
b,MATH.ALG.1,1,3,2,Proficient->Developing
"""

ATTENDANCE_BAD = """learner,section,date,attended
L-maya,NOT-A-SECTION,2026-09-07,yes
L-nobody,S-0001,2026-09-07,yes
L-maya,S-0001,7 Sept 2026,yes
L-maya,S-0001,2026-09-14,sometimes
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    responses_fixture().to_csv(OUT / "responses.csv", index=False, lineterminator="\n")
    attendance_fixture().to_csv(OUT / "attendance.csv", index=False, lineterminator="\n")
    (OUT / "responses_bad.csv").write_text(RESPONSES_BAD, encoding="utf-8")
    (OUT / "attendance_bad.csv").write_text(ATTENDANCE_BAD, encoding="utf-8")
    for f in sorted(OUT.iterdir()):
        print(f"{f.relative_to(ROOT)}: {f.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
