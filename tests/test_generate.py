"""The data generator and the built-in sample data: deterministic, consistent, big enough."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.domain.dataset import (
    MODALITIES,
    MODES,
    OPPORTUNITY_KINDS,
    PROVIDER_KINDS,
    Catalogue,
    Learner,
    Plan,
)
from workbench.domain.generate import (
    ONLINE_ZONE,
    SCHOOL_YEAR_END,
    SCHOOL_YEAR_START,
    generate_frames,
    generate_roster,
)
from workbench.domain.schema import FILES, FRAME_NAMES
from workbench.formats.datadir import generate_data_dir, write_data_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = SAMPLE_DATA


def read_frames(root: Path) -> dict[str, pd.DataFrame]:
    """Read a data directory's CSVs as text, the way a careful loader would."""
    return {name: pd.read_csv(root / file, dtype=str, keep_default_na=False)
            for file, name in FRAME_NAMES.items()}


def assert_consistent(frames: dict[str, pd.DataFrame], own_pace_expected: bool = True) -> Catalogue:
    """Every rule of docs/data-format.md that ties the frames together.

    ``own_pace_expected``: the catalogue must hold at least one own-pace section (true of any
    catalogue big enough to have every modality; a tiny one may have none).
    """
    for file, name in FRAME_NAMES.items():
        assert [c.name for c in FILES[file]] == list(frames[name].columns), file
    cat = Catalogue.from_frames(**frames)
    comp, prov, opp = cat.competencies, cat.providers, cat.opportunities
    sec, align, travel = cat.sections, cat.alignments, cat.travel_times
    for df, col in ((comp, "competency_id"), (prov, "provider_id"), (opp, "opportunity_id"),
                    (sec, "section_id"), (cat.requirements, "requirement_id")):
        assert df[col].is_unique and (df[col].str.len() > 0).all(), col
    assert set(cat.requirements["domain"]) <= set(comp["domain"])
    assert opp["provider_id"].isin(prov["provider_id"]).all()
    assert sec["opportunity_id"].isin(opp["opportunity_id"]).all()
    assert align["opportunity_id"].isin(opp["opportunity_id"]).all()
    assert align["competency_id"].isin(comp["competency_id"]).all()
    assert not align.duplicated(["opportunity_id", "competency_id"]).any()
    per_opp = align.groupby("opportunity_id").size().reindex(opp["opportunity_id"], fill_value=0)
    assert per_opp.between(1, 4).all()
    assert align["intensity"].between(0.5, 6).all()
    assert align["max_level"].between(1, 4).all()
    assert (align["min_level"] <= align["max_level"]).all()
    assert set(prov["kind"]) <= set(PROVIDER_KINDS)
    assert set(opp["kind"]) <= set(OPPORTUNITY_KINDS)
    assert set(opp["modality"]) <= set(MODALITIES)
    assert (opp["min_grade"] <= opp["max_grade"]).all()
    assert ((opp["cost"] >= 0) & (opp["seats"] >= 0)).all()
    # every zone a provider or section uses can be travelled to (online needs no rows)
    travel_zones = set(travel["from_zone"]) | set(travel["to_zone"])
    used = set(prov["zone"]) | set(sec.loc[sec["zone"] != "", "zone"])
    assert used - {ONLINE_ZONE} <= travel_zones
    assert (prov.loc[prov["zone"] == ONLINE_ZONE, "kind"] == "online").all()
    assert set(travel["mode"]) <= set(MODES) and (travel["minutes"] >= 0).all()
    # dates inside one school year; meetings start before they end
    assert (sec["start_date"] >= pd.Timestamp(SCHOOL_YEAR_START)).all()
    assert (sec["end_date"] <= pd.Timestamp(SCHOOL_YEAR_END)).all()
    assert (sec["start_date"] < sec["end_date"]).all()
    table = cat.section_table
    meets = table["days"] != ""
    assert (table.loc[meets, "start_min"] < table.loc[meets, "end_min"]).all()
    assert (meets | (table["self_paced_hours"] > 0) | table["times_tba"]).all()
    own_pace = table["modality"] == "online_self_paced"
    assert own_pace.any() or not own_pace_expected
    assert (table.loc[own_pace, "days"] == "").all()
    assert (table.loc[own_pace, "self_paced_hours"] > 0).all()
    assert (table["weekly_hours"] >= 0).all()
    return cat


