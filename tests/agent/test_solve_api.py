"""`mathagent.solve`: one problem from Python, with the real sandbox and a real trace database.

The model is the scripted fake (a program that adds the problem's numbers, a chain of thought that agrees).
"""

from __future__ import annotations

import pytest
from fakes import ScriptedLLM

import mathagent
from mathagent.errors import InputError
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.store import find_trace


def _adder(messages: list[dict]) -> str:
    import re

    problem = next(str(m["content"]) for m in reversed(messages) if m.get("role") == "user")
    total = sum(int(x) for x in re.findall(r"\d+", problem))
    system = str(messages[0].get("content") or "")
    if "```python" in system:
        return f"```python\nprint({total})\n```"
    return f"Adding up gives {total}. \\boxed{{{total}}}"


def test_solve_answers_and_records_the_trace(db_url):
    r = mathagent.solve("A farmer has 12 ducks and buys 6 more. How many ducks?", llm=ScriptedLLM(_adder),
                        db_url=db_url, verify=True)
    assert isinstance(r, mathagent.SolveResult)
    assert (r.status, r.answer) == ("answered", "18")
    assert r.level == "consensus" and r.verified  # programs and the confirming chain of thought agree
    with open_database(db_url) as factory, session_scope(factory) as s:
        trace = find_trace(s, r.trace_id)
        assert trace is not None and trace.answer == "18" and trace.level == "consensus"


@pytest.mark.parametrize("strategy", ["pot", "cot", "tir"])
def test_each_single_method_strategy(db_url, strategy):
    r = mathagent.solve("Sam walks 3 km, then 4 km, then 5 km. How far does he walk?", strategy=strategy,
                        llm=ScriptedLLM(_adder), db_url=db_url)
    assert r.answer == "12" and r.status == "answered"


@pytest.mark.parametrize("problem, kwargs, needle", [
    ("", {}, "empty"),
    ("What is 1 + 1?", {"strategy": "majority"}, "unknown strategy 'majority'"),
    ("What is 1 + 1?", {"max_sampels": 3}, "unknown agent setting"),
])
def test_bad_input_is_refused_before_anything_runs(db_url, tmp_path, problem, kwargs, needle):
    llm = ScriptedLLM([])  # any call would exhaust the script
    with pytest.raises(InputError) as err:
        mathagent.solve(problem, llm=llm, db_url=db_url, **kwargs)
    assert needle in err.value.message and llm.calls == []
