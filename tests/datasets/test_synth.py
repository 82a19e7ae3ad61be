"""`mathagent synth`: number extraction, mapping and rewriting; perturbation ranges; the pipeline end to end.

The pipeline runs the real agent graph and the real sandboxed calculator with a
scripted model (synth_brain.Brain) that actually solves a few templates, so a
perturbed variant is solved correctly, or (``wrong_on_variants``) wrongly.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from fakes import ScriptedLLM
from synth_brain import APPLES, PENS, PRICE, SHARE, SPEND, TEN, Brain, solve

from mathagent.agent.runner import solve_problem
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.datasets.problem import Problem
from mathagent.datasets.synth import SynthSettings, as_number, seed_program, synthesize
from mathagent.datasets.synth.numbers import (find_inputs, format_decimal, program_literals, rewrite_program,
                                              rewrite_text, text_numbers)
from mathagent.datasets.synth.output import samples_markdown
from mathagent.datasets.synth.perturb import ValueRange, draw_perturbation, granularity, value_range
from mathagent.verifiers.equivalence import equivalent

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli

# ------------------------------------------------------------------ numbers in text and programs


def test_text_numbers_read_formats_and_skip_non_inputs():
    text = ("Rent is $1,200.50 a month, a 20% raise, 3 cats and Three dogs. At 3:30 on the 5th day, "
            "1/2 of COVID19 cases ended; the bill was 7.")
    found = [(t.raw, t.value, t.decimals, t.commas, t.word, t.percent, t.money) for t in text_numbers(text)]
    assert found == [
        ("1,200.50", Fraction("1200.5"), 2, True, False, False, True),
        ("20", Fraction(20), 0, False, False, True, False),
        ("3", Fraction(3), 0, False, False, False, False),
        ("Three", Fraction(3), 0, False, True, False, False),
        ("7", Fraction(7), 0, False, False, False, False),
    ]
    assert [t.raw for t in text_numbers(text, words=False)] == ["1,200.50", "20", "3", "7"]
    # "one" is a pronoun as often as a number; hyphenated compounds are left alone
    assert text_numbers("one of the twenty-five boxes") == []


def test_program_literals_are_plain_decimals_with_exact_spans():
    code = "x = 16  # 7 eggs\ny = 2.50 * x + 0x10 + 1e3 + 2j\ns = '12'\nprint(1_000 - y, 3.)\n"
    lits = program_literals(code)
    assert [(lit.raw, lit.value) for lit in lits] == [("16", 16), ("2.50", Fraction(5, 2)), ("1_000", 1000),
                                                       ("3.", 3)]
    assert all(code[lit.start:lit.end] == lit.raw for lit in lits)
    assert program_literals("print((1 +") is None
    assert program_literals("x" * 30_000) is None


def test_find_inputs_maps_text_to_program_and_skips_constants():
    text = "Janet's ducks lay 16 eggs. She eats three and bakes 4 into muffins. She sells 2 dozen, and 9 spoil."
    code = "left = 16 - 3 - 4\nhalf = left / 2\nprint(half * 2 + 5)"
    m = find_inputs(text, code)
    assert [(i.label, i.value, len(i.text), len(i.program)) for i in m.inputs] == [
        ("16", 16, 1, 1), ("three", 3, 1, 1), ("4", 4, 1, 1)]
    # 2 is once in the text but twice in the program (a constant too): not perturbed; 9 and 5 are in one side only
    assert [(s.value, s.reason) for s in m.skipped] == [("2", "program_constant")]
    assert [i.label for i in find_inputs(text, code, words=False).inputs] == ["16", "4"]
    assert find_inputs(text, "print((") is None


def test_values_implied_by_words_are_not_perturbed():
    text = "Mr. Sam shared money between his two sons. Ken got $1750, and Tony got twice as much as Ken."
    m = find_inputs(text, "ken = 1750\nprint(ken + ken * 2)")
    assert [i.label for i in m.inputs] == ["1750"]
    assert [(s.value, s.reason) for s in m.skipped] == [("two", "implicit_constant")]
    m = find_inputs("20% of 100 pupils, 30 boys", "print(100 * 20 / 100 + 30)")
    assert [i.label for i in m.inputs] == ["20", "30"]


def test_find_inputs_matches_values_not_spellings():
    m = find_inputs("A pen costs $1.50; 1,000 pens cost more.", "price = 1.5\nn = 1000\nprint(price * n)")
    assert [(i.label, i.decimals) for i in m.inputs] == [("1.50", 2), ("1,000", 0)]


def test_rewrite_keeps_formatting():
    text = "Three boxes of $1,200 each, FOUR more at $2.50, and 3 boxes again."
    code = "print(3 * 1200 + 4 * 2.50 + 3)"
    m = find_inputs(text, code)
    assert {i.label for i in m.inputs} == {"Three", "1,200", "FOUR", "2.50"}
    new = {Fraction(3): Fraction(5), Fraction(1200): Fraction(1500), Fraction(4): Fraction(23),
           Fraction(5, 2): Fraction(3)}
    assert rewrite_text(text, m.inputs, new) == "Five boxes of $1,500 each, 23 more at $3.00, and 5 boxes again."
    assert rewrite_program(code, m.inputs, new) == "print(5 * 1500 + 23 * 3.00 + 5)"
    # only the perturbed values change
    assert rewrite_text(text, m.inputs, {Fraction(1200): Fraction(600)}) == text.replace("1,200", "600")


def test_rewrite_program_keeps_float_literals_float():
    m = find_inputs("It takes 12 hours.", "hours = 12.0\nprint(hours / 4)")
    assert rewrite_program("hours = 12.0\nprint(hours / 4)", m.inputs, {Fraction(12): Fraction(18)}) == \
        "hours = 18.0\nprint(hours / 4)"


def test_format_decimal():
    assert format_decimal(Fraction(1234567, 100), 2, commas=True) == "12,345.67"
    assert format_decimal(Fraction(3), 2) == "3.00"
    assert format_decimal(Fraction(1, 3), 2) == "0.33"
    assert format_decimal(Fraction(-5, 2), 0) == "-3"


# ------------------------------------------------------------------ perturbation ranges


def _range_of(text: str, code: str):
    (inp,) = find_inputs(text, code).inputs
    return value_range(inp)


def test_value_ranges_keep_type_magnitude_and_roundness():
    assert [granularity(n) for n in (7, 10, 12, 25, 50, 150, 200, 2500)] == [1, 5, 1, 5, 10, 50, 100, 500]
    r = _range_of("It costs $200.", "print(200 * 2)")
    assert (r.lo, r.hi, r.step) == (100, 400, 100)
    r = _range_of("She has 48 clips.", "print(48)")
    assert (r.lo, r.hi, r.step) == (24, 96, 1)
    r = _range_of("He has 3 cats.", "print(3)")
    assert (r.lo, r.hi) == (2, 7)
    r = _range_of("A 90% discount.", "print(90)")
    assert (r.lo, r.hi, r.step) == (50, 100, 10)
    r = _range_of("Born in 1990.", "print(2024 - 1990)")
    assert (r.lo, r.hi) == (1980, 2000)
    r = _range_of("A pen costs $1.50.", "print(1.5)")
    assert (r.lo, r.hi, r.step, r.scale) == (100, 300, 50, 100)
    r = _range_of("She has twelve cats.", "print(12)")
    assert (r.lo, r.hi) == (6, 20)
    assert _range_of("It took 1 hour.", "print(1 * 60)") is None


def test_draws_stay_in_range_on_the_grid_and_never_repeat_the_value():
    rng = random.Random(7)
    for r in (ValueRange(100, 400, 100, 1, 200), ValueRange(2, 7, 1, 1, 3), ValueRange(100, 300, 50, 100, 150)):
        seen = {r.draw(rng) for _ in range(300)}
        assert Fraction(r.current, r.scale) not in seen
        assert all(r.lo <= v * r.scale <= r.hi and (v * r.scale - r.lo) % r.step == 0 for v in seen)
        assert len(seen) == r.choices


def test_draw_perturbation_keeps_order_or_gives_up():
    ranges = {Fraction(3): ValueRange(2, 7, 1, 1, 3), Fraction(4): ValueRange(2, 8, 1, 1, 4),
              Fraction(16): ValueRange(8, 32, 1, 1, 16)}
    rng = random.Random(0)
    for _ in range(50):
        new = draw_perturbation(ranges, rng)
        assert new[Fraction(3)] < new[Fraction(4)] < new[Fraction(16)]
    impossible = {Fraction(1): ValueRange(9, 10, 1, 1, 9), Fraction(2): ValueRange(4, 5, 1, 1, 4)}
    assert draw_perturbation(impossible, rng) is None
    assert draw_perturbation(impossible, rng, keep_order=False) == {Fraction(1): 10, Fraction(2): 5}


def test_as_number_and_seed_program():
    assert [as_number(s) for s in ("12", "12.0", "$1,000", "3/4", "x+1", None)] == [
        12, 12, 1000, Fraction(3, 4), None, None]
    steps = [{"index": 0, "route": "pot", "status": "error", "input": "bad", "output": "Err"},
             {"index": 1, "route": "pot", "status": "ok", "input": "print(5)", "output": "5\n"},
             {"index": 2, "route": "pot", "status": "ok", "input": "print(18)", "output": "18\n"},
             {"index": 3, "route": "cot", "status": "answer", "input": "", "output": "\\boxed{18}"},
             {"index": 4, "route": "repair", "status": "ok", "input": "print(9 * 2)", "output": "18\n"}]

    def d(index, method, step, cluster, valid=True):
        return {"index": index, "method": method, "step_index": step, "cluster": cluster, "valid": valid}

    derivations = [d(0, "pot", 0, -1, False), d(1, "pot", 1, 1), d(2, "cot", 3, 0), d(3, "pot", 2, 0),
                   d(4, "pot", 4, 0)]
    assert seed_program(steps, derivations, "18") == "print(18)"  # the first program of the winning cluster
    assert seed_program(steps, derivations, "7") is None
    assert seed_program(steps, derivations[:3], "18") is None  # the winner is a chain of thought: no program


# ------------------------------------------------------------------ the pipeline


SEEDS = [Problem("t/apples", "gsm8k", APPLES.format(a=5, b=3, c=4), "17"),
         Problem("t/pens", "gsm8k", PENS.format(a="three", b=12, c=5), "31"),
         Problem("t/price", "gsm8k", PRICE.format(a="2.50", b="1.25", c=3), "8.75"),
         Problem("t/share", "gsm8k", SHARE.format(a=24, b=6), "4"),
         Problem("t/ten", "gsm8k", TEN, "55")]


def _synth(calculator, problems, brain=None, recorded=None, **settings):
    ctx = AgentContext(llm=ScriptedLLM(brain or Brain()), calculator=calculator, config=AgentConfig(verify=True),
                       recorder=recorded.append if recorded is not None else None)
    records: list[dict] = []
    report = synthesize(problems, ctx, SynthSettings(**settings), solve=solve_problem, on_record=records.append)
    return report, records


def test_pipeline_keeps_variants_the_agent_solves_with_provenance(calculator):
    recorded = []
    report, records = _synth(calculator, SEEDS, recorded=recorded, variants=2, seed=3)
    assert report.seeds == 5 and report.seeds_used == 4
    assert dict(report.seed_rejects) == {"seed_no_numbers": 1}  # the answer's numbers are not in the text
    by_seed = {sid: [r for r in records if r["seed_id"] == sid] for sid in ("t/apples", "t/pens", "t/price")}
    assert all(len(v) == 2 for v in by_seed.values())
    assert report.kept == len(records) and report.attempted >= report.kept
    for rec in records:
        seed = next(p for p in SEEDS if p.id == rec["seed_id"])
        assert set(rec) >= {"id", "question", "answer", "seed_id", "seed_question", "seed_answer", "perturbation",
                            "program", "agent_trace_id", "verified", "level", "confidence"}
        assert rec["verified"] is True and rec["seed_question"] == seed.question and rec["seed_answer"] == seed.answer
        assert rec["level"] == "consensus" and rec["confidence"] >= 0.9  # the agent's own, gold-free judgement
        assert rec["question"] != seed.question and rec["id"].startswith(f"synth/{seed.id}/")
        # the ground truth is right: an independent solution of the new text agrees
        assert equivalent(solve(rec["question"])[1], rec["answer"]) is True
        for old, new in rec["perturbation"].items():
            assert old != new and new in rec["question"]
    pens = by_seed["t/pens"][0]
    assert set(pens["perturbation"]) == {"three", "12", "5"}  # the word is an input too, and stays a word
    assert pens["question"].split()[2] in {"two", "four", "five", "six", "seven"}
    price = by_seed["t/price"][0]
    assert "one pen" in price["question"] and price["question"].count("$") == 2
    assert all(len(v.split(".")[1]) == 2 for k, v in price["perturbation"].items() if "." in k)
    # traces: every solve recorded, variants with their ground truth graded correct
    traces = {r.id: r for r in recorded}
    for rec in records:
        t = traces[rec["agent_trace_id"]]
        assert t.source == "synth" and t.problem_id == rec["id"] and t.gold == rec["answer"] and t.correct is True
        assert (t.level, t.agent_level, t.verified) == ("gold", "consensus", True)  # graded against the truth
        assert t.meta["synth"]["seed_id"] == rec["seed_id"]
    seed_traces = [r for r in recorded if r.meta["synth"]["role"] == "seed"]
    assert len(seed_traces) == 5 and all(t.correct is True and t.level == "gold" for t in seed_traces)


def test_integer_answers_stay_integers(calculator):
    report, records = _synth(calculator, [SEEDS[3]], variants=3, max_attempts=12, seed=0)
    assert report.rejects["non_integer"] >= 1
    assert all(Fraction(r["answer"]).denominator == 1 for r in records)
    assert report.attempted <= 12


def test_an_agent_that_gets_variants_wrong_keeps_nothing(calculator):
    brain = Brain(wrong_on_variants=True, seeds=tuple(p.question for p in SEEDS))
    recorded = []
    report, records = _synth(calculator, SEEDS[:3], brain=brain, variants=2, max_attempts=4, recorded=recorded)
    assert records == [] and report.kept == 0 and report.seeds_used == 3
    assert report.rejects["agent_wrong"] == report.attempted == 12
    # a wrong answer can reach consensus; graded against the computed truth, its trace is never verified
    variants = [r for r in recorded if r.meta["synth"]["role"] == "variant"]
    assert variants and all((r.agent_level, r.level, r.verified) == ("consensus", "unverified", False)
                            for r in variants)


def test_a_variant_without_consensus_is_not_kept(calculator):
    # the chain of thought disagrees on the variants only: the programs' (right) answer has no consensus
    seeds = SEEDS[:1]
    brain = Brain(cot_off_on_variants=True, seeds=tuple(p.question for p in seeds))
    report, records = _synth(calculator, seeds, brain=brain, variants=1, max_attempts=2)
    assert records == [] and report.seeds_used == 1 and report.rejects["agent_unverified"] == 2


def test_seed_rejections(calculator):
    unsolvable = Problem("t/odd", "gsm8k", "How many legs does a snake have?", "0")
    wrong_gold = Problem("t/gold", "gsm8k", APPLES.format(a=5, b=3, c=4), "18")
    report, records = _synth(calculator, [unsolvable, wrong_gold], variants=1)
    assert records == [] and dict(report.seed_rejects) == {"seed_no_answer": 1, "seed_wrong": 1}
    no_gold = Problem("t/nogold", "gsm8k", APPLES.format(a=5, b=3, c=4), None)
    # without gold, a seed needs the agent's own consensus: here the chain of thought disagrees
    report, _ = _synth(calculator, [no_gold], brain=Brain(cot_off_by=1), variants=1)
    assert dict(report.seed_rejects) == {"seed_unverified": 1}
    # with gold, a right answer is enough (level gold), whatever the agent judged
    report, _ = _synth(calculator, [SEEDS[0]], brain=Brain(cot_off_by=1), variants=1, max_attempts=1)
    assert report.seeds_used == 1 and dict(report.seed_rejects) == {}
    # without gold, the agent's consensus answer is the seed answer
    report, records = _synth(calculator, [no_gold], variants=1)
    assert report.kept == 1 and records[0]["seed_answer"] == "17"


def test_order_keeping_avoids_negative_answers(calculator):
    seed = Problem("t/spend", "gsm8k", SPEND.format(a=20, b=15), "5")
    report, records = _synth(calculator, [seed], variants=12, max_attempts=12, seed=1, keep_order=False)
    assert report.rejects["sign"] >= 1  # 15 may grow past 20: spent more than she had
    report, records = _synth(calculator, [seed], variants=4, max_attempts=8, seed=1)
    assert "sign" not in report.rejects and len(records) == 4
    assert all(int(r["answer"]) > 0 for r in records)


def test_deterministic_with_a_seed(calculator):
    def run(seed):
        _, records = _synth(calculator, SEEDS[:2], variants=2, seed=seed)
        return [(r["id"], r["question"], r["answer"], r["perturbation"]) for r in records]

    first = run(11)
    assert first == run(11)
    assert first != run(12)
    # a seed's variants do not depend on the other seeds in the run
    _, alone = _synth(calculator, SEEDS[1:2], variants=2, seed=11)
    assert [(r["id"], r["question"]) for r in alone] == [(i, q) for i, q, _, _ in first if i.startswith("synth/t/pens")]


def test_samples_markdown(calculator):
    report, records = _synth(calculator, SEEDS[:2] + SEEDS[4:], variants=2, seed=5)
    md = samples_markdown(report)
    assert md.startswith("# Synthetic problems")
    assert f"{report.kept} kept of {report.attempted} attempted" in md and "seed_no_numbers 1" in md
    assert "## t/apples" in md and "```python" in md and "## t/ten" not in md
    for rec in records:
        assert rec["question"] in md and rec["id"] in md


# ------------------------------------------------------------------ the command: Python API and CLI errors


def _gsm8k_file(path: Path, problems: list[Problem]) -> Path:
    path.write_text("".join(json.dumps({"question": p.question, "answer": f"so\n#### {p.answer}"}) + "\n"
                            for p in problems), encoding="utf-8")
    return path


def test_run_synth_writes_jsonl_samples_and_traces(calculator, tmp_path, db_url):
    from mathagent.agent.backends import BackendSettings
    from mathagent.agent.session import AgentSession, SessionSettings
    from mathagent.cli.commands.synth import SynthRequest, run_synth

    src = _gsm8k_file(tmp_path / "train.jsonl", SEEDS)
    req = SynthRequest(source=src, out=tmp_path / "synthetic.jsonl", variants=2, limit=3, seed=4,
                       samples_file=tmp_path / "sample.md")
    settings = SessionSettings(backend=BackendSettings(backend="local"), db_url=db_url, cache_dir=tmp_path / "cache")
    with AgentSession(settings, llm=ScriptedLLM(Brain()), calculator=calculator) as session:
        summary = run_synth(req, session, AgentConfig(verify=True))
    lines = [json.loads(x) for x in (tmp_path / "synthetic.jsonl").read_text("utf-8").splitlines()]
    assert summary["seeds"] == 3 and summary["kept"] == len(lines) == 6
    assert summary["yield"] == round(6 / summary["attempted"], 4)
    assert {r["seed_id"] for r in lines} == {"gsm8k/train/0", "gsm8k/train/1", "gsm8k/train/2"}
    assert "gsm8k/train/0" in (tmp_path / "sample.md").read_text("utf-8")
    con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        n = con.execute("SELECT count(*) FROM traces WHERE source = 'synth'").fetchone()[0]
    finally:
        con.close()
    assert n >= 3 + summary["attempted"] - summary["rejects"].get("non_integer", 0)


BAD_ARGS = [
    ("missing-from", ["--out", "{out}"], "--from"),
    ("variants-zero", ["--from", "{src}", "--out", "{out}", "--variants", "0"], "--variants"),
    ("attempts-type", ["--from", "{src}", "--out", "{out}", "--max-attempts", "many"], "--max-attempts"),
    ("formal-dataset", ["--from", "{src}", "--out", "{out}", "--dataset", "minif2f"], "not supported"),
    ("missing-file", ["--from", "{tmp}/nope.jsonl", "--out", "{out}"], "not found"),
    ("out-folder-missing", ["--from", "{src}", "--out", "{tmp}/no/such/out.jsonl"], "does not exist"),
    ("out-is-folder", ["--from", "{src}", "--out", "{tmp}"], "is a folder"),
    ("out-is-source", ["--from", "{src}", "--out", "{src}"], "overwrite"),
    ("empty-file", ["--from", "{empty}", "--out", "{out}"], "no usable problems"),
    ("llm-down", ["--from", "{src}", "--out", "{out}", "--samples-file", "{tmp}/s.md"], "LLM failed"),
]


@pytest.mark.parametrize("args,needle", [(a, n) for _, a, n in BAD_ARGS], ids=[i for i, _, _ in BAD_ARGS])
def test_cli_argument_errors(tmp_path, args, needle):
    src = _gsm8k_file(tmp_path / "train.jsonl", SEEDS[:1])
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    names = {"src": str(src), "out": str(tmp_path / "out.jsonl"), "tmp": str(tmp_path),
             "empty": str(tmp_path / "empty.jsonl")}
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = run_cli(["synth", *[a.format(**names) for a in args], "--backend", "openai", "--base-url",
                    "http://127.0.0.1:9/v1", "--model", "m", "--llm-retries", "0"], env=env, timeout=60)
    assert_clean_error(proc, needle)
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "s.md").exists()