# --- generate_frames -------------------------------------------------------------------------


def test_same_seed_gives_identical_frames():
    a, b = generate_frames(800, seed=3), generate_frames(800, seed=3)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_different_seed_gives_different_frames():
    a, b = generate_frames(800, seed=3), generate_frames(800, seed=4)
    assert not a["sections"].equals(b["sections"])
    assert not a["alignments"].equals(b["alignments"])


def test_generated_frames_have_the_sizes_asked():
    frames = generate_frames(2400, seed=0, n_competencies=70, n_zones=12)
    assert len(frames["sections"]) == 2400
    assert len(frames["opportunities"]) == 1000
    assert len(frames["competencies"]) == 70
    assert set(frames["providers"]["kind"]) == set(PROVIDER_KINDS)
    zones = set(frames["travel_times"]["from_zone"])
    assert len(zones) == 12
    cat = assert_consistent(frames)
    assert set(cat.opportunities["modality"]) == set(MODALITIES)
    assert cat.section_table["times_tba"].any()


def test_generated_frames_scale_to_district_size():
    frames = generate_frames(20_000, seed=1)
    assert len(frames["sections"]) == 20_000
    assert len(Catalogue.from_frames(**frames).section_table) == 20_000


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_sections=st.integers(1, 1500), seed=st.integers(0, 2**32 - 1),
       n_competencies=st.integers(7, 90), n_zones=st.integers(2, 25))
@example(n_sections=1, seed=0, n_competencies=11, n_zones=3)  # the case the old guard failed
def test_any_generated_catalogue_is_consistent(n_sections, seed, n_competencies, n_zones):
    frames = generate_frames(n_sections, seed=seed, n_competencies=n_competencies,
                             n_zones=n_zones)
    assert len(frames["sections"]) == n_sections
    assert len(frames["competencies"]) == n_competencies
    # a tiny catalogue may have no own-pace section: every other rule still holds (the old guard
    # looked at opportunities while the rule is about sections, and skipped all the checks)
    assert_consistent(frames, own_pace_expected=False)


def test_too_small_a_request_is_refused():
    with pytest.raises(ValueError):
        generate_frames(0)
    with pytest.raises(ValueError):
        generate_frames(100, n_competencies=3)


# --- generate_roster -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_frames(**generate_frames(1500, seed=11))


def test_roster_is_deterministic(catalogue):
    a = generate_roster(catalogue, 50, seed=5)
    b = generate_roster(catalogue, 50, seed=5)
    c = generate_roster(catalogue, 50, seed=6)
    assert [x.to_dict() for x in a[0]] == [x.to_dict() for x in b[0]]
    assert [p.to_dict() for p in a[1]] == [p.to_dict() for p in b[1]]
    assert [x.to_dict() for x in a[0]] != [x.to_dict() for x in c[0]]


def test_roster_learners_and_plans_are_plausible(catalogue):
    learners, plans = generate_roster(catalogue, 300, seed=2)
    assert len(learners) == 300 and len({x.learner_id for x in learners}) == 300
    table = catalogue.section_table
    comps = set(catalogue.competencies["competency_id"])
    by_id = {x.learner_id: x for x in learners}
    for x in learners:
        assert 6 <= x.grade <= 12
        assert x.home_zone in catalogue.zones and x.home_zone != ONLINE_ZONE
        assert set(x.transport) <= set(MODES) and x.transport
        assert x.availability and 1 <= len(x.goals) <= 3 and len(x.interests) >= 1
        assert set(x.levels) <= comps and all(0 <= v <= 4 for v in x.levels.values())
        assert all(g.competency_id in comps and dt_in_2027(g.by) for g in x.goals)
        assert Learner.from_dict(x.to_dict()) == x
    counts = pd.Series([p.learner_id for p in plans]).value_counts()
    assert counts.between(2, 3).all() and len(counts) == 300
    assert len({p.plan_id for p in plans}) == len(plans)
    for p in plans:
        assert 2 <= len(p.sections) <= 5 and len(set(p.sections)) == len(p.sections)
        rows = table.loc[p.sections]
        grade = by_id[p.learner_id].grade
        assert ((rows["min_grade"] <= grade) & (grade <= rows["max_grade"])).all()
        assert Plan.from_dict(p.to_dict()) == p
    assert {len(p.sections) for p in plans} == {2, 3, 4, 5}


