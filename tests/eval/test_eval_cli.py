"""`mathagent eval` / `mathagent report` option handling, in process (CliRunner on an app with only them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from eval_fixtures import make_spec
from mathagent.eval import runner
from mathagent.eval.spec import file_sha256
from mathagent.traces.db import open_database
from typer.testing import CliRunner

from mathagent.cli.commands import eval as eval_cmd
from mathagent.cli.commands import report as report_cmd
from mathagent.errors import InputError


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps the commands subcommands, as in the real app."""

    eval_cmd.register(app)
    report_cmd.register(app)
    return app


def invoke(app, args, db_url):
    return CliRunner().invoke(app, [*args, "--db", db_url], catch_exceptions=True)


@pytest.mark.parametrize("args,needle", [
    (["eval", "gsm8k"], "no dataset file given"),
    (["eval", "gsm8k", "--data", "/nonexistent.jsonl"], "dataset file not found"),
    (["eval", "gsm8k", "--data", "{data}", "--strategy", "agent,magic"], "unknown strategy magic"),
    (["eval", "gsm8k", "--data", "{data}", "--executor", "dask"], "unknown executor"),
    (["eval", "gsm8k", "--resume", "no-such-run"], "no eval run with id"),
    (["eval", "imagenet", "--data", "{data}"], "unknown dataset"),
    (["report", "no-such-run"], "no eval run with id"),
    (["eval", "gsm8k", "--data", "{data}", "--order", "random"], "unknown order 'random'"),
    (["eval", "math", "--data", "{data}", "--level", "7"], "MATH levels are 1 to 5"),
    (["eval", "math", "--data", "{data}", "--subject", ","], "no subject given"),
    (["eval", "gsm8k", "--data", "{data}", "--subject", "Algebra"], "no problem matches subjects Algebra"),
    (["eval", "minif2f", "--data", "{data}", "--order", "shuffled"], "select gsm8k and math problems"),
])
def test_bad_input_is_an_input_error(app, args, needle, db_url, small_data):
    from mathagent.traces.db import open_database

    with open_database(db_url):  # report only reads: it never creates the database
        pass
    res = invoke(app, [a.replace("{data}", str(small_data)) for a in args], db_url)
    assert isinstance(res.exception, InputError), res.output
    assert needle in res.exception.message and res.exception.fix


@pytest.fixture
def stored_run(db_url, tmp_path, small_data):
    data = tmp_path / "test.jsonl"
    shutil.copy(small_data, data)
    spec = make_spec(data_path=str(data), dataset_sha256=file_sha256(data), strategies=("agent", "cot"))
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
    return info.id, data


@pytest.mark.parametrize("flag,value", [("--strategy", "pot"), ("--samples", "3"), ("--temperature", "0.7"),
                                        ("--backend", "local"), ("--max-samples", "9"), ("--no-verify", None),
                                        ("--order", "shuffled"), ("--level", "4,5")])
def test_resume_refuses_options_that_contradict_the_stored_config(app, stored_run, db_url, flag, value):
    run_id, _ = stored_run
    res = invoke(app, ["eval", "gsm8k", "--resume", run_id, flag, *([value] if value else [])], db_url)
    assert isinstance(res.exception, InputError), res.output
    assert "contradicts the resumed run" in res.exception.message and flag.removeprefix("--no") in res.exception.message


def test_resume_refuses_a_changed_dataset_file_or_another_dataset(app, stored_run, db_url, small_data):
    run_id, data = stored_run
    res = invoke(app, ["eval", "math", "--resume", run_id], db_url)
    assert "evaluated 'gsm8k', not 'math'" in res.exception.message
    data.write_text(data.read_text() + "\n")
    res = invoke(app, ["eval", "gsm8k", "--resume", run_id], db_url)
    assert isinstance(res.exception, InputError) and "dataset file differs" in res.exception.message
    # the original file passes the hash check and reaches the next one (nothing is run here)
    res = invoke(app, ["eval", "gsm8k", "--resume", run_id, "--data", str(small_data), "--samples", "3"], db_url)
    assert isinstance(res.exception, InputError) and "contradicts the resumed run" in res.exception.message


def test_report_command_writes_the_index(app, stored_run, db_url, tmp_path):
    run_id, _ = stored_run
    out = tmp_path / "rep"
    res = invoke(app, ["report", run_id, "--out", str(out), "--json"], db_url)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload == {"run_id": run_id, "index": str(out / "index.html"), "traces": 0, "figures": None}
    assert "Accuracy per strategy" in (out / "index.html").read_text()


def test_minif2f_is_delegated_to_the_formal_audit(app, db_url):
    folder = Path(__file__).resolve().parents[1] / "fixtures" / "formal" / "minif2f_mini"
    if not folder.is_dir():
        pytest.skip(f"the formal verifier's fixture folder {folder} is not present")
    res = invoke(app, ["eval", "minif2f", "--data", str(folder), "--json"], db_url)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["dataset"] == "minif2f" and out["n"] == 5
    assert {r["name"] for r in out["results"] if r["flagged"]} == {"false_sqrt", "vacuous_cubes"}


