"""Runs in process with the scripted fake model and the real sandboxed calculator."""

from __future__ import annotations

import zlib

import pytest
from eval_fixtures import EXPECTED_CORRECT, execution, make_spec
from mathagent.eval import runner, runs
from mathagent.eval.items import plan_items
from mathagent.traces.db import open_database

from mathagent.errors import InputError


def correct_ids(summary_rows, strategy):
    return {r.problem_id for r in summary_rows if r.strategy == strategy and r.correct}


def test_plan_is_problem_major_and_skips_done(small_problems):
    items, total = plan_items(small_problems[:2], ("agent", "cot"), 2, {("p1", "cot", 1)})
    assert total == 8 and len(items) == 7
    assert [i.key for i in items[:3]] == [("p1", "agent", 0), ("p1", "cot", 0), ("p1", "agent", 1)]
    assert items[0].meta == {"level": "Level 1", "subject": "Algebra"}


def test_full_run_records_graded_rows_and_resume_is_a_noop(small_problems, db_url, tmp_path):
    spec = make_spec()
    seen = []
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        result = runner.run_items(factory, info, spec, small_problems, execution(db_url, tmp_path, workers=3),
                                  on_result=lambda o, k, n: seen.append((o, k, n)))
        assert result.status == "finished" and result.total == result.done == 18 and result.ran == 18
        assert sorted(k for _, k, _ in seen) == list(range(1, 19))
        rows = runs.result_rows(factory, info.id)
        for strategy, expected in EXPECTED_CORRECT.items():
            assert correct_ids(rows, strategy) == expected, strategy
        s = result.summary
        assert (s["agent"]["correct"], s["cot"]["correct"], s["pot"]["correct"]) == (5, 4, 4)
        # agent: p1, p4, p6 reach consensus (programs and the confirming chain of thought agree); p2's chain of
        # thought dissents (13); p3's programs crash, so only its two chains of thought agree (one method)
        assert s["agent"]["verified_coverage"] == pytest.approx(3 / 6, abs=1e-6)
        assert s["agent"]["verified_precision"] == 1.0
        assert s["cot"]["verified_coverage"] == 0.0 and s["cot"]["verified_precision"] is None
        levels = {(r.problem_id, r.strategy): (r.level, r.correct) for r in rows}
        assert {p for (p, st), (lv, _) in levels.items() if lv == "consensus"} == {"p1", "p4", "p6"}
        assert {lv for (p, st), (lv, _) in levels.items() if st != "agent"} == {"unverified"}
        assert s["agent"]["tokens"] > s["pot"]["tokens"] > 0
        stored = runs.load_run(factory, info.id)
        assert stored.status == "finished" and stored.finished_at is not None
        assert stored.config["strategies"] == ["agent", "cot", "pot"]

        again = runner.run_items(factory, stored, runner.resume_spec(stored, "gsm8k", spec.dataset_sha256),
                                 small_problems, execution(db_url, tmp_path))
        assert again.ran == 0 and again.summary == result.summary


def test_samples_use_their_own_seeds_and_report_k_metrics(small_problems, db_url, tmp_path):
    from fake_brain import reply
    from fakes import ScriptedLLM

    seen: list[tuple[float, int | None]] = []

    class SeedSpy(ScriptedLLM):
        def complete(self, messages, params):
            seen.append((params.temperature, params.seed))
            return super().complete(messages, params)

    spec = make_spec(strategies=("pot",), samples=2, seed=7, temperature=0.5)
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        ex = runner.Execution(session=execution(db_url, tmp_path).session, llm_factory=lambda: SeedSpy(reply))
        result = runner.run_items(factory, info, spec, small_problems[:2], ex)
    assert result.summary["pot"]["maj_at_k"] == 1.0 and result.summary["pot"]["pass_at_k"] == 1.0
    # sample i of a problem decodes with seed 7 + i offset by the problem's text (no two problems share a stream)
    offsets = [zlib.crc32(p.question.encode("utf-8")) for p in small_problems[:2]]
    assert sorted(seen) == sorted((0.5, (7 + i + o) % 2**31) for i in (0, 1) for o in offsets)
    assert make_spec(seed=None).sample_seed(3) is None


def test_resume_refuses_other_dataset_or_changed_file(db_url):
    spec = make_spec()
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        with pytest.raises(InputError, match="evaluated 'gsm8k', not 'math'"):
            runner.resume_spec(info, "math", spec.dataset_sha256)
        with pytest.raises(InputError, match="dataset file differs"):
            runner.resume_spec(info, "gsm8k", "cd" * 32)
        with pytest.raises(InputError, match="no eval run"):
            runs.load_run(factory, "nope")


def test_a_broken_worker_marks_the_run_interrupted(small_problems, db_url, tmp_path):
    class Boom:
        def __call__(self):
            raise RuntimeError("sandbox gone")

    spec = make_spec(strategies=("cot",))
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        ex = execution(db_url, tmp_path)
        ex = runner.Execution(session=ex.session, llm_factory=Boom())
        with pytest.raises(RuntimeError, match="sandbox gone"):
            runner.run_items(factory, info, spec, small_problems, ex)
        assert runs.load_run(factory, info.id).status == "interrupted"


def test_fewshot_uses_verified_traces_of_other_runs_only(small_problems, db_url, tmp_path):
    """A first run fills the database; a second run with --fewshot 2 gets examples from it, never from itself."""
    from sqlalchemy import select

    from mathagent.traces.db import session_scope
    from mathagent.traces.models import Trace

    with open_database(db_url) as factory:
        first = runner.start_run(factory, make_spec(strategies=("agent",)))
        runner.run_items(factory, first, make_spec(strategies=("agent",)), small_problems[:4],
                         execution(db_url, tmp_path))
        spec = make_spec(strategies=("agent",), fewshot=2)
        second = runner.start_run(factory, spec)
        runner.run_items(factory, second, spec, small_problems, execution(db_url, tmp_path))
        with session_scope(factory) as s:
            first_ids = set(s.scalars(select(Trace.id).where(Trace.run_id == first.id)))
            second_rows = list(s.scalars(select(Trace).where(Trace.run_id == second.id)))
            used = {r.problem_id: r.meta["fewshot_ids"] for r in second_rows}
            own = {r.problem_id: r.id for r in s.scalars(select(Trace).where(Trace.run_id == first.id))}
    assert any(used.values()), used
    for pid, ids in used.items():
        assert set(ids) <= first_ids            # only the other run's traces
        assert own.get(pid) not in ids          # never the trace of the same problem
        assert len(ids) <= 2