def dt_in_2027(d) -> bool:
    return d.year == 2027


def test_roster_scales_to_many_learners(catalogue):
    learners, plans = generate_roster(catalogue, 20_000, seed=0, plans_per_learner=(1, 2))
    assert len(learners) == 20_000
    assert 20_000 <= len(plans) <= 40_000


# --- writing a data directory ----------------------------------------------------------------


def test_write_data_dir_round_trips(tmp_path):
    frames = generate_frames(300, seed=9)
    cat = Catalogue.from_frames(**frames)
    learners, plans = generate_roster(cat, 4, seed=9)
    root = write_data_dir(tmp_path / "d", frames, learners, plans)
    back = Catalogue.from_frames(**read_frames(root))
    for name in FRAME_NAMES.values():
        pd.testing.assert_frame_equal(getattr(back, name), getattr(cat, name), check_dtype=False)
    header = (root / "opportunities.csv").read_text().splitlines()[1]
    assert "true" in header or "false" in header  # booleans as the format writes them
    for x in learners:
        data = json.loads((root / "learners" / f"{x.learner_id}.json").read_text())
        assert Learner.from_dict(data) == x
    assert sorted(f.stem for f in (root / "plans").glob("*.json")) == \
        sorted(p.plan_id for p in plans)


def test_generate_data_dir_writes_every_file(tmp_path):
    root = generate_data_dir(tmp_path / "g", n_sections=400, n_learners=3, seed=1)
    assert {f.name for f in root.glob("*.csv")} == set(FILES)
    assert len(list((root / "learners").glob("*.json"))) == 3
    assert 6 <= len(list((root / "plans").glob("*.json"))) <= 9


# --- the built-in sample data ----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return read_frames(SAMPLE)


def sample_people() -> tuple[dict[str, Learner], dict[str, Plan]]:
    learners = {f.stem: Learner.from_dict(json.loads(f.read_text(encoding="utf-8")))
                for f in sorted((SAMPLE / "learners").glob("*.json"))}
    plans = {f.stem: Plan.from_dict(json.loads(f.read_text(encoding="utf-8")))
             for f in sorted((SAMPLE / "plans").glob("*.json"))}
    return learners, plans


def test_sample_data_is_big_and_varied_enough(sample):
    cat = assert_consistent(sample)
    assert len(cat.competencies) >= 60
    assert cat.competencies["domain"].nunique() >= 7
    assert len(cat.providers) >= 40
    assert set(cat.providers["kind"]) == set(PROVIDER_KINDS)
    assert len(cat.opportunities) >= 250
    assert set(cat.opportunities["kind"]) == set(OPPORTUNITY_KINDS)
    assert len(cat.sections) >= 600
    land = set(cat.zones) - {ONLINE_ZONE}
    assert len(land) >= 12
    assert set(cat.requirements["domain"]) == set(cat.competencies["domain"])