def test_math_eval_with_samples_then_report(app, db_url, tmp_path):
    """The real MATH loader, the fake model over HTTP, two samples, a malformed line; then the report."""
    import fake_brain
    from fault_server import FaultServer

    data = Path(__file__).parent / "data" / "math_small.jsonl"
    with FaultServer([], reply=fake_brain.reply) as server:
        res = invoke(app, ["eval", "math", "--data", str(data), "--strategy", "pot,cot", "--samples", "2",
                           "--temperature", "0.5", "--backend", "openai", "--base-url", server.url, "--workers", "2",
                           "--json"], db_url)
    assert res.exit_code == 0, (res.output, res.exception)
    out = json.loads(res.stdout)
    assert "math_small.jsonl:3" in res.stderr and out["skipped_records"] == 1
    assert out["n"] == 3 and out["status"] == "finished" and out["items"] == {"total": 12, "done": 12, "this_call": 12}
    pot, cot = out["strategies"]["pot"], out["strategies"]["cot"]
    assert (pot["correct"], pot["attempts"], pot["maj_at_k"], pot["pass_at_k"]) == (6, 6, 1.0, 1.0)
    assert (cot["correct"], cot["maj_at_k"]) == (4, pytest.approx(2 / 3, abs=1e-5))  # chain of thought misses the tricky one
    for key in ("accuracy", "n", "verified_precision", "verified_coverage", "mean_seconds", "tokens"):
        assert key in pot
    (pair,) = out["paired"]  # by majority answer over the 2 samples: pot right on all 3, cot misses the tricky one
    assert (pair["a"], pair["b"], pair["n"], pair["both"], pair["only_a"], pair["only_b"]) == ("pot", "cot", 3, 2, 1, 0)
    assert pair["p_value"] == 1.0 and "only_a_ids" not in pair
    res = invoke(app, ["report", out["run_id"], "--out", str(tmp_path / "rep")], db_url)
    assert res.exit_code == 0, res.output
    index = (tmp_path / "rep" / "index.html").read_text()
    assert "Accuracy by MATH level" in index and "Prealgebra" in index and "maj@2" in index


def test_resume_with_a_larger_limit_extends_the_run_and_cache_hits_are_marked(app, db_url, tmp_path, monkeypatch,
                                                                             small_data):
    """--limit 2, then --resume --limit 4 runs only problems 3-4; --cache serves pot from the agent's calls."""
    import fake_brain
    from fault_server import FaultServer
    from mathagent.traces.models import LLMCallRow, Trace
    from sqlalchemy import select

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    with FaultServer([], reply=fake_brain.reply) as server:
        common = ["--backend", "openai", "--base-url", server.url, "--cache", "--json"]
        res = invoke(app, ["eval", "gsm8k", "--data", str(small_data), "--strategy", "agent,cot,pot",
                           "--limit", "2", *common], db_url)
        assert res.exit_code == 0, (res.output, res.exception)
        run_id = json.loads(res.stdout)["run_id"]
        lower = invoke(app, ["eval", "gsm8k", "--resume", run_id, "--limit", "1", *common], db_url)
        assert isinstance(lower.exception, InputError) and "--limit 1 contradicts" in lower.exception.message
        res = invoke(app, ["eval", "gsm8k", "--resume", run_id, "--limit", "4", *common], db_url)
    assert res.exit_code == 0, (res.output, res.exception)
    out = json.loads(res.stdout)
    assert out["n"] == 4 and out["items"] == {"total": 12, "done": 12, "this_call": 6}
    with open_database(db_url) as factory, factory() as s:
        stored = runner.runs.load_run(factory, run_id).config
        extended = [h for h in stored["history"] if h.get("event") == "extended"]
        assert stored["limit"] == 4 and [(h["previous_limit"], h["limit"]) for h in extended] == [(2, 4)]
        crash = s.scalars(select(Trace.problem_id).where(Trace.run_id == run_id,
                                                         Trace.problem.like("%crash course%"))).first()
        by_strategy: dict[str, dict[str, list[bool]]] = {}
        for pid, strategy, flag in s.execute(select(Trace.problem_id, Trace.strategy, LLMCallRow.cached)
                                             .join(LLMCallRow.trace).where(Trace.run_id == run_id)):
            by_strategy.setdefault(strategy, {}).setdefault(pid, []).append(flag)
    assert set(by_strategy) == {"agent", "cot", "pot"}
    assert not any(f for flags in by_strategy["agent"].values() for f in flags)  # the agent ran first: all fresh
    assert all(f for flags in by_strategy["pot"].values() for f in flags)  # the agent's greedy first program
    # cot is served from the cache only where the agent drew a greedy chain of thought itself: the crash-course
    # problem, whose programs crash, so its vote went on to a chain of thought; the others settled on programs
    assert {pid for pid, flags in by_strategy["cot"].items() if all(flags)} == {crash}
    assert not any(f for pid, flags in by_strategy["cot"].items() if pid != crash for f in flags)


