"""Export: conversations from the winning derivation (and from traces written before derivations), formats,
level filters, deduplication, contamination guard and the dataset card with the level of the rows and the
precision measured for it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from openai_schema import validate_openai_record
from sqlalchemy import update
from trace_factories import (at, cot_trace, legacy_calc_trace, legacy_reason_trace, pot_trace,
                             tir_trace)

from mathagent.datasets.export import ExportOptions, run_export
from mathagent.datasets.export.source import ExportFilters
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.models import Trace
from mathagent.traces.store import add_trace

JANET = "Janet's ducks lay 16 eggs per day. She eats three for breakfast and bakes muffins with four. " \
        "She sells the remainder at $2 per egg. How many dollars does she make every day?"


def fill(url: str, records, created: dict[str, object] | None = None) -> None:
    with open_database(url) as f:
        with session_scope(f) as s:
            for r in records:
                add_trace(s, r)
        if created:
            with session_scope(f) as s:
                for tid, when in created.items():
                    s.execute(update(Trace).where(Trace.id == tid).values(created_at=when))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def export(url: str, tmp_path: Path, fmt: str = "openai-chat", name: str = "out.jsonl", **kw):
    filters = kw.pop("filters", ExportFilters())
    return run_export(url, ExportOptions(fmt=fmt, out=tmp_path / name, filters=filters, **kw))


def test_openai_chat_records_are_conversations_of_the_winning_derivation(db_url_any, tmp_path):
    fill(db_url_any, [
        pot_trace(JANET, "eggs = 16 - 3 - 4\nprint(eggs * 2)", "18", id="t_pot", losers=("20",)),
        pot_trace("What is 2**10 mod 7?", "print(2**10 % 7)", "2", failed_first="print(q)", id="t_repair"),
        cot_trace("Is 7 prime? Answer 1 for yes.", "7 has no divisors but 1 and 7, so \\boxed{1}", "1", id="t_cot"),
        tir_trace("What is 3 squared plus 4 squared?", [("First the squares.", "print(3**2, 4**2)", "9 16\n"),
                                                         ("Now the sum.", "print(9 + 16)", "25\n")],
                  "The sum is \\boxed{25}.", "25", id="t_tir"),
    ])
    res = export(db_url_any, tmp_path)
    assert res.stats.written == 4 and res.stats.matched == 4
    assert res.stats.by_method == {"pot": 2, "cot": 1, "tir": 1}
    recs = read_jsonl(res.output)
    for rec in recs:
        assert validate_openai_record(rec) == [], rec
        assert "metadata" not in rec  # openai-chat stays strict by default
    by_problem = {r["messages"][1]["content"]: r for r in recs}
    janet = by_problem[JANET]["messages"]
    assert [m["role"] for m in janet] == ["system", "user", "assistant", "tool", "assistant"]
    call = janet[2]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"code": "eggs = 16 - 3 - 4\nprint(eggs * 2)"}
    assert janet[2]["content"] == "Let me compute."
    assert janet[3] == {"role": "tool", "tool_call_id": call["id"], "content": "18\n"}
    assert "\\boxed{18}" in janet[4]["content"]
    assert "print(20)" not in json.dumps(janet)  # a derivation that lost the vote is not part of it
    repair = by_problem["What is 2**10 mod 7?"]["messages"]  # the failed program, its error, the repaired one
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert json.loads(repair[2]["tool_calls"][0]["function"]["arguments"]) == {"code": "print(q)"}
    assert repair[3]["content"].startswith("[error]") and "NameError" in repair[3]["content"]
    assert "Fix the error" not in json.dumps(repair)  # the repair prompt itself is dropped
    cot = by_problem["Is 7 prime? Answer 1 for yes."]
    assert [m["role"] for m in cot["messages"]] == ["system", "user", "assistant"] and "tools" not in cot
    assert cot["messages"][2]["content"].startswith("7 has no divisors")
    tir = by_problem["What is 3 squared plus 4 squared?"]["messages"]
    assert [m["role"] for m in tir] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert tir[2]["content"] == "First the squares." and tir[4]["content"] == "Now the sum."
    assert [json.loads(m["tool_calls"][0]["function"]["arguments"])["code"] for m in (tir[2], tir[4])] == [
        "print(3**2, 4**2)", "print(9 + 16)"]
    assert tir[3]["content"] == "9 16\n" and tir[6]["content"] == "The sum is \\boxed{25}."
    assert "Imagined output" not in json.dumps(tir)  # what the model wrote after its program is cut
    last_only = export(db_url_any, tmp_path, name="last.jsonl", attempts="last")
    repair_last = [r for r in read_jsonl(last_only.output) if r["messages"][1]["content"].startswith("What is 2")]
    assert [m["role"] for m in repair_last[0]["messages"]] == ["system", "user", "assistant", "tool", "assistant"]


def test_traces_written_before_derivations_export_as_before(db_url_any, tmp_path):
    """The old-style fixture: routes calc/reason, purposes solve/reason/verify, meta.answer_route, no derivations."""
    fill(db_url_any, [
        legacy_calc_trace(JANET, "eggs = 16 - 3 - 4\nprint(eggs * 2)", "18", id="old_calc"),
        legacy_calc_trace("What is 2**10 mod 7?", "print(2**10 % 7)", "2", failed_first="print(q)", id="old_repair"),
        legacy_calc_trace("Solve x + 3 = 5.", "print(2)", "2", verify_code="import sympy\nprint(sympy.solve('x+3-5'))",
                          id="old_checkprog"),
        legacy_reason_trace("Is 7 prime? Answer 1 for yes.", "7 has no divisors but 1 and 7, so \\boxed{1}", "1",
                            id="old_reason"),
        legacy_calc_trace("p voted", "print(18)", "17", stdout="18\n", id="old_vote", meta={"answer_route": "vote"}),
    ])
    res = export(db_url_any, tmp_path, with_metadata=True)
    assert res.stats.written == 4 and res.stats.not_convertible == 1  # a tie-break vote: no one transcript
    by_problem = {r["messages"][1]["content"]: r for r in read_jsonl(res.output)}
    assert "p voted" not in by_problem
    janet = by_problem[JANET]
    assert [m["role"] for m in janet["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert janet["messages"][2]["content"] == "Let me compute." and janet["messages"][3]["content"] == "18\n"
    assert janet["metadata"]["method"] == "pot" and janet["metadata"]["level"] == "consensus"
    repair = by_problem["What is 2**10 mod 7?"]["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert repair[3]["content"].startswith("[error]") and "NameError" in repair[3]["content"]
    checkprog = by_problem["Solve x + 3 = 5."]["messages"]
    assert len([m for m in checkprog if m["role"] == "tool"]) == 1  # the verifier's program is not exported
    reason = by_problem["Is 7 prime? Answer 1 for yes."]
    assert [m["role"] for m in reason["messages"]] == ["system", "user", "assistant"] and "tools" not in reason
    assert reason["messages"][2]["content"].startswith("7 has no divisors")
    last = read_jsonl(export(db_url_any, tmp_path, name="last.jsonl", attempts="last").output)
    old_repair = next(r for r in last if r["messages"][1]["content"].startswith("What is 2"))
    assert [m["role"] for m in old_repair["messages"]] == ["system", "user", "assistant", "tool", "assistant"]


def test_sharegpt_trl_and_parquet(db_url_any, tmp_path):
    fill(db_url_any, [pot_trace("What is 2**10 mod 7?", "print(2**10 % 7)", "2", failed_first="print(q)",
                                dataset="math", problem_id="p1", meta={"level": "Level 3"})])
    sg = read_jsonl(export(db_url_any, tmp_path, "sharegpt", "sg.jsonl").output)[0]
    froms = [t["from"] for t in sg["conversations"]]
    assert froms == ["human", "function_call", "observation", "function_call", "observation", "gpt"]
    # LLaMA-Factory's rule: human/observation at even positions, gpt/function_call at odd ones
    assert all((f in ("human", "observation")) == (i % 2 == 0) for i, f in enumerate(froms))
    assert json.loads(sg["conversations"][3]["value"]) == {"name": "calculator",
                                                          "arguments": {"code": "print(2**10 % 7)"}}
    assert sg["system"] and json.loads(sg["tools"])[0]["name"] == "calculator"
    assert sg["metadata"]["problem_id"] == "p1"
    assert (sg["metadata"]["level"], sg["metadata"]["agent_level"], sg["metadata"]["math_level"]) == (
        "consensus", "consensus", 3)

    trl = read_jsonl(export(db_url_any, tmp_path, "trl", "trl.jsonl").output)[0]
    assert trl["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"code": "print(q)"}
    assert trl["messages"][3]["name"] == "calculator" and trl["messages"][2]["content"] == "Let me compute."
    assert trl["messages"][4]["content"] == "Let me compute."
    assert trl["tools"][0]["function"]["name"] == "calculator" and trl["metadata"]["level"] == "consensus"

    import pyarrow.parquet as pq

    res = export(db_url_any, tmp_path / "pq", "parquet", "")
    assert res.output.name == "parquet.parquet" and res.card == res.output.parent / "README.md"
    table = pq.read_table(res.output)
    assert table.num_rows == 1
    row = table.to_pylist()[0]
    assert row["dataset"] == "math" and row["method"] == "pot" and row["checks_passed"] == 1
    assert (row["level"], row["agent_level"], row["confidence"], row["math_level"]) == ("consensus", "consensus",
                                                                                       0.95, 3)
    assert validate_openai_record({"messages": json.loads(row["messages"]), "tools": json.loads(row["tools"])}) == []


def test_filters(db_url_any, tmp_path):
    recs = [
        pot_trace("p consensus two checks", "print(1)", "1", checks=("pass", "pass"), id="a", dataset="gsm8k",
                  meta={"level": "Level 5"}),
        pot_trace("p formal", "print(2)", "2", level="formal", id="b", dataset="math", meta={"level": "Level 2"},
                  model="m2"),
        pot_trace("p unverified", "print(3)", "3", level="unverified", checks=("fail",), id="c", dataset="math",
                  strategy="pot"),
        pot_trace("p gold", "print(4)", "4", level="gold", checks=("pass", "inconclusive"), id="d", dataset="math",
                  correct=True, meta={"level": 5}),
    ]
    fill(db_url_any, recs, created={"a": at(1), "b": at(5), "c": at(10), "d": at(20)})

    def ids(**f):
        res = export(db_url_any, tmp_path, name="f.jsonl", filters=ExportFilters(**f), with_metadata=True)
        return sorted(r["metadata"]["trace_id"] for r in read_jsonl(res.output))

    assert ids() == ["a", "b", "c", "d"]
    assert ids(verified_only=True) == ["a", "b", "d"]  # consensus or stronger
    assert ids(min_level="consensus") == ["a", "b", "d"]
    assert ids(min_level="formal") == ["b", "d"]
    assert ids(min_level="gold") == ["d"]
    assert ids(min_checks=2) == ["a"]
    assert ids(correct_only=True) == ["d"]
    assert ids(dataset="math") == ["b", "c", "d"]
    assert ids(strategy="pot") == ["c"]
    assert ids(model="m2") == ["b"]
    assert ids(math_level=5) == ["a", "d"]
    assert ids(since=at(5), until=at(20)) == ["b", "c"]


def test_an_unknown_min_level_is_bad_input(db_url, tmp_path):
    import pytest

    from mathagent.errors import InputError

    fill(db_url, [pot_trace("q", "print(1)", "1")])
    with pytest.raises(InputError, match="--min-level"):
        export(db_url, tmp_path, filters=ExportFilters(min_level="unverified"))
    assert not (tmp_path / "out.jsonl").exists()


def test_dedup_problems_and_near_identical_solutions(db_url_any, tmp_path):
    fill(db_url_any, [
        pot_trace("What is  6 times 7?", "print(6 * 7)", "42", id="x1", level="formal"),
        pot_trace("what is 6 times 7?", "print(6*7)  # product", "42", id="x2"),           # same problem + solution
        pot_trace("WHAT IS 6 TIMES 7?\n", "a = 6\nb = 7\nfor _ in range(1):\n    pass\nprint(sum([a] * b))",
                  "42", id="x3"),                                                          # a different solution
        pot_trace("What is 5 times 7?", "print(5 * 7)", "35", id="y1"),
    ])
    one = export(db_url_any, tmp_path, name="one.jsonl", with_metadata=True)
    kept = sorted(r["metadata"]["trace_id"] for r in read_jsonl(one.output))
    assert kept == ["x1", "y1"]  # the best of the group: the strongest level
    assert one.stats.duplicate_problem == 2 and one.stats.duplicate_solution == 0
    three = export(db_url_any, tmp_path, name="three.jsonl", with_metadata=True, max_per_problem=3)
    assert sorted(r["metadata"]["trace_id"] for r in read_jsonl(three.output)) == ["x1", "x3", "y1"]
    assert three.stats.duplicate_solution == 1 and three.stats.duplicate_problem == 0


def test_contamination_guard_drops_planted_test_problems(db_url_any, tmp_path):
    planted = [
        "A bakery sells 48 muffins in the morning and half as many in the afternoon; how many muffins in all?",
        "Tom has three times as many marbles as Ann, and together they have 64 marbles. How many has Ann?",
    ]
    clean = "Compute the sum of the first one hundred positive integers that are divisible by seven."
    fill(db_url_any, [pot_trace(planted[0] + " Answer in muffins.", "print(72)", "72"),  # a light paraphrase
                      pot_trace(planted[1], "print(16)", "16"),
                      pot_trace(clean, "print(sum(range(7, 701, 7)))", "35350"),
                      pot_trace("2 + 2?", "print(4)", "4")])
    jsonl = tmp_path / "test.jsonl"
    jsonl.write_text(json.dumps({"question": planted[0], "answer": "72"}) + "\n"
                     + json.dumps({"problem": "2 + 2?"}) + "\n", encoding="utf-8")
    text = tmp_path / "test.txt"
    text.write_text("Unrelated problem about trains leaving stations.\n" + planted[1] + "\n", encoding="utf-8")
    res = export(db_url_any, tmp_path, exclude=(jsonl, text), overlap_threshold=0.5)
    problems = [r["messages"][1]["content"] for r in read_jsonl(res.output)]
    assert problems == [clean]
    assert res.stats.contaminated == 3  # two planted + the short exact match
    card = res.card.read_text(encoding="utf-8")
    assert "| dropped: contaminated (overlap with excluded test sets) | 3 |" in card
    assert "test.jsonl (2 problems)" in card and "test.txt (2 problems)" in card


def test_dataset_card_states_counts_filters_sources_and_licenses(db_url_any, tmp_path):
    from mathagent.traces.models import EvalRun

    with open_database(db_url_any) as f, session_scope(f) as s:
        s.add(EvalRun(id="gsm8k-run1", dataset="gsm8k", config={}))
    fill(db_url_any, [pot_trace("q1 about apples", "print(1)", "1", dataset="gsm8k", run_id="gsm8k-run1",
                                problem_id="1", model="qwen-1.5b", level="gold", correct=True),
                      pot_trace("q2 about pears", "print(2)", "2", dataset="math", model="qwen-1.5b"),
                      pot_trace("q3 unverified", "print(3)", "3", level="unverified", dataset="math")])
    res = export(db_url_any, tmp_path, filters=ExportFilters(verified_only=True, min_checks=1))
    card = res.card.read_text(encoding="utf-8")
    assert res.card == tmp_path / "README.md"
    for expected in ("| traces matching the filters | 2 |", "| written | 2 |", "- `verified_only`: True",
                     "- `min_checks`: 1", "| gsm8k-run1 | 1 |", "| qwen-1.5b | 2 |",
                     "| gsm8k | MIT | Copyright (c) 2021 OpenAI", "| math | MIT | Copyright (c) 2021 Dan Hendrycks",
                     "- none: no `--exclude` files were given", "## Verification levels",
                     "| gold | 1 | graded equal to a known answer", "| consensus | 1 | independent derivations",
                     "export with `--metadata` to have each record state its level"):
        assert expected in card, expected
    consensus = next(line for line in card.splitlines() if line.startswith("| consensus |"))
    assert "not measured" in consensus  # no figures file given: never a made-up precision
    assert "| unverified |" not in card


def test_dataset_card_quotes_the_precision_measured_for_each_level(db_url, tmp_path):
    from mathagent.eval.levels import figures
    from mathagent.eval.metrics import Row

    rows = [Row(f"p{i}", "agent", 0, "1", i != 0, True, 1.0, 10, level="consensus", confidence=0.9)
            for i in range(40)]
    rows += [Row(f"q{i}", "agent", 0, "1", True, True, 1.0, 10, level="formal", confidence=0.5) for i in range(3)]
    fig = figures(rows, run_id="gsm8k-dev-1", dataset="gsm8k", strategy="agent")
    path = tmp_path / "levels.json"
    path.write_text(json.dumps(fig), encoding="utf-8")
    fill(db_url, [pot_trace("q1", "print(1)", "1"), pot_trace("q2", "print(2)", "2", level="formal")])
    res = export(db_url, tmp_path, "trl", "sft.jsonl", precision_file=path)
    card = res.card.read_text(encoding="utf-8")
    consensus = next(line for line in card.splitlines() if line.startswith("| consensus |"))
    assert "0.975 (39/40, 95% CI 0.871–0.996)" in consensus and "run `gsm8k-dev-1` (gsm8k" in consensus
    formal = next(line for line in card.splitlines() if line.startswith("| formal |"))
    assert "1.000 (3/3" in formal
    assert "Every record states its level" in card
    assert {r["metadata"]["level"] for r in read_jsonl(res.output)} == {"consensus", "formal"}


def test_a_bad_precision_file_is_bad_input(db_url, tmp_path):
    import pytest

    from mathagent.errors import InputError

    fill(db_url, [pot_trace("q", "print(1)", "1")])
    bad = tmp_path / "bad.json"
    for text, needle in (("{", "not JSON"), ("[1, 2]", "no per-level figures"),
                         ('{"levels": {"consensus": {"n": 2, "correct": 3}}}', "has no counts")):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=needle):
            export(db_url, tmp_path, precision_file=bad)
    with pytest.raises(InputError, match="not found"):
        export(db_url, tmp_path, precision_file=tmp_path / "none.json")
    assert not (tmp_path / "out.jsonl").exists()


def test_card_never_overwrites_a_foreign_readme(db_url, tmp_path):
    (tmp_path / "README.md").write_text("# my project\n", encoding="utf-8")
    fill(db_url, [pot_trace("q", "print(1)", "1")])
    res = export(db_url, tmp_path, name="sft.jsonl")
    assert (tmp_path / "README.md").read_text() == "# my project\n"
    assert res.card == tmp_path / "sft.README.md" and "Dataset card" in res.card.read_text()


def test_a_single_method_baseline_exports_its_one_derivation(db_url, tmp_path):
    fill(db_url, [pot_trace("p baseline", "print(5)", "5", id="p", strategy="pot", level="unverified"),
                  cot_trace("p cot", "so \\boxed{6}", "6", id="c", strategy="cot", level="unverified")])
    res = export(db_url, tmp_path, name="b.jsonl", with_metadata=True)
    recs = {r["metadata"]["trace_id"]: r for r in read_jsonl(res.output)}
    assert recs["p"]["metadata"]["method"] == "pot" and recs["c"]["metadata"]["method"] == "cot"


def test_a_conversation_whose_program_was_echoed_says_the_calculator_is_a_notebook_cell(db_url, tmp_path):
    import dataclasses

    echoed = pot_trace("p echo", "eggs = 9\neggs * 2", "18", stdout="18\n", id="e")
    echoed = dataclasses.replace(echoed, tool_calls=[dataclasses.replace(c, echoed=True) for c in echoed.tool_calls])
    fill(db_url, [echoed, pot_trace("p print", "print(18)", "18", id="s")])
    for fmt, name in (("openai-chat", "o.jsonl"), ("trl", "t.jsonl")):
        res = export(db_url, tmp_path, fmt=fmt, name=name, with_metadata=True)
        recs = {r["metadata"]["trace_id"]: r for r in read_jsonl(res.output)}
        described = {k: r["tools"][0]["function"]["description"] for k, r in recs.items()}
        assert "notebook cell" in described["e"] and "notebook cell" not in described["s"]
        assert [m["content"].strip() for m in recs["e"]["messages"] if m["role"] == "tool"] == ["18"]
        systems = {k: r["messages"][0]["content"] for k, r in recs.items()}
        assert "or ends with it" in systems["e"] and "or ends with it" not in systems["s"]
    res = export(db_url, tmp_path, fmt="sharegpt", name="g.jsonl", with_metadata=True)
    recs = {r["metadata"]["trace_id"]: r for r in read_jsonl(res.output)}
    assert "notebook cell" in json.loads(recs["e"]["tools"])[0]["description"]
