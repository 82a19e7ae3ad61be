"""Bad input to every registered CLI command: a clean one-line error, nothing lost.

Every case runs ``mathagent`` in a fresh process and must give a non-zero exit
code, no traceback, no local variables, and on stderr one ``error: ...`` line
(optionally followed by one ``fix: ...`` line; ``warning: skipped record``
lines about a malformed dataset may come before it).  Each case gets its own
copy of a trace database that already holds one trace, and that trace must
still be there afterwards, whatever the command did.

Inputs: empty, huge (10 MB through stdin or a file: argv cannot carry 10 MB),
binary, invalid UTF-8 (argv bytes and file contents), wrong-type option
values, malformed dataset/.lean/corpus files, an unreachable PostgreSQL URL
(127.0.0.1 port 9), a read-only SQLite URI (``mode=ro``), and missing or
corrupt model files.  No case gets as far as loading a real model: model
cases fail on the file check or the pinned-hash check, and the only LLM that
any case can reach is an ``openai`` URL on a closed port.

The cases run concurrently (a few processes at a time) in one module fixture,
so the whole file takes well under a minute; each case is still its own test.
``bench/reliability.py`` counts them for docs/reliability.md.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cli_helpers import run_cli  # noqa: E402

from mathagent.cli import COMMAND_MODULES  # noqa: E402

HUGE = 10 * 1024 * 1024
BAD_UTF8 = os.fsdecode(b"caf\xe9 \xff\xfe")  # becomes these raw bytes again in argv
PG_UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/none"
CLOSED_LLM = ["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--llm-retries", "0",
              "--llm-timeout", "2"]
SEED_PROBLEM = "What is 2+2? (seeded before the bad input)"
CASE_TIMEOUT_S = 180
PARALLEL = 4


@dataclass(frozen=True)
class Case:
    """One bad input.  ``args`` may hold ``{name}`` placeholders for the files built in ``files``."""

    id: str
    command: str  # the top-level command (the module name in COMMAND_MODULES)
    kind: str  # empty | huge | binary | utf8 | type | file | db-unreachable | db-readonly | model
    args: tuple[str, ...]
    stdin: bytes | None = None
    needle: str = ""  # must appear in the error line
    env: tuple[tuple[str, str], ...] = ()


def C(id, command, kind, *args, stdin=None, needle="", env=()):  # noqa: N802 - a table row
    return Case(id, command, kind, tuple(args), stdin, needle, tuple(env))


CASES = [
    # -- solve ---------------------------------------------------------------------------------------
    C("solve-empty", "solve", "empty", "solve", "", needle="empty"),
    C("solve-huge-stdin", "solve", "huge", "solve", "-", stdin=b"a" * HUGE, needle="larger than"),
    C("solve-huge-arg", "solve", "huge", "solve", "x" * 120_000, needle="too long"),
    C("solve-binary-stdin", "solve", "binary", "solve", "-", stdin=bytes(range(256)) * 4),
    C("solve-utf8-arg", "solve", "utf8", "solve", BAD_UTF8, needle="UTF-8"),
    C("solve-utf8-stdin", "solve", "utf8", "solve", "-", stdin=b"caf\xe9 \xff", needle="UTF-8"),
    C("solve-type-max-samples", "solve", "type", "solve", "2+2", "--max-samples", "abc", needle="--max-samples"),
    C("solve-db-unreachable", "solve", "db-unreachable", "solve", "2+2", "--db", PG_UNREACHABLE, *CLOSED_LLM,
      needle="database"),
    C("solve-db-readonly", "solve", "db-readonly", "solve", "2+2", "--db", "{ro}", *CLOSED_LLM),
    C("solve-model-missing", "solve", "model", "solve", "2+2", "--model", "{missing}.gguf", needle="not found"),
    C("solve-model-hash-mismatch", "solve", "model", "solve", "2+2", needle="corrupt",
      env=(("XDG_CACHE_HOME", "{fake_cache}"),)),
    # -- calc ----------------------------------------------------------------------------------------
    C("calc-empty", "calc", "empty", "calc", "", needle="empty"),
    C("calc-empty-file", "calc", "empty", "calc", "--file", "{empty}", needle="empty"),
    C("calc-huge-file", "calc", "huge", "calc", "--file", "{huge_text}", needle="larger than"),
    C("calc-huge-stdin", "calc", "huge", "calc", "-", stdin=b"1\n" * (HUGE // 2), needle="larger than"),
    C("calc-binary-file", "calc", "binary", "calc", "--file", "{bin}", needle="UTF-8"),
    C("calc-utf8-stdin", "calc", "utf8", "calc", "-", stdin=b"print('\xff')", needle="UTF-8"),
    C("calc-utf8-arg", "calc", "utf8", "calc", BAD_UTF8, needle="UTF-8"),
    C("calc-dir-as-file", "calc", "file", "calc", "--file", "{dir}", needle="cannot read"),
    C("calc-type-timeout", "calc", "type", "calc", "print(1)", "--timeout", "soon", needle="--timeout"),
    # -- doctor --------------------------------------------------------------------------------------
    C("doctor-type-extra-arg", "doctor", "type", "doctor", "--json", "yes", needle="unexpected extra argument"),
    C("doctor-unknown-option", "doctor", "type", "doctor", "--frobnicate", needle="--frobnicate"),
    # -- prompts -------------------------------------------------------------------------------------
    C("prompts-type-extra-arg", "prompts", "type", "prompts", "--json", "yes", needle="unexpected extra argument"),
    C("prompts-unknown-option", "prompts", "type", "prompts", "--frobnicate", needle="--frobnicate"),
    # -- traces --------------------------------------------------------------------------------------
    C("traces-show-empty", "traces", "empty", "traces", "show", "", needle="no trace"),
    C("traces-show-huge", "traces", "huge", "traces", "show", "f" * 120_000, needle="not a trace id"),
    C("traces-show-utf8", "traces", "utf8", "traces", "show", BAD_UTF8, needle="UTF-8"),
    C("traces-show-binary", "traces", "binary", "traces", "show", "\x01\x02\x7f\x1b[31m"),
    C("traces-list-type", "traces", "type", "traces", "list", "--limit", "many", needle="--limit"),
    C("traces-list-db-unreachable", "traces", "db-unreachable", "traces", "list", "--db", PG_UNREACHABLE,
      needle="database"),
    C("traces-list-db-missing-ro", "traces", "db-readonly", "traces", "list", "--db", "{ro_missing}",
      needle="database"),
    C("traces-list-db-binary", "traces", "file", "traces", "list", "--db", "sqlite:///{bin}", needle="database"),
    # -- db ------------------------------------------------------------------------------------------
    C("db-upgrade-readonly-empty", "db", "db-readonly", "db", "upgrade", "--db", "{ro_empty}", needle="database"),
    C("db-current-unreachable", "db", "db-unreachable", "db", "current", "--db", PG_UNREACHABLE, needle="database"),
    C("db-current-bad-url", "db", "db-unreachable", "db", "current", "--db", "mysql+nodriver://x/y",
      needle="database"),
    C("db-type-extra-arg", "db", "type", "db", "upgrade", "now", needle="unexpected extra argument"),
    C("db-upgrade-binary-file", "db", "file", "db", "upgrade", "--db", "sqlite:///{bin}", needle="database"),
    # -- prove ---------------------------------------------------------------------------------------
    C("prove-empty-statement", "prove", "empty", "prove", "--statement", "", needle="empty"),
    C("prove-empty-file", "prove", "empty", "prove", "{empty}", needle="empty"),
    C("prove-huge-file", "prove", "huge", "prove", "{huge_lean}", needle="larger than"),
    C("prove-binary-file", "prove", "binary", "prove", "{bin}", needle="UTF-8"),
    C("prove-utf8-file", "prove", "utf8", "prove", "{badutf8}", needle="UTF-8"),
    C("prove-utf8-arg", "prove", "utf8", "prove", "--statement", BAD_UTF8, needle="UTF-8"),
    C("prove-missing-file", "prove", "file", "prove", "{missing}.lean", needle="cannot read"),
    C("prove-type-timeout", "prove", "type", "prove", "--statement", "theorem t : 1 = 1", "--timeout", "x",
      needle="--timeout"),
    C("prove-unknown-backend", "prove", "type", "prove", "--statement", "theorem t : 1 = 1", "--backend", "coq",
      needle="backend"),
    # -- audit ---------------------------------------------------------------------------------------
    C("audit-missing", "audit", "file", "audit", "minif2f", "--data", "{missing}"),
    C("audit-empty-file", "audit", "empty", "audit", "minif2f", "--data", "{empty_jsonl}"),
    C("audit-broken-jsonl", "audit", "file", "audit", "minif2f", "--data", "{broken_jsonl}"),
    C("audit-binary", "audit", "binary", "audit", "minif2f", "--data", "{bin_jsonl}"),
    C("audit-utf8", "audit", "utf8", "audit", "minif2f", "--data", "{badutf8_jsonl}"),
    C("audit-huge", "audit", "huge", "audit", "minif2f", "--data", "{huge_jsonl}"),
    C("audit-garbage-lean-dir", "audit", "file", "audit", "minif2f", "--data", "{garbage_lean_dir}"),
    C("audit-type-limit", "audit", "type", "audit", "minif2f", "--data", "{missing}", "--limit", "-1",
      needle="--limit"),
    # -- premises ------------------------------------------------------------------------------------
    C("premises-index-missing", "premises", "file", "premises", "index", "{missing}", "--out", "{out}"),
    C("premises-index-file", "premises", "file", "premises", "index", "{bin}", "--out", "{out}"),
    C("premises-index-unwritable-out", "premises", "file", "premises", "index", "{garbage_lean_dir}",
      "--out", "{dir}"),
    C("premises-search-missing-corpus", "premises", "file", "premises", "search", "x", "--corpus", "{missing}"),
    C("premises-search-broken-corpus", "premises", "file", "premises", "search", "x", "--corpus", "{broken_jsonl}"),
    C("premises-search-binary-corpus", "premises", "binary", "premises", "search", "x", "--corpus", "{bin}"),
    C("premises-search-empty-corpus", "premises", "empty", "premises", "search", "x", "--corpus", "{empty}",
      needle="no premises"),
    C("premises-search-huge-corpus", "premises", "huge", "premises", "search", "x", "--corpus", "{huge_jsonl}"),
    C("premises-search-type-k", "premises", "type", "premises", "search", "x", "--k", "0", needle="--k"),
    # -- eval (if registered) ------------------------------------------------------------------------
    C("eval-unknown-dataset", "eval", "type", "eval", "imagenet", "--data", "{gsm8k}", needle="dataset"),
    C("eval-missing-data", "eval", "file", "eval", "gsm8k", "--data", "{missing}", *CLOSED_LLM, needle="not found"),
    C("eval-empty-data", "eval", "empty", "eval", "gsm8k", "--data", "{empty_jsonl}", *CLOSED_LLM),
    C("eval-broken-jsonl", "eval", "file", "eval", "gsm8k", "--data", "{broken_jsonl}", *CLOSED_LLM),
    C("eval-binary-data", "eval", "binary", "eval", "gsm8k", "--data", "{bin_jsonl}", *CLOSED_LLM),
    C("eval-utf8-data", "eval", "utf8", "eval", "gsm8k", "--data", "{badutf8_jsonl}", *CLOSED_LLM),
    C("eval-huge-data", "eval", "huge", "eval", "gsm8k", "--data", "{huge_jsonl}", *CLOSED_LLM),
    C("eval-type-workers", "eval", "type", "eval", "gsm8k", "--data", "{gsm8k}", "--workers", "0",
      needle="--workers"),
    C("eval-order-unknown", "eval", "type", "eval", "gsm8k", "--data", "{gsm8k}", "--order", "random", *CLOSED_LLM,
      needle="unknown order"),
    C("eval-level-out-of-range", "eval", "type", "eval", "math", "--data", "{gsm8k}", "--level", "0-9", *CLOSED_LLM,
      needle="levels are 1 to 5"),
    C("eval-resume-unknown", "eval", "type", "eval", "gsm8k", "--resume", "nosuchrun", *CLOSED_LLM),
    C("eval-db-unreachable", "eval", "db-unreachable", "eval", "gsm8k", "--data", "{gsm8k}", "--db",
      PG_UNREACHABLE, *CLOSED_LLM, needle="database"),
    C("eval-db-readonly", "eval", "db-readonly", "eval", "gsm8k", "--data", "{gsm8k}", "--db", "{ro}", *CLOSED_LLM),
    C("eval-model-missing", "eval", "model", "eval", "gsm8k", "--data", "{gsm8k}", "--model", "{missing}.gguf",
      needle="not found"),
    # -- report (if registered) ----------------------------------------------------------------------
    C("report-empty-id", "report", "empty", "report", "", "--out", "{out}"),
    C("report-unknown-run", "report", "type", "report", "nosuchrun", "--out", "{out}"),
    C("report-utf8-id", "report", "utf8", "report", BAD_UTF8, "--out", "{out}", needle="UTF-8"),
    C("report-out-is-file", "report", "file", "report", "nosuchrun", "--out", "{bin}"),
    C("report-target-out-of-range", "report", "type", "report", "r", "--target-precision", "2", "--out", "{out}",
      needle="--target-precision"),
    C("report-db-unreachable", "report", "db-unreachable", "report", "r", "--db", PG_UNREACHABLE, "--out", "{out}",
      needle="database"),
    # -- regrade (if registered) ---------------------------------------------------------------------
    C("regrade-empty-id", "regrade", "empty", "regrade", ""),
    C("regrade-unknown-run", "regrade", "type", "regrade", "nosuchrun", needle="no eval run"),
    C("regrade-utf8-id", "regrade", "utf8", "regrade", BAD_UTF8, needle="UTF-8"),
    C("regrade-db-unreachable", "regrade", "db-unreachable", "regrade", "r", "--db", PG_UNREACHABLE,
      needle="database"),
    # -- grade ---------------------------------------------------------------------------------------
    C("grade-empty-prediction", "grade", "empty", "grade", "", "5", needle="empty"),
    C("grade-empty-gold", "grade", "empty", "grade", "5", "  ", needle="empty"),
    C("grade-huge-stdin", "grade", "huge", "grade", "-", "5", stdin=b"1" * HUGE, needle="larger than"),
    C("grade-huge-arg", "grade", "huge", "grade", "1" * 120_000, "5", needle="longer than"),
    C("grade-binary-stdin", "grade", "binary", "grade", "-", "5", stdin=bytes(range(256)) * 4, needle="UTF-8"),
    C("grade-nul-stdin", "grade", "binary", "grade", "5", "-", stdin=b"5\x00", needle="NUL"),
    C("grade-utf8-arg", "grade", "utf8", "grade", BAD_UTF8, "5", needle="UTF-8"),
    C("grade-utf8-stdin", "grade", "utf8", "grade", "5", "-", stdin=b"caf\xe9 \xff", needle="UTF-8"),
    C("grade-type-gold-format", "grade", "type", "grade", "5", "5", "--gold-format", "tex", needle="--gold-format"),
    C("grade-type-timeout", "grade", "type", "grade", "5", "5", "--timeout", "soon", needle="--timeout"),
    C("grade-gold-without-box", "grade", "type", "grade", "5", "five", "--gold-format", "math", needle="boxed"),
    C("grade-both-stdin", "grade", "type", "grade", "-", "-", stdin=b"5", needle="stdin"),
    # -- compare (if registered) ---------------------------------------------------------------------
    C("compare-empty-id", "compare", "empty", "compare", "", "r2", needle="no run id"),
    C("compare-unknown-run", "compare", "type", "compare", "nosuchrun", "r2", needle="no eval run"),
    C("compare-utf8-id", "compare", "utf8", "compare", BAD_UTF8, "r2", needle="UTF-8"),
    C("compare-db-unreachable", "compare", "db-unreachable", "compare", "r1", "r2", "--db", PG_UNREACHABLE,
      needle="database"),
    # -- export (if registered) ----------------------------------------------------------------------
    C("export-unknown-format", "export", "type", "export", "--format", "xlsx", "--out", "{out}"),
    C("export-bad-date", "export", "type", "export", "--format", "trl", "--out", "{out}", "--since", "yesterday"),
    C("export-type-level", "export", "type", "export", "--format", "trl", "--out", "{out}", "--level", "nine",
      needle="--level"),
    C("export-exclude-missing", "export", "file", "export", "--format", "trl", "--out", "{out}",
      "--exclude", "{missing}"),
    C("export-exclude-binary", "export", "binary", "export", "--format", "trl", "--out", "{out}",
      "--exclude", "{bin}", needle="exclude file"),
    C("export-exclude-binary-jsonl", "export", "binary", "export", "--format", "trl", "--out", "{out}",
      "--exclude", "{bin_jsonl}", needle="exclude file"),
    C("export-db-unreachable", "export", "db-unreachable", "export", "--format", "trl", "--out", "{out}",
      "--db", PG_UNREACHABLE, needle="database"),
    C("export-min-level-unknown", "export", "type", "export", "--format", "trl", "--out", "{out}", "--min-level",
      "platinum", needle="--min-level"),
    C("export-precision-file-missing", "export", "file", "export", "--format", "trl", "--out", "{out}",
      "--precision-file", "{missing}", needle="figures file"),
    C("export-precision-file-binary", "export", "binary", "export", "--format", "trl", "--out", "{out}",
      "--precision-file", "{bin}", needle="figures file"),
    # -- synth (if registered) -----------------------------------------------------------------------
    C("synth-type-variants", "synth", "type", "synth", "--from", "{gsm8k}", "--out", "{out}", "--variants", "lots",
      needle="--variants"),
    C("synth-missing-data", "synth", "file", "synth", "--from", "{missing}", "--out", "{out}", needle="not found"),
    C("synth-empty-data", "synth", "empty", "synth", "--from", "{empty_jsonl}", "--out", "{out}"),
    C("synth-binary-data", "synth", "binary", "synth", "--from", "{bin_jsonl}", "--out", "{out}"),
    C("synth-utf8-data", "synth", "utf8", "synth", "--from", "{badutf8_jsonl}", "--out", "{out}"),
    C("synth-out-is-dir", "synth", "file", "synth", "--from", "{gsm8k}", "--out", "{dir}", needle="folder"),
    C("synth-db-unreachable", "synth", "db-unreachable", "synth", "--from", "{gsm8k}", "--out", "{out}", "--db",
      PG_UNREACHABLE, *CLOSED_LLM, needle="database"),
    C("synth-llm-down", "synth", "type", "synth", "--from", "{gsm8k}", "--out", "{out}", *CLOSED_LLM,
      needle="LLM"),
    C("synth-model-missing", "synth", "model", "synth", "--from", "{gsm8k}", "--out", "{out}", "--model",
      "{missing}.gguf", needle="not found"),
]


def registered_commands() -> set[str]:
    """Command names whose module is listed in COMMAND_MODULES and exists in this checkout."""
    return {m.rsplit(".", 1)[1] for m in COMMAND_MODULES if importlib.util.find_spec(m) is not None}


ACTIVE = [c for c in CASES if c.command in registered_commands()]


# -- the files the cases point at -------------------------------------------------------------------


def _seed_database(path: Path) -> str:
    from mathagent.traces.db import open_database
    from mathagent.traces.records import TraceRecord
    from mathagent.traces.store import add_trace_once

    rec = TraceRecord(problem=SEED_PROBLEM, model="seed", backend="local", status="answered", answer="4",
                      verified=True, level="consensus", agent_level="consensus", confidence=0.95)
    with open_database(f"sqlite:///{path}") as factory:
        assert add_trace_once(factory, rec)
    return rec.id


def _build_files(root: Path) -> dict[str, Path]:
    rng = bytes((i * 7919 + 13) % 256 for i in range(4096))
    files = {
        "empty": root / "empty.txt", "empty_jsonl": root / "empty.jsonl", "bin": root / "blob.bin",
        "bin_jsonl": root / "blob.jsonl", "badutf8": root / "bad.lean", "badutf8_jsonl": root / "bad.jsonl",
        "broken_jsonl": root / "broken.jsonl", "huge_text": root / "huge.py", "huge_lean": root / "huge.lean",
        "huge_jsonl": root / "huge.jsonl", "gsm8k": root / "gsm8k.jsonl", "dir": root / "a_folder",
        "garbage_lean_dir": root / "garbage_lean",
    }
    files["empty"].write_bytes(b"")
    files["empty_jsonl"].write_bytes(b"")
    files["bin"].write_bytes(b"\x00\x01GGUX" + rng)
    files["bin_jsonl"].write_bytes(rng)
    files["badutf8"].write_bytes(b"theorem caf\xe9 (x : \xff) : x = x := by sorry\n")
    files["badutf8_jsonl"].write_bytes(b'{"question": "caf\xe9 \xff", "answer": "#### 1"}\n' * 3)
    files["broken_jsonl"].write_text('{"question": "no end\n[1, 2\n"just a string"\n{}\n{"answer": 3}\nnull\n',
                                     encoding="utf-8")
    files["huge_text"].write_bytes(b"x = 1\n" * (HUGE // 6 + 1))
    files["huge_lean"].write_bytes(b"theorem t (x : \xe2\x84\x9d) : x = x := by sorry\n" * (HUGE // 40 + 1))
    files["huge_jsonl"].write_bytes((b'{"q": "' + b"z" * 1000 + b'"\n') * (HUGE // 1008 + 1))
    files["gsm8k"].write_text('{"question": "Tom has 12 apples and buys 6 more. How many?", '
                              '"answer": "12 + 6 = 18\\n#### 18"}\n', encoding="utf-8")
    files["dir"].mkdir()
    files["garbage_lean_dir"].mkdir()
    (files["garbage_lean_dir"] / "Junk.lean").write_bytes(b"\x00\x01 theorem ((( := := by \xff\n" + rng)
    (files["garbage_lean_dir"] / "Junk2.lean").write_text("lemma lemma lemma : : : ⟨⟨⟨ /- unterminated", "utf-8")
    # an embedded-model cache whose file does not match the pinned SHA-256
    from mathagent.agent.models import DEFAULT_MODEL

    fake_cache = root / "cache"
    model = fake_cache / "mathagent" / "models" / f"{DEFAULT_MODEL.name}.gguf"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"GGUF" + b"\x00" * 4096)
    files["fake_cache"] = fake_cache
    return files


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_input")
    seed = root / "seed.db"
    trace_id = _seed_database(seed)
    return {"root": root, "seed": seed, "trace_id": trace_id, "files": _build_files(root)}


@dataclass
class Outcome:
    case: Case
    returncode: int
    stdout: str
    stderr: str
    db: Path


def _run_case(case: Case, world: dict) -> Outcome:
    work = world["root"] / "cases" / case.id
    work.mkdir(parents=True)
    db = work / "traces.db"
    shutil.copyfile(world["seed"], db)
    ro_empty = work / "ro_empty.db"
    ro_empty.write_bytes(b"")
    names = {k: str(v) for k, v in world["files"].items()}
    names.update(
        ro=f"sqlite:///file:{db}?mode=ro&uri=true",
        ro_empty=f"sqlite:///file:{ro_empty}?mode=ro&uri=true",
        ro_missing=f"sqlite:///file:{work / 'absent.db'}?mode=ro&uri=true",
        missing=str(work / "does_not_exist"), out=str(work / "out"),
    )
    fill = lambda s: s.format(**names) if "{" in s else s  # noqa: E731
    env = {"MATHAGENT_DB_URL": f"sqlite:///{db}", "XDG_DATA_HOME": str(work / "data"),
           "XDG_CACHE_HOME": str(work / "cache")}
    env.update({k: fill(v) for k, v in case.env})
    proc = run_cli([fill(a) for a in case.args], stdin=case.stdin, env=env, timeout=CASE_TIMEOUT_S, cwd=str(work))
    return Outcome(case, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                   proc.stderr.decode("utf-8", "replace"), db)


@pytest.fixture(scope="module")
def outcomes(request, world) -> dict[str, Outcome]:
    """Run the selected cases, a few at a time (each is a separate process)."""
    selected = [item.callspec.params["case"] for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec") and "case" in item.callspec.params]
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = list(pool.map(lambda c: _run_case(c, world), selected))
    return {o.case.id: o for o in done}


def clean_error_problems(o: Outcome) -> list[str]:
    """Why ``o`` is not a clean error (empty when it is).  Shared with bench/reliability.py's wording."""
    problems = []
    if o.returncode == 0:
        problems.append("exit code 0")
    if o.returncode < 0:
        problems.append(f"killed by signal {-o.returncode}")
    both = o.stdout + o.stderr
    if "Traceback" in both:
        problems.append("a traceback")
    if "locals" in o.stderr or "╭" in o.stderr or "│" in o.stderr:
        problems.append("a rich panel or local variables")
    lines = [ln for ln in o.stderr.splitlines() if ln.strip() and not ln.startswith("warning: ")]
    if not lines or not lines[0].startswith("error: "):
        problems.append("stderr does not start with 'error: '")
    elif len(lines) > 2 or (len(lines) == 2 and not lines[1].startswith("fix: ")):
        problems.append(f"{len(lines)} lines instead of error + fix")
    elif o.case.needle and o.case.needle.lower() not in lines[0].lower():
        problems.append(f"the error does not mention {o.case.needle!r}")
    if "internal error" in o.stderr:
        problems.append("an internal error")
    return problems


def seeded_trace_present(db: Path, trace_id: str) -> bool:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM traces WHERE id = ?", (trace_id,)).fetchone()[0] == 1
    finally:
        con.close()


@pytest.mark.parametrize("case", ACTIVE, ids=[c.id for c in ACTIVE])
def test_bad_input_gives_a_clean_error(case, outcomes, world):
    o = outcomes[case.id]
    assert not clean_error_problems(o), (clean_error_problems(o), o.returncode, o.stderr[-2000:], o.stdout[-500:])
    assert seeded_trace_present(o.db, world["trace_id"]), "the trace stored before the failing command is gone"


def test_every_registered_command_has_bad_input_cases():
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    covered = {c.command for c in CASES}
    assert registered_commands() <= covered, f"commands without bad-input cases: {registered_commands() - covered}"
    for command in registered_commands():
        kinds = {c.kind for c in CASES if c.command == command}
        assert "type" in kinds, f"{command}: no wrong-type argument case"
