"""The HTML and Markdown report: content (levels, the confidence curve), escaping of hostile text, the figures
file, and a headless-Chromium screenshot."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from eval_fixtures import PROMPTS_VERSION, SMALL, P, execution, make_spec
from mathagent.eval import runner
from mathagent.eval.failures import classify
from mathagent.eval.report import safe_name, write_report
from mathagent.eval.report.data import config_items, load_report_data, percentile
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import Check, Derivation, Step, ToolCall, TraceRecord
from mathagent.traces.store import add_trace

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def hostile_trace(run_id: str) -> TraceRecord:
    return TraceRecord(
        problem=f"What is 1 + 1? {XSS}", model="m<b>", backend="openai", status="answered", answer=f"2{XSS}",
        run_id=run_id, dataset="math", problem_id=f"id{XSS}", strategy="agent", gold="2", correct=False,
        source="eval", seconds=0.5, meta={"level": f"Level {XSS}", "subject": "Algebra", "grade": {"status": "incorrect",
                                                                                                  "detail": XSS}},
        level="unverified", agent_level="consensus", confidence=0.5,
        steps=[Step(0, "pot", f"print('{XSS}')", XSS, "ok", 3.0)],
        tool_calls=[ToolCall(0, "calculator", f"print('{XSS}')", XSS, "", "ok", 3.0)],
        derivations=[Derivation(0, "pot", "pot-plain@1", f"2{XSS}", True, cluster=0),
                     Derivation(1, "cot", "cot-plain@1", None, False, f"rejected {XSS}")],
        checks=[Check("consensus", "fail", XSS)])


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> tuple[Path, str]:
    """One run (the small set plus a hostile problem and a hand-made hostile trace), rendered once."""
    tmp_path = tmp_path_factory.mktemp("report")
    db_url = f"sqlite:///{tmp_path / 'traces.db'}"
    spec = make_spec(dataset="math")
    levels = ["Level 1", "Level 2", "Level 1", "Level 3", "Level 2", "Level 1"]
    subjects = ["Algebra", "Counting", "Algebra", "Geometry", "Algebra", "Counting"]
    problems = [P(pid, q, a, lv, sj) for (pid, q, a), lv, sj in zip(SMALL, levels, subjects)]
    problems.append(P("h1", f"Add 3 and 4. {XSS}", "7", "Level 5", f"Pre{XSS}"))
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        runner.run_items(factory, info, spec, problems, execution(db_url, tmp_path, workers=2))
        with session_scope(factory) as s:
            add_trace(s, hostile_trace(info.id))
        data = load_report_data(factory, info.id)
    out = tmp_path / "report"
    write_report(data, out)
    return out, info.id


def test_report_content_and_escaping(report_dir):
    out, _ = report_dir
    index = (out / "index.html").read_text(encoding="utf-8")
    for heading in ("Accuracy per strategy", "Verification levels", "Confidence: precision and coverage",
                    "Accuracy by MATH level", "Accuracy by subject", "Tool calls", "Failure categories", "Latency",
                    "Attempts", "Strategies compared problem by problem"):
        assert f"<h2>{heading}</h2>" in index
    assert index.count("<svg") == 4 and "95% Wilson CI" in index
    assert "agent: precision and coverage by confidence threshold" in index
    assert "Content-Security-Policy" in index
    for category in ("wrong_answer", "sandbox_error", "parse_failure"):
        assert category in index
    pages = sorted((out / "traces").glob("*.html"))
    assert len(pages) == 7 * 3 + 1
    links = set(re.findall(r'href="traces/([0-9a-f]+)\.html"', index))
    assert links == {p.stem for p in pages}
    for page in [out / "index.html", *pages]:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<img" not in html.lower()
    hostile = [p.read_text(encoding="utf-8") for p in pages if "pwned" in p.read_text(encoding="utf-8")]
    assert len(hostile) >= 1 + 3  # the hand-made trace and the three attempts at h1
    assert any("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in h for h in hostile)
    calc_page = next(h for h in hostile if "print(&#x27;&lt;script&gt;" in h)
    assert "consensus" in calc_page and "Problem" in calc_page and "<h2>Derivations</h2>" in calc_page
    assert "invalid: rejected &lt;script&gt;" in calc_page and "0 (winner)" in calc_page
    # a readable trace of a real attempt: code and its output
    p1_pot = [p.read_text(encoding="utf-8") for p in pages]
    assert any("# add the numbers" in h and "print(18)" in h for h in p1_pot)


def test_an_item_stopped_at_the_executor_limit_is_recorded_as_a_timeout():
    """The row says which limit stopped it the way the agent runner says it: ``meta.limits_hit``."""
    from mathagent.eval.items import WorkItem, timed_out_item

    rows = []
    item = WorkItem("p1", "What is 1 plus 1?", "2", "pot", 0, {"level": 3})
    out = timed_out_item(item, make_spec(), "run1", 61.0, 60.0, lambda rec: rows.append(rec) or True)
    assert out.written and rows[0].status == "no_answer" and rows[0].correct is False
    meta = rows[0].meta
    assert meta == {"level": 3, "limits_hit": ["item_timeout"], "limits": {"item_timeout_s": 60.0}}
    assert classify({"correct": False, "status": "no_answer", "answer": None, "meta": meta}) == "timeout"


def test_failure_categories_and_percentile():
    base = {"correct": False, "status": "answered", "answer": None, "meta": {}, "tool_calls": [], "steps": []}
    assert classify({**base, "correct": True}) == "correct"
    assert classify({**base, "status": "error"}) == "llm_error"
    assert classify({**base, "answer": "3"}) == "wrong_answer"
    assert classify({**base, "answer": "3", "meta": {"grade": {"status": "parse_error"}}}) == "parse_failure"
    assert classify({**base, "tool_calls": [{"status": "timeout"}, {"status": "error"}]}) == "timeout"
    assert classify({**base, "tool_calls": [{"status": "signal"}]}) == "sandbox_error"
    assert classify({**base, "steps": [{"status": "no_code"}]}) == "parse_failure"
    assert classify(base) == "no_answer"
    assert classify({**base, "meta": {"limits_hit": ["item_timeout"]}}) == "timeout"  # the executor's limit
    assert classify({**base, "meta": {"limit_hit": {"item_timeout_s": 60.0}}}) == "timeout"  # rows stored before
    assert classify({**base, "meta": {"limits_hit": ["max_samples"]}}) == "no_answer"  # the agent's own bounds
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([], 90) is None and percentile([1, 9], 90) == 9
    assert safe_name("ab12") == "ab12" and re.fullmatch(r"[0-9a-f]{32}", safe_name("../../etc/passwd"))


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(browser: str, page: Path, png: Path, tmp: Path) -> None:
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1280,1800",
            f"--screenshot={png}", page.as_uri()]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("chromium did not finish the screenshot within 90 s")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert png.is_file(), err.decode("utf-8", "replace")[-2000:]


def png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_report_renders_in_headless_chromium(report_dir, tmp_path):
    browser = find_chromium()
    if browser is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install -y chromium)")
    out, _ = report_dir
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    screenshot(browser, out / "index.html", tmp_path / "report.png", tmp_path)
    screenshot(browser, blank, tmp_path / "blank.png", tmp_path)
    assert png_size(tmp_path / "report.png") == (1280, 1800)
    report_bytes = (tmp_path / "report.png").stat().st_size
    blank_bytes = (tmp_path / "blank.png").stat().st_size
    # text, tables and charts compress far worse than an empty white page
    assert report_bytes > 30_000 and report_bytes > 5 * blank_bytes, (report_bytes, blank_bytes)


def test_config_shows_what_a_run_stored_before_a_setting_existed_actually_used():
    config = make_spec().to_config()
    del config["prompts"]  # a run stored before --prompt existed used each method's default prompt
    del config["prefill"]  # ... and one stored before --prefill existed sent no reply start to a server
    shown = dict(config_items(config))
    assert shown["prompts"] == [] and shown["prefill"] == "none"
    assert [k for k, _ in config_items({"dataset": "gsm8k"})] == ["dataset"]  # not an eval spec: shown as stored
    # a run of the earlier agent shows its own settings, never today's defaults it did not use
    old = {**config, "schema": 1, "tie_break": True, "max_turns": 4}
    for key in ("max_samples", "sample_temperature"):
        del old[key]
    shown = dict(config_items(old))
    assert shown["tie_break"] is True and shown["max_turns"] == 4 and "max_samples" not in shown


def test_markdown_tables_come_from_the_rows(report_dir):
    out, run_id = report_dir
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith(f"## Run `{run_id}`: math, 8 problems")
    assert f"- `prompts_version`: `{PROMPTS_VERSION}`" in md and "- `strategies`:" in md
    assert "- `max_samples`: `12`" in md
    section = md.split("### Accuracy per strategy")[1].split("###")[0]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines() if line.startswith("| ")}
    # the fake model's known results on the small set (EXPECTED_CORRECT); h1 and the hand-made agent row are wrong
    assert rows["agent"].split(" | ")[1] == "5 / 8" and rows["cot"].split(" | ")[1] == "4 / 7"
    assert rows["pot"].split(" | ")[1] == "4 / 7"
    assert "| h1 | 7 | 8 ✗ (consensus) | 8 ✗ | 8 ✗ |" in md  # the agent's own level: a wrong consensus
    paired = md.split("### Strategies compared problem by problem")[1].split("###")[0]
    cells = {line.split(" | ")[0].lstrip("| "): [int(c) for c in line.split(" | ")[1:6]]
             for line in paired.splitlines() if line.startswith("| ") and " vs " in line and "A vs B" not in line}
    assert list(cells) == ["agent vs cot", "agent vs pot", "cot vs pot"]
    n, both, only_agent, only_cot, neither = cells["agent vs cot"]
    # the hand-made agent row has no cot partner: 7 common problems, agent right on 5 of them, cot on 4
    assert n == 7 and both + only_agent == 5 and both + only_cot == 4 and both + only_agent + only_cot + neither == 7
    assert "### Accuracy by MATH level" in md and "### Accuracy by subject" in md
    assert "| p1 | 18 | 18 ✓" in md
    assert "<script" not in md and "&lt;script&gt;" in md  # model output never becomes raw HTML


def test_levels_and_the_confidence_curve_come_from_the_agent_level_against_gold(report_dir):
    """The figures file, the HTML and the Markdown all state the same per-level counts, computed from the rows."""
    import json

    out, run_id = report_dir
    fig = json.loads((out / "levels.json").read_text(encoding="utf-8"))
    assert (fig["run_id"], fig["strategy"], fig["attempts"]) == (run_id, "agent", 8)
    with open_database(f"sqlite:///{out.parent / 'traces.db'}") as factory:
        data = load_report_data(factory, run_id)
    agent = [t for t in data.traces if t["strategy"] == "agent"]
    for level in ("formal", "consensus", "unverified"):
        mine = [t for t in agent if t["agent_level"] == level]
        m = fig["levels"][level]
        assert (m["n"], m["correct"], m["total"]) == (len(mine), sum(bool(t["correct"]) for t in mine), len(agent))
    assert fig["levels"]["consensus"]["n"] >= 4  # p1, p4, p6, h1 (a wrong consensus) and the hand-made row
    # the curve: each threshold covers the answered attempts with at least that confidence
    scored = [t for t in agent if t["answer"] and t["confidence"] is not None]
    for p in fig["curve"]:
        covered = [t for t in scored if t["confidence"] >= p["threshold"]]
        assert (p["n"], p["correct"]) == (len(covered), sum(bool(t["correct"]) for t in covered))
    assert [p["threshold"] for p in fig["curve"]] == sorted({t["confidence"] for t in scored})
    assert fig["threshold"] is None  # a wrong consensus at the top confidence: no threshold reaches 99%
    md = (out / "report.md").read_text(encoding="utf-8")
    m = fig["levels"]["consensus"]
    assert f"| agent | consensus | {m['n']} | {m['correct']} |" in md
    assert "### Confidence: precision and coverage (agent)" in md
    assert "No confidence threshold reaches precision 99%" in md
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "consensus or stronger" in index and "No confidence threshold reaches precision 99%" in index


def test_bench_verification_prints_the_same_figures_from_the_database(report_dir, tmp_path):
    import json
    import sys

    out, run_id = report_dir
    bench = Path(__file__).resolve().parents[2] / "bench" / "verification.py"
    db = f"sqlite:///{out.parent / 'traces.db'}"

    def run(*args):
        return subprocess.run([sys.executable, str(bench), *args], capture_output=True, text=True, timeout=300)

    fig = json.loads((out / "levels.json").read_text(encoding="utf-8"))
    as_json = run(run_id, "--db", db, "--json", "--out", str(tmp_path / "fig.json"))
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == fig == json.loads((tmp_path / "fig.json").read_text(encoding="utf-8"))
    text = run(run_id, "--db", db, "--target", "0.5")
    assert text.returncode == 0, text.stderr
    assert "agent level against gold" in text.stdout and "consensus or stronger" in text.stdout
    assert "Smallest confidence threshold reaching precision 50%" in text.stdout and "<- target" in text.stdout
    for args, needle in (((run_id, "--db", db, "--strategy", "magic"), "no rows of strategy 'magic'"),
                         (("nosuchrun", "--db", db), "no eval run"), ((run_id, "--db", db, "--target", "2"),
                                                                          "--target must be in [0, 1]")):
        bad = run(*args)
        assert bad.returncode != 0 and bad.stderr.startswith("error: ") and needle in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) <= 2
