"""Bad input that is already stored: rows no command may crash on, text no terminal may obey.

A trace database is input too.  Rows written by hand, by another tool or by an
older version can hold a ``created_at`` that is not a date, a ``config`` that
is not an object or not JSON at all, and any text a program printed: ESC
sequences that clear or retitle the terminal, C1 controls, bidi overrides.
Every command that reads such rows must finish (or fail cleanly) and show the
control characters instead of sending them to the terminal.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "datasets"))
from cli_helpers import run_cli  # noqa: E402
from trace_factories import pot_trace  # noqa: E402

from mathagent.cli.terminal import neutralise, safe  # noqa: E402

# what a stored program (or problem, or answer) may hold
HOSTILE = {
    "clear screen": "\x1b[2J\x1b[H",
    "retitle window": "\x1b]0;pwned\x07",
    "C1 CSI": "\x9b31m",
    "carriage return": "visible\roverwritten",
    "bidi override": "\u202eesrever",
    "backspaces": "secret\x08\x08\x08\x08\x08\x08",
    "OSC 52 clipboard": "\x1b]52;c;cHduZWQ=\x07",
}
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\r", "\u202e", "\x08")


def _seed(db: Path, run_config: str | None = None) -> tuple[str, str]:
    from mathagent.eval.runs import create_run
    from mathagent.traces.db import open_database
    from mathagent.traces.store import add_trace_once

    text = " ".join(HOSTILE.values())
    with open_database(f"sqlite:///{db}") as factory:
        run = create_run(factory, "gsm8k", {"strategies": ["agent"], "samples": 1})
        rec = pot_trace(f"What is 2+2? {text}", f"print(4)  # {text}", f"4 {text}", stdout=f"4 {text}\n",
                         run_id=run.id, dataset="gsm8k", problem_id=f"gsm8k/x/{HOSTILE['C1 CSI']}", strategy="agent",
                         gold="4")
        assert add_trace_once(factory, rec)
    if run_config is not None:
        con = sqlite3.connect(db)
        con.execute("UPDATE eval_runs SET config = ?", (run_config,))
        con.commit()
        con.close()
    return rec.id, run.id


def _out(proc) -> str:
    return proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")


@pytest.fixture
def hostile_db(tmp_path):
    db = tmp_path / "traces.db"
    trace_id, run_id = _seed(db)
    return db, trace_id, run_id


@pytest.mark.parametrize("args", [
    ["traces", "show", "{trace}"],
    ["traces", "list"],
    ["report", "{run}", "--markdown"],
    ["regrade", "{run}", "--dry-run"],
], ids=["traces-show", "traces-list", "report-markdown", "regrade"])
def test_stored_control_characters_are_shown_not_obeyed(hostile_db, args):
    db, trace_id, run_id = hostile_db
    proc = run_cli([a.format(trace=trace_id, run=run_id) for a in args] + ["--db", f"sqlite:///{db}"],
                   env={"COLUMNS": "400"})
    out = _out(proc)
    assert "Traceback" not in out and "internal error" not in out, out[-2000:]
    for ch in FORBIDDEN:
        assert ch not in out, (repr(ch), out[-2000:])


def test_traces_show_prints_the_escapes_visibly(hostile_db):
    db, trace_id, _ = hostile_db
    proc = run_cli(["traces", "show", trace_id, "--db", f"sqlite:///{db}"], env={"COLUMNS": "400"})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "\\x1b[2J" in out and "\\x1b]0;pwned\\x07" in out and "\\u202e" in out


def test_json_output_keeps_the_stored_text_exactly(hostile_db):
    db, trace_id, _ = hostile_db
    proc = run_cli(["traces", "show", trace_id, "--json", "--db", f"sqlite:///{db}"])
    assert proc.returncode == 0, proc.stderr
    assert HOSTILE["clear screen"] in json.loads(proc.stdout)["problem"]  # escaped by JSON itself on the wire
    assert b"\x1b" not in proc.stdout


def test_neutralise_keeps_newlines_tabs_and_text():
    assert neutralise("a\tb\nc é ∑ 😀") == "a\tb\nc é ∑ 😀"
    assert neutralise("\x1b[31mred\x9b") == "\\x1b[31mred\\x9b"
    assert neutralise("\u2066x\u2069\u2028") == "\\u2066x\\u2069\\u2028"
    assert safe({"k\x1b": ["\x07", 3, None]}) == {"k\\x1b": ["\\x07", 3, None]}


# -- rows that hold garbage ---------------------------------------------------------------------------

BROKEN_ROWS = {  # SQLite stores any value in any column
    "created-not-a-date": "UPDATE traces SET created_at = 'not a date'",
    "created-a-number": "UPDATE traces SET created_at = 12345",
    "run-created-garbage": "UPDATE eval_runs SET created_at = 'yesterday', finished_at = '31/02/2026'",
    "config-a-list": "UPDATE eval_runs SET config = '[1,2,3]'",
    "config-not-json": "UPDATE eval_runs SET config = '{not json'",
    "config-wrong-types": "UPDATE eval_runs SET config = '{\"samples\": \"many\", \"strategies\": \"agent\"}'",
    "meta-a-string": "UPDATE traces SET meta = '\"just text\"'",
    "messages-not-json": "UPDATE llm_calls SET messages = '[[['",
    "numbers-that-are-words": "UPDATE traces SET seconds = 'fast', prompt_tokens = 'many', sample_index = 'first'",
    "truth-values-that-are-words": "UPDATE traces SET verified = 'maybe', correct = 'perhaps'",
    "text-that-is-a-blob": "UPDATE traces SET problem = x'00ff41', answer = x'c3', model = 5",
    "step-fields": "UPDATE steps SET ms = 'slow', \"index\" = 'a', output = x'ff'",
    "tool-call-fields": "UPDATE tool_calls SET stdout = x'1b5b324a', ms = 'x', step_index = 2.5",
}


@pytest.mark.parametrize("sql", list(BROKEN_ROWS.values()), ids=list(BROKEN_ROWS))
def test_rows_with_garbage_do_not_crash_readers(tmp_path, sql):
    db = tmp_path / "traces.db"
    trace_id, run_id = _seed(db)
    con = sqlite3.connect(db)
    con.execute(sql)
    con.commit()
    con.close()
    url = f"sqlite:///{db}"
    for args in (["traces", "list"], ["traces", "list", "--json"], ["traces", "show", trace_id],
                 ["report", run_id, "--markdown"], ["report", run_id, "--out", str(tmp_path / "report")],
                 ["compare", f"{run_id}:agent", f"{run_id}:cot"], ["regrade", run_id, "--dry-run"],
                 ["export", "--format", "trl", "--out", str(tmp_path / "x.jsonl")]):
        proc = run_cli([*args, "--db", url])
        out = _out(proc)
        assert proc.returncode in (0, 1, 2), (args, out[-1500:])
        assert "Traceback" not in out and "internal error" not in out, (args, out[-1500:])
