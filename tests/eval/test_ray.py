"""The Ray executor on a local Ray instance: actors solve problems and write to the one database."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from eval_fixtures import EXPECTED_CORRECT, execution, make_spec
from mathagent.eval import runner, runs
from mathagent.traces.db import open_database

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install ray); the thread executor is tested")

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def ray_tmp():
    """Ray's socket paths must stay under 108 bytes, so its folder is short (not pytest's tmp_path)."""
    path = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_ray_actors_write_graded_rows_to_the_shared_database(small_problems, db_url, tmp_path, ray_tmp,
                                                           monkeypatch):
    spec = make_spec(strategies=("cot", "pot"))
    # Ray workers are fresh processes started with the driver's environment at ray.init: they import the
    # picklable fake-model factory from the tests folder.
    pythonpath = os.pathsep.join([str(TESTS / "eval"), str(TESTS / "support"), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    ray_init = {"num_cpus": 2, "_temp_dir": ray_tmp}
    base = execution(db_url, tmp_path)
    ex = runner.Execution(session=base.session, workers=2, executor="ray", llm_factory=base.llm_factory,
                          ray_init=ray_init)
    seen = []
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        result = runner.run_items(factory, info, spec, small_problems, ex, on_result=lambda o, k, n: seen.append(o))
        rows = runs.result_rows(factory, info.id)
    assert result.status == "finished" and result.done == result.total == 12
    assert len(seen) == 12 and all(o.written for o in seen)
    assert len({(r.problem_id, r.strategy, r.sample_index) for r in rows}) == len(rows) == 12
    for strategy in ("cot", "pot"):
        assert {r.problem_id for r in rows if r.strategy == strategy and r.correct} == EXPECTED_CORRECT[strategy]
    assert not ray.is_initialized()  # the executor shut down the instance it started


def test_an_item_past_the_per_item_limit_is_stopped_recorded_and_the_run_goes_on(small_problems, db_url, tmp_path,
                                                                               ray_tmp, monkeypatch):
    from fake_brain import HangingBrainFactory
    from mathagent.eval.failures import classify
    from mathagent.traces.models import Trace
    from mathagent.traces.store import trace_to_dict
    from sqlalchemy import select

    pythonpath = os.pathsep.join([str(TESTS / "eval"), str(TESTS / "support"), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    spec = make_spec(strategies=("pot",))
    base = execution(db_url, tmp_path)
    ex = runner.Execution(session=base.session, workers=2, executor="ray", llm_factory=HangingBrainFactory(),
                          ray_init={"num_cpus": 2, "_temp_dir": ray_tmp}, item_timeout_s=60.0)
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        result = runner.run_items(factory, info, spec, small_problems, ex)
        with factory() as s:
            traces = {t.problem_id: trace_to_dict(t) for t in s.scalars(select(Trace).where(Trace.run_id == info.id))}
    assert result.status == "finished" and result.done == 6 and len(traces) == 6
    stuck = traces["p3"]
    assert stuck["status"] == "no_answer" and stuck["meta"]["limits_hit"] == ["item_timeout"]
    assert stuck["meta"]["limits"] == {"item_timeout_s": 60.0}
    assert classify(stuck) == "timeout" and "per-item limit of 60 s" in stuck["error"]
    assert {p for p, t in traces.items() if t["correct"]} == EXPECTED_CORRECT["pot"] - {"p3"}