def test_math_eval_of_a_selection_then_resume_extends_it_in_the_same_order(app, db_url):
    """--order stratified --level 1-3 on the real MATH loader: the run takes the selection's first problems,
    stores it, and --resume --limit takes the next ones of the same order."""
    import fake_brain
    from fault_server import FaultServer
    from mathagent.datasets import load_dataset
    from mathagent.datasets.selection import Selection

    data = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "math" / "dev8.jsonl"
    expected = [p.id for p in Selection(order="stratified", order_seed=5, levels=(1, 2, 3)).apply(
        load_dataset("math", data).problems)]
    assert len(expected) == 5  # levels 1-3 of the 8: three Algebra, one Counting & Probability, one Geometry
    with FaultServer([], reply=fake_brain.reply) as server:
        common = ["--backend", "openai", "--base-url", server.url, "--json"]
        res = invoke(app, ["eval", "math", "--data", str(data), "--strategy", "pot", "--order", "stratified",
                           "--order-seed", "5", "--level", "1-3", "--limit", "3", *common], db_url)
        assert res.exit_code == 0, (res.output, res.exception)
        assert "(order stratified (seed 5); levels 1, 2, 3)" in res.stderr
        run_id = json.loads(res.stdout)["run_id"]
        assert stored_ids(db_url, run_id) == set(expected[:3])
        res = invoke(app, ["eval", "math", "--resume", run_id, "--limit", "10", *common], db_url)
    assert res.exit_code == 0, (res.output, res.exception)
    out = json.loads(res.stdout)
    assert out["n"] == 5 and out["items"] == {"total": 5, "done": 5, "this_call": 2}
    assert stored_ids(db_url, run_id) == set(expected)
    with open_database(db_url) as factory:
        stored = runner.runs.load_run(factory, run_id).config
    assert (stored["order"], stored["order_seed"], stored["levels"]) == ("stratified", 5, [1, 2, 3])


def stored_ids(db_url, run_id) -> set[str]:
    from mathagent.traces.models import Trace
    from sqlalchemy import select

    with open_database(db_url) as factory, factory() as s:
        return set(s.scalars(select(Trace.problem_id).where(Trace.run_id == run_id)))


def test_prefill_reaches_the_server_is_recorded_and_resume_keeps_it(app, db_url, small_data):
    """`--prefill continue` sends pot-code's fence as a final assistant message the server continues (so a model
    that would answer in prose writes the program); the run records it and a resume that says otherwise is refused.
    With the default `none` the fence is not sent, the replies are the model's own, and stderr says so."""
    import re

    from fault_server import FaultServer
    from fake_brain import problem_of

    def server_model(messages):  # continues a prefilled fence; asked plainly, it answers in prose
        total = sum(int(x) for x in re.findall(r"-?\d+", problem_of(messages)))
        if messages[-1]["role"] == "assistant":
            return f"print({total})\n```"
        return f"The total is {total} but I will not write a program."

    runs_by_prefill = {}
    with FaultServer([], reply=server_model) as server:
        common = ["--backend", "openai", "--base-url", server.url, "--strategy", "pot", "--limit", "2", "--json"]
        for prefill in ("continue", "none"):
            res = invoke(app, ["eval", "gsm8k", "--data", str(small_data), "--prefill", prefill, *common], db_url)
            assert res.exit_code == 0, (res.output, res.exception)
            runs_by_prefill[prefill] = (json.loads(res.stdout), res.stderr)
        sent = [r for r in server.requests if r["messages"][-1]["role"] == "assistant"]
        assert len(sent) == 2 and all(r["continue_final_message"] is True and r["messages"][-1]["content"]
                                      == "```python\n" for r in sent)
        continued, note = runs_by_prefill["continue"]
        assert continued["strategies"]["pot"]["correct"] == 2 and "not sent to the server" not in note
        plain, note = runs_by_prefill["none"]
        assert plain["strategies"]["pot"]["correct"] == 0
        assert "warning: the reply start of pot-code is not sent to the server (--prefill none)" in note
        refused = invoke(app, ["eval", "gsm8k", "--resume", continued["run_id"], "--prefill", "none"], db_url)
        assert isinstance(refused.exception, InputError), refused.output
        assert "--prefill 'none' contradicts the resumed run's recorded 'continue'" in refused.exception.message
        local = invoke(app, ["eval", "gsm8k", "--data", str(small_data), "--prefill", "continue"], db_url)
        assert isinstance(local.exception, InputError), local.output  # the local backend always prefills
        assert "--prefill continue applies to --backend openai" in local.exception.message
    from mathagent.traces.models import Trace
    from sqlalchemy import select

    with open_database(db_url) as factory, factory() as s:
        for prefill, (out, _) in runs_by_prefill.items():
            assert runner.runs.load_run(factory, out["run_id"]).config["prefill"] == prefill
            metas = s.scalars(select(Trace.meta).where(Trace.run_id == out["run_id"])).all()
            assert len(metas) == 2 and all(m["prefill"] == prefill for m in metas)  # each trace says so too

