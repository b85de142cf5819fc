"""Several server processes over one store file (``workbench serve --num-procs N``).

Each served process has its own sessions and its own ``Store`` over the same SQLite file. Two
real processes here each open a planning session on the same learner and plan, both read it
before either saves, then each adds a different section: the store's versioned saves must keep
both (the second save meets the first and merges), so no process loses the other's update.
"""

from __future__ import annotations

import multiprocessing

import pytest

from workbench import SAMPLE_DATA
from workbench.cli import core as cli
from workbench.formats.datadir import load_dataset
from workbench.store import Store

LEARNER = "L-maya"


def _edit_in_a_process(path, plan_id, section_id, read_both, saved):
    """A served process: its own session over the file; reads, waits for the other, adds."""
    from workbench.formats.datadir import load_dataset
    from workbench.state import PlanningSession
    from workbench.store import Store

    dataset = load_dataset(SAMPLE_DATA)
    with Store(path) as store:
        session = PlanningSession(dataset, store, learner_id=LEARNER)
        session.plan_id = plan_id
        read_both.wait(timeout=120)  # both processes hold the same version now
        session.add_section(section_id)
        saved.put((section_id, session.error, list(session.plan.sections)))


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "shared.sqlite"
    with Store(path) as store:
        store.seed_from(load_dataset(SAMPLE_DATA))
    return path


def test_two_processes_adding_to_one_plan_lose_neither_update(path):
    with Store(path) as store:
        plan = store.read_plans(LEARNER)[0].record
    catalogue = load_dataset(SAMPLE_DATA).catalogue
    free = [s for s in catalogue.section_table.index if s not in plan.sections][:2]
    ctx = multiprocessing.get_context("spawn")
    read_both, saved = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_edit_in_a_process,
                         args=(str(path), plan.plan_id, sid, read_both, saved))
             for sid in free]
    for p in procs:
        p.start()
    results = [saved.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert all(error == "" for _sid, error, _sections in results), results
    with Store(path) as store:
        sections = store.read_plans(LEARNER)[0].record.sections
    assert set(free) <= set(sections)  # both updates are in the file
    assert set(plan.sections) <= set(sections)  # and nothing that was there went missing


def test_num_procs_is_read_and_checked(capsys):
    parser, _commands = cli.build_parser()
    assert parser.parse_args(["serve", "--num-procs", "3"]).num_procs == 3
    assert parser.parse_args(["serve"]).num_procs == 1
    assert cli.main(["serve", "--num-procs", "-1"]) == 2
    assert "not a number of processes" in capsys.readouterr().err


def test_serve_refuses_forking_a_threaded_server():
    from workbench.app import serve

    with pytest.raises(ValueError, match="num_procs"):
        serve(port=1, threaded=True, num_procs=2)
