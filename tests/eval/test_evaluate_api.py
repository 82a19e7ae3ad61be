"""`mathagent.evaluate`: the Python front door to an evaluation, the same policy as `mathagent eval`.

The scripted fake model (fake_brain) answers; the calculator, grader and database are real.
"""

from __future__ import annotations

import pytest
from eval_fixtures import EXPECTED_CORRECT
from fake_brain import BrainLLMFactory

import mathagent
from mathagent.errors import InputError
from mathagent.eval import runs
from mathagent.eval.plan import plan_run
from mathagent.traces.db import open_database

def _file_id(pid: str) -> str:
    """The fixture file's ids: p1..p6 of eval_fixtures are records 0..5 of gsm8k_small.jsonl."""
    return f"gsm8k/gsm8k_small/{int(pid[1:]) - 1}"


FAKE = {"backend": "openai", "model": "fake", "base_url": "http://unused", "llm_factory": BrainLLMFactory()}


def test_evaluate_runs_every_strategy_and_grades_from_the_database(small_data, db_url):
    result = mathagent.evaluate("gsm8k", small_data, strategies="agent,cot,pot", db_url=db_url, verify=True, **FAKE)
    assert isinstance(result, mathagent.EvalResult)
    assert result.status == "finished" and result.total == result.done == 18
    with open_database(db_url) as factory:
        rows = runs.result_rows(factory, result.run_id)
    for strategy, expected in EXPECTED_CORRECT.items():
        got = {r.problem_id for r in rows if r.strategy == strategy and r.correct}
        assert got == {_file_id(p) for p in expected}, strategy
    assert {(p["a"], p["b"]) for p in result.paired} >= {("agent", "pot")}


def test_evaluate_resumes_and_extends_a_run(small_data, db_url):
    first = mathagent.evaluate("gsm8k", small_data, strategies=["pot"], limit=2, db_url=db_url, **FAKE)
    assert (first.status, first.total, first.ran) == ("finished", 2, 2)
    again = mathagent.evaluate("gsm8k", resume=first.run_id, db_url=db_url, **FAKE)
    assert (again.run_id, again.ran) == (first.run_id, 0)
    longer = mathagent.evaluate("gsm8k", resume=first.run_id, limit=4, db_url=db_url, **FAKE)
    assert (longer.total, longer.ran) == (4, 2)


@pytest.mark.parametrize("kwargs, needle", [
    ({"strategies": "pot,majority"}, "unknown strategy majority"),
    ({"strategies": []}, "unknown strategy (none given)"),
    ({"sampels": 3}, "unknown evaluation setting"),
    ({"backend": "vllm", "model": None}, "unknown backend"),
    ({"subjects": ("Topology",)}, "Topology"),
])
def test_bad_settings_are_input_errors(small_data, db_url, kwargs, needle):
    data = small_data.with_name("math_small.jsonl") if "subjects" in kwargs else small_data
    with pytest.raises(InputError) as err:
        mathagent.evaluate("math" if "subjects" in kwargs else "gsm8k", data, db_url=db_url, **{**FAKE, **kwargs})
    assert needle in err.value.message


def test_plan_refuses_what_a_resume_cannot_honour(small_data, db_url, tmp_path, monkeypatch):
    with open_database(db_url) as factory:
        plan = plan_run(factory, "gsm8k", data=small_data, given={"strategies": ("pot",), "limit": 3,
                                                                  "backend": "openai", "model": "fake"})
        assert [p.id for p in plan.problems] == [_file_id(p) for p in ("p1", "p2", "p3")]
        assert plan.spec.samples == 1
        for given, needle in [({"samples": 2}, "--samples 2 contradicts"),
                              ({"strategies": ("cot",)}, "--strategy ('cot',) contradicts"),
                              ({"limit": 2}, "--limit 2 contradicts")]:
            with pytest.raises(InputError) as err:
                plan_run(factory, "gsm8k", data=None, given=given, resume=plan.info.id)
            assert needle in err.value.message
        with pytest.raises(InputError) as err:
            plan_run(factory, "math", data=None, given={}, resume=plan.info.id)
        assert "evaluated 'gsm8k'" in err.value.message
    with open_database(db_url) as factory:
        base = {"strategies": ("pot",), "limit": 3, "backend": "openai", "model": "fake"}
        boxed = plan_run(factory, "gsm8k", data=small_data, given={**base, "prompts": ("cot-boxed",)})
        assert plan_run(factory, "gsm8k", data=None, given={"prompts": ("cot-boxed",)},
                        resume=boxed.info.id).spec.prompts == ("cot-boxed",)  # the same --prompt again: no conflict
        for given in [("cot-qwen25-math",), ("pot-steps",), ("cot-boxed", "pot-steps")]:
            with pytest.raises(InputError) as err:
                plan_run(factory, "gsm8k", data=None, given={"prompts": given}, resume=boxed.info.id)
            assert "contradicts the resumed run's prompts (cot-boxed@1" in err.value.message
        from mathagent.agent import prompts

        pot = prompts.DEFAULT_PROMPTS["pot"]
        monkeypatch.setitem(prompts.DEFAULT_PROMPTS, "pot", "pot-steps")  # a default changes after the run started
        again = plan_run(factory, "gsm8k", data=None, given={"prompts": ("cot-boxed",)}, resume=boxed.info.id)
        assert dict(again.spec.agent_config().prompts) == {"cot": "cot-boxed", "pot": pot, "tir": "tir-qwen25-math"}
    for dataset, data, needle in [("aime", small_data, "unknown dataset"), ("gsm8k", None, "no dataset file"),
                                  ("gsm8k", tmp_path / "missing.jsonl", "dataset file not found")]:
        with open_database(db_url) as factory, pytest.raises(InputError) as err:
            plan_run(factory, dataset, data=data, given={})
        assert needle in err.value.message


@pytest.mark.parametrize("kwargs", [{"data": "missing.jsonl"}, {"sampels": 3}, {"executor": "slurm"},
                                    {"strategies": "pot,majority"}, {"dataset": "aime"}])
def test_a_refused_evaluation_creates_no_database(tmp_path, small_data, kwargs):
    url = f"sqlite:///{tmp_path}/new/traces.db"
    kwargs = dict(kwargs)
    data = tmp_path / kwargs.pop("data") if "data" in kwargs else small_data
    dataset = kwargs.pop("dataset", "gsm8k")
    with pytest.raises(InputError):
        mathagent.evaluate(dataset, data, db_url=url, **{**FAKE, **kwargs})
    assert not (tmp_path / "new").exists()