def test_sample_data_reads_like_a_real_district(sample):
    cat = Catalogue.from_frames(**sample)
    opp, prov, table = cat.opportunities, cat.providers, cat.section_table
    # many free options, a few full ones, college credit and mentors where they belong
    assert (opp["cost"] == 0).mean() > 0.4
    assert 1 <= (opp["seats"] == 0).sum() <= 10
    dual = opp["kind"] == "dual_enrollment"
    assert (opp.loc[dual, "credit_hours"] > 0).all()
    work = opp["kind"].isin(["internship", "apprenticeship"])
    assert (opp.loc[work, "mentor_role"] != "").all()
    online = opp["modality"] != "in_person"
    assert opp.loc[online, "requires_broadband"].all()
    assert opp["requires_car"].any()
    assert prov.loc[prov["kind"] == "library", "offers_broadband"].all()
    assert prov["lends_devices"].any()
    assert prov.loc[prov["kind"] != "online", ["lat", "lon"]].notna().all().all()
    # ids a person can read, and the time patterns providers really use
    assert cat.competencies["competency_id"].str.match(r"^[A-Z]+\.[A-Z]+\.\d+$").all()
    times = set(zip(table["start_time"], table["end_time"], strict=True))
    assert {("15:30", "17:30"), ("18:00", "20:45"), ("08:00", "11:00")} <= times
    assert table["days"].str.contains("Sat").any()
    assert table["times_tba"].sum() >= 3
    assert (table["self_paced_hours"] > 0).sum() >= 30
    # rural zones have no bus; every zone has trips within itself
    travel = cat.travel_times
    no_bus = set(cat.zones) - {ONLINE_ZONE} - set(travel.loc[travel["mode"] == "transit",
                                                             "from_zone"])
    assert len(no_bus) >= 2
    inside = travel[travel["from_zone"] == travel["to_zone"]]
    assert set(inside["from_zone"]) == set(cat.zones) - {ONLINE_ZONE}


def test_sample_personas_and_plans(sample):
    learners, plans = sample_people()
    cat = Catalogue.from_frames(**sample)
    assert len(learners) >= 6
    sections = set(cat.sections["section_id"])
    comps = set(cat.competencies["competency_id"])
    for lid, x in learners.items():
        assert lid == x.learner_id and lid.startswith("L-")
        mine = [p for p in plans.values() if p.learner_id == lid]
        assert 2 <= len(mine) <= 3, lid
        assert x.home_zone in cat.zones and x.home_zone != ONLINE_ZONE
        assert 15 <= len(x.levels) <= 30 and set(x.levels) <= comps
        assert 2 <= len(x.goals) <= 4 and all(g.by.year == 2027 for g in x.goals)
        assert x.availability and x.interests and x.strengths and x.pathway
        assert x.supportive_adults
    for pid, p in plans.items():
        assert pid == p.plan_id and p.learner_id in learners
        assert p.name.startswith("Plan ")
        assert set(p.sections) <= sections and len(set(p.sections)) == len(p.sections)
    rural = learners["L-lucia"]
    assert rural.language == "es" and not rural.home_broadband and rural.device == "phone"
    assert "transit" not in rural.transport
    assert learners["L-maya"].transport == ["walk", "transit"]
    assert learners["L-theo"].budget <= 50 and set(learners["L-theo"].transport) == {"walk",
                                                                                     "bike"}
    assert "car" in learners["L-dante"].transport
    assert any(c.days == ("Sat",) for c in learners["L-amara"].commitments)


def test_build_script_reproduces_sample_data(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_sample_data", ROOT / "scripts" / "build_sample_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.build(tmp_path / "sample")
    committed = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    rebuilt = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert committed == rebuilt
    for rel in committed:
        assert (SAMPLE / rel).read_bytes() == (out / rel).read_bytes(), rel


# --- other engineers' modules: the data must pass their checks -------------------------------


def test_sample_data_and_generated_dir_load_without_error(tmp_path):
    from workbench.formats.datadir import load_dataset

    ds = load_dataset(SAMPLE)
    assert len(ds.learners) >= 6 and len(ds.plans) >= 12
    root = generate_data_dir(tmp_path / "g2000", n_sections=2000, n_learners=20, seed=0)
    ds = load_dataset(root)
    assert len(ds.catalogue.sections) == 2000 and len(ds.learners) == 20


def test_some_sample_plans_have_problems_and_most_do_not():
    from workbench.domain.feasibility import check_plan
    from workbench.formats.datadir import load_dataset

    ds = load_dataset(SAMPLE)
    with_problems = {p.plan_id for p in ds.plans.values()
                     if check_plan(ds.catalogue, ds.learners[p.learner_id], p.sections)}
    assert len(with_problems) >= 2
    assert len(ds.plans) - len(with_problems) >= len(ds.learners)
