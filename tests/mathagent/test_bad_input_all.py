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
import re
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cli_helpers import MATHAGENT, run_cli  # noqa: E402

from mathagent.cli import COMMAND_MODULES  # noqa: E402

HUGE = 10 * 1024 * 1024
BAD_UTF8 = os.fsdecode(b"caf\xe9 \xff\xfe")  # becomes these raw bytes again in argv
PG_UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/none"
CLOSED_LLM = ["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--llm-retries", "0",
              "--llm-timeout", "2"]
SEED_PROBLEM = "What is 2+2? (seeded before the bad input)"
CASE_TIMEOUT_S = float(os.environ.get("MATHAGENT_TEST_CASE_TIMEOUT", "180"))  # raise it on a crowded machine
PARALLEL = 4


@dataclass(frozen=True)
class Case:
    """One bad input.  ``args`` may hold ``{name}`` placeholders for the files built in ``files``."""

    id: str
    command: str  # the top-level command (the module name in COMMAND_MODULES)
    # empty | huge | binary | utf8 | type | file | db-unreachable | db-readonly | model, and (round two)
    # special (a FIFO, a device, a folder where a file is read) | data-loss (an output that is an input, the
    # database or a special file) | json (oversized numbers, deep nesting, lone surrogates, wrong field types)
    # | db-url | invisible | stdout (a full disk), and (round three) stream (stdin or stdout closed) | db-foreign
    # (another application's database, an empty file: never written, never migrated) | declarations (a statement
    # holding more than one) | no-folder (a failed command creates no output folder)
    kind: str
    args: tuple[str, ...]
    stdin: bytes | None = None
    needle: str = ""  # must appear in the error line
    env: tuple[tuple[str, str], ...] = ()
    # round two: files given as {own_<name>} are the case's own copies of world file <name>, which must be
    # unchanged afterwards (a FIFO still a FIFO); `absent` paths must not exist afterwards; `within_s` bounds
    # the run time; stdout="full" sends stdout to /dev/full
    absent: tuple[str, ...] = ()
    within_s: float | None = None
    stdout: str = ""
    # round three: standard descriptors the command starts without (0: stdin, 1: stdout), and the exit code
    # the case must give (None: any non-zero one)
    closed: tuple[int, ...] = ()
    exit_code: int | None = None


def C(id, command, kind, *args, stdin=None, needle="", env=(), absent=(), within_s=None,  # noqa: N802 - a table row
      stdout="", closed=(), exit_code=None):
    return Case(id, command, kind, tuple(args), stdin, needle, tuple(env), tuple(absent), within_s, stdout,
                tuple(closed), exit_code)


CASES = [
    # -- solve ---------------------------------------------------------------------------------------
    C("solve-empty", "solve", "empty", "solve", "", needle="empty"),
    C("solve-huge-stdin", "solve", "huge", "solve", "-", stdin=b"a" * HUGE, needle="larger than"),
    C("solve-huge-arg", "solve", "huge", "solve", "x" * 120_000, needle="too long"),
    C("solve-binary-stdin", "solve", "binary", "solve", "-", stdin=bytes(range(256)) * 4),
    C("solve-utf8-arg", "solve", "utf8", "solve", BAD_UTF8, needle="UTF-8"),
    C("solve-utf8-stdin", "solve", "utf8", "solve", "-", stdin=b"caf\xe9 \xff", needle="UTF-8"),
    C("solve-type-max-samples", "solve", "type", "solve", "2+2", "--max-samples", "abc", needle="--max-samples"),
    C("solve-prefill-unknown", "solve", "type", "solve", "2+2", *CLOSED_LLM, "--prefill", "assistant",
      needle="--prefill"),
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
    C("eval-prefill-unknown", "eval", "type", "eval", "gsm8k", "--data", "{gsm8k}", "--prefill", "prefix-me",
      *CLOSED_LLM, needle="--prefill"),
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
    C("synth-prefill-unknown", "synth", "type", "synth", "--from", "{gsm8k}", "--out", "{out}", "--prefill",
      "Continue", *CLOSED_LLM, needle="--prefill"),
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
    # == round two (issue 16) ==========================================================================
    # -- special files read as input: a FIFO would block forever, a device never ends, a folder is no file
    C("calc-fifo-file", "calc", "special", "calc", "--file", "{fifo}", needle="FIFO", within_s=20),
    C("calc-dev-zero", "calc", "special", "calc", "--file", "/dev/zero", needle="character device", within_s=20),
    C("prove-fifo-file", "prove", "special", "prove", "{fifo}", needle="FIFO", within_s=20),
    C("audit-dev-zero", "audit", "special", "audit", "minif2f", "--data", "/dev/zero", needle="character device",
      within_s=20),
    C("audit-fifo", "audit", "special", "audit", "minif2f", "--data", "{fifo}", needle="FIFO", within_s=20),
    C("audit-dir-named-lean", "audit", "special", "audit", "minif2f", "--data", "{lean_dir_of_dirs}",
      needle="no .lean files"),
    C("premises-search-fifo-corpus", "premises", "special", "premises", "search", "x", "--corpus", "{fifo}",
      needle="FIFO", within_s=20),
    C("premises-index-fifo-source", "premises", "special", "premises", "index", "{lean_project_fifo}", "--out",
      "{out}", needle="no .lean files", within_s=20),
    C("export-exclude-folder", "export", "special", "export", "--format", "trl", "--out", "{out}", "--exclude",
      "{dir}", needle="folder"),
    C("export-exclude-fifo", "export", "special", "export", "--format", "trl", "--out", "{out}", "--exclude",
      "{fifo}", needle="FIFO", within_s=20),
    C("eval-data-fifo", "eval", "special", "eval", "gsm8k", "--data", "{fifo}", *CLOSED_LLM, within_s=20),
    C("eval-data-dev-zero", "eval", "special", "eval", "gsm8k", "--data", "/dev/zero", *CLOSED_LLM, within_s=20),
    C("synth-from-fifo", "synth", "special", "synth", "--from", "{fifo}", "--out", "{out}", within_s=20),
    C("traces-db-is-folder", "traces", "special", "traces", "list", "--db", "sqlite:///{dir}", needle="folder"),
    C("traces-db-is-fifo", "traces", "special", "traces", "list", "--db", "sqlite:///{fifo}", needle="FIFO",
      within_s=20),
    # -- outputs that would destroy what the command reads (or replace a special file)
    C("export-out-is-the-db", "export", "data-loss", "export", "--format", "openai-chat", "--out", "{db}",
      "--db", "sqlite:///{db}", needle="trace database"),
    C("export-out-is-the-db-wal", "export", "data-loss", "export", "--format", "trl", "--out", "{db}-wal",
      "--db", "sqlite:///{db}", needle="trace database"),
    C("export-out-is-the-exclude", "export", "data-loss", "export", "--format", "trl", "--out", "{own_gsm8k}",
      "--exclude", "{own_gsm8k}", needle="overwrite"),
    C("export-out-is-a-fifo", "export", "data-loss", "export", "--format", "trl", "--out", "{own_fifo}",
      needle="FIFO", within_s=20),
    C("export-out-links-to-a-fifo", "export", "data-loss", "export", "--format", "trl", "--out",
      "{own_fifo_link}", needle="FIFO", within_s=20),
    C("export-out-is-a-char-device", "export", "data-loss", "export", "--format", "trl", "--out",
      "{own_chardev}", needle="device"),
    C("export-out-is-a-socket", "export", "data-loss", "export", "--format", "trl", "--out", "{own_socket}",
      needle="socket"),
    C("synth-out-is-the-db", "synth", "data-loss", "synth", "--from", "{gsm8k}", "--out", "{db}", *CLOSED_LLM,
      needle="trace database"),
    C("synth-samples-file-is-from", "synth", "data-loss", "synth", "--from", "{own_gsm8k}", "--out", "{out}",
      "--samples-file", "{own_gsm8k}", *CLOSED_LLM, needle="overwrite"),
    C("synth-out-is-a-fifo", "synth", "data-loss", "synth", "--from", "{gsm8k}", "--out", "{own_fifo}",
      *CLOSED_LLM, needle="FIFO", within_s=20),
    C("synth-out-trailing-slash", "synth", "data-loss", "synth", "--from", "{gsm8k}", "--out", "{out}/",
      *CLOSED_LLM, needle="folder", absent=("{out}",)),
    C("premises-out-is-a-source", "premises", "data-loss", "premises", "index", "{own_lean_project}", "--out",
      "{own_lean_project}/A.lean", needle="overwrite"),
    C("premises-out-is-a-fifo", "premises", "data-loss", "premises", "index", "{lean_project}", "--out",
      "{own_fifo}", needle="FIFO", within_s=20),
    C("report-out-file-is-a-fifo", "report", "data-loss", "report", "nosuchrun", "--out", "{own_fifo}",
      needle="not a folder", within_s=20),
    # -- JSON a reader must not have to hold: numbers past 4,300 digits, 100,000 levels, lone surrogates, types
    C("audit-huge-number", "audit", "json", "audit", "minif2f", "--data", "{bignum_minif2f}", needle="number"),
    C("audit-deep-nesting", "audit", "json", "audit", "minif2f", "--data", "{deep_jsonl}", needle="nested"),
    C("audit-lone-surrogate", "audit", "json", "audit", "minif2f", "--data", "{surrogate_minif2f}",
      needle="surrogate"),
    C("premises-huge-number", "premises", "json", "premises", "search", "x", "--corpus", "{bignum_corpus}",
      needle="number"),
    C("premises-deep-nesting", "premises", "json", "premises", "search", "x", "--corpus", "{deep_jsonl}",
      needle="nested"),
    C("premises-field-type", "premises", "json", "premises", "search", "x", "--corpus", "{badtype_corpus}",
      needle="must be"),
    C("premises-premise-type", "premises", "json", "premises", "search", "x", "--corpus", "{badtype2_corpus}",
      needle="must be"),
    C("export-exclude-huge-number", "export", "json", "export", "--format", "trl", "--out", "{out}", "--exclude",
      "{bignum_jsonl}", needle="number"),
    C("export-exclude-deep-nesting", "export", "json", "export", "--format", "trl", "--out", "{out}", "--exclude",
      "{deep_jsonl}", needle="nested"),
    C("export-exclude-lone-surrogate", "export", "json", "export", "--format", "trl", "--out", "{out}",
      "--exclude", "{surrogate_jsonl}", needle="surrogate"),
    C("eval-lone-surrogate", "eval", "json", "eval", "gsm8k", "--data", "{surrogate_jsonl}", *CLOSED_LLM,
      needle="no usable problems"),
    C("eval-huge-number", "eval", "json", "eval", "gsm8k", "--data", "{bignum_jsonl}", *CLOSED_LLM,
      needle="no usable problems"),
    C("synth-deep-nesting", "synth", "json", "synth", "--from", "{deep_jsonl}", "--out", "{out}", *CLOSED_LLM,
      needle="no usable problems"),
    # -- database URLs and read-only commands
    C("traces-db-empty-url", "traces", "db-url", "traces", "list", "--db", "", needle="--db"),
    C("report-db-empty-url", "report", "db-url", "report", "r", "--db", "", needle="--db"),
    C("traces-db-port-not-a-number", "traces", "db-url", "traces", "list", "--db",
      "postgresql+psycopg://u:pw@127.0.0.1:notaport/db", needle="port"),
    C("compare-db-port-out-of-range", "compare", "db-url", "compare", "a", "b", "--db",
      "postgresql+psycopg://u@127.0.0.1:99999/db", needle="port"),
    C("db-current-port-not-a-number", "db", "db-url", "db", "current", "--db",
      "postgresql+psycopg://u@h:notaport/db", needle="port"),
    C("traces-db-silent-server", "traces", "db-unreachable", "traces", "list", "--db",
      "postgresql+psycopg://u@127.0.0.1:{silent_port}/db", needle="timeout", within_s=30),
    C("regrade-db-silent-server", "regrade", "db-unreachable", "regrade", "r", "--db",
      "postgresql+psycopg://u@127.0.0.1:{silent_port}/db", needle="timeout", within_s=30),
    C("traces-list-creates-nothing", "traces", "db-readonly", "traces", "list", "--db", "sqlite:///{new_dir}/x.db",
      needle="no trace database", absent=("{new_dir}",)),
    C("traces-show-creates-nothing", "traces", "db-readonly", "traces", "show", "abcdef", "--db",
      "sqlite:///{new_dir}/x.db", needle="no trace database", absent=("{new_dir}",)),
    C("report-creates-no-db", "report", "db-readonly", "report", "r", "--out", "{out}", "--db",
      "sqlite:///{new_dir}/x.db", needle="no trace database", absent=("{new_dir}",)),
    C("compare-creates-no-db", "compare", "db-readonly", "compare", "a", "b", "--db", "sqlite:///{new_dir}/x.db",
      needle="no trace database", absent=("{new_dir}",)),
    C("db-current-creates-no-db", "db", "db-readonly", "db", "current", "--db", "sqlite:///{new_dir}/x.db",
      needle="no trace database", absent=("{new_dir}",)),
    C("export-creates-no-db", "export", "db-readonly", "export", "--format", "trl", "--out", "{out}", "--db",
      "sqlite:///{new_dir}/x.db", needle="no trace database", absent=("{new_dir}",)),
    # -- problems with nothing visible in them
    C("solve-zero-width-only", "solve", "invisible", "solve", "\u200b\u2060\ufeff", needle="visible"),
    C("solve-controls-only", "solve", "invisible", "solve", "\x01\x02\x1b\x7f", needle="visible"),
    C("solve-invisible-stdin", "solve", "invisible", "solve", "-", stdin="\u2063\u3164\u00a0\u200d".encode(),
      needle="visible"),
    C("eval-invisible-problems", "eval", "invisible", "eval", "gsm8k", "--data", "{invisible_jsonl}", *CLOSED_LLM,
      needle="no usable problems"),
    C("synth-invisible-problems", "synth", "invisible", "synth", "--from", "{invisible_jsonl}", "--out", "{out}",
      *CLOSED_LLM, needle="no usable problems"),
    # -- standard output on a full disk
    C("traces-list-stdout-full", "traces", "stdout", "traces", "list", needle="standard output", stdout="full"),
    C("traces-list-json-stdout-full", "traces", "stdout", "traces", "list", "--json", needle="standard output",
      stdout="full"),
    C("db-current-stdout-full", "db", "stdout", "db", "current", needle="standard output", stdout="full"),
    C("audit-stdout-full", "audit", "stdout", "audit", "minif2f", "--data", "{minif2f_ok}", "--json",
      needle="standard output", stdout="full"),
    # == round three (issue 16) ========================================================================
    # -- started with stdout or stdin closed: one line and an exit code, never a traceback; nothing is created
    #    (a closed descriptor would otherwise be the next file opened: the database)
    C("prompts-stdout-closed", "prompts", "stream", "prompts", needle="standard output is closed", closed=(1,),
      exit_code=74),
    C("traces-list-stdout-closed", "traces", "stream", "traces", "list", "--db", "sqlite:///{new_dir}/x.db",
      needle="standard output is closed", closed=(1,), exit_code=74, absent=("{new_dir}",)),
    C("db-upgrade-stdout-closed", "db", "stream", "db", "upgrade", "--db", "sqlite:///{new_dir}/x.db",
      needle="standard output is closed", closed=(1,), exit_code=74, absent=("{new_dir}",)),
    C("calc-stdout-closed", "calc", "stream", "calc", "print(1)", needle="standard output is closed", closed=(1,),
      exit_code=74),
    C("calc-stdin-closed", "calc", "stream", "calc", "-", needle="no code on stdin", closed=(0,), exit_code=2),
    C("calc-file-stdin-closed", "calc", "stream", "calc", "--file", "-", needle="no code on stdin", closed=(0,),
      exit_code=2),
    C("solve-stdin-closed", "solve", "stream", "solve", "-", needle="no problem on stdin", closed=(0,), exit_code=2),
    C("solve-no-arg-stdin-closed", "solve", "stream", "solve", needle="no problem on stdin", closed=(0,),
      exit_code=2),
    C("grade-stdin-closed", "grade", "stream", "grade", "-", "5", needle="on stdin", closed=(0,), exit_code=2),
    C("prove-stdin-closed", "prove", "stream", "prove", "--statement", "-", needle="no statement on stdin",
      closed=(0,), exit_code=2),
    # -- another application's database, or an empty file: refused before one byte is written to it (no table,
    #    no switch to WAL, no -wal/-shm file); only a command that may create a database fills an empty one
    C("traces-list-other-app-db", "traces", "db-foreign", "traces", "list", "--db", "sqlite:///{own_other_db}",
      needle="not a trace database", exit_code=2, absent=("{own_other_db}-wal", "{own_other_db}-shm")),
    C("traces-show-empty-db", "traces", "db-foreign", "traces", "show", "abcdef", "--db",
      "sqlite:///{own_empty_db}", needle="empty, not a trace database", exit_code=2,
      absent=("{own_empty_db}-wal", "{own_empty_db}-shm")),
    C("compare-empty-db", "compare", "db-foreign", "compare", "a", "b", "--db", "sqlite:///{own_empty_db}",
      needle="empty, not a trace database"),
    C("regrade-empty-db", "regrade", "db-foreign", "regrade", "r", "--db", "sqlite:///{own_empty_db}",
      needle="empty, not a trace database"),
    C("report-other-app-db", "report", "db-foreign", "report", "r", "--out", "{out}", "--db",
      "sqlite:///{own_other_db}", needle="not a trace database", absent=("{out}",)),
    C("export-other-app-db", "export", "db-foreign", "export", "--format", "trl", "--out", "{out}", "--db",
      "sqlite:///{own_other_db}", needle="not a trace database", absent=("{out}", "{own_other_db}-wal")),
    C("export-empty-db", "export", "db-foreign", "export", "--format", "trl", "--out", "{out}", "--db",
      "sqlite:///{own_empty_db}", needle="empty, not a trace database", absent=("{out}",)),
    C("db-current-other-app-db", "db", "db-foreign", "db", "current", "--db", "sqlite:///{own_other_db}",
      needle="not a trace database"),
    C("db-upgrade-other-app-db", "db", "db-foreign", "db", "upgrade", "--db", "sqlite:///{own_other_db}",
      needle="not a trace database", absent=("{own_other_db}-wal",)),
    C("eval-other-app-db", "eval", "db-foreign", "eval", "gsm8k", "--data", "{gsm8k}", "--db",
      "sqlite:///{own_other_db}", *CLOSED_LLM, needle="not a trace database"),
    # -- a statement is one declaration: a second one would go unchecked
    C("prove-two-theorems", "prove", "declarations", "prove", "--statement",
      "theorem t : (1:ℕ) = 1 := by sorry theorem u : (1:ℕ) = 2 := by sorry", needle="2 declarations",
      exit_code=2),
    C("prove-trailing-example", "prove", "declarations", "prove", "--statement",
      "theorem t : (1:ℕ) = 1 := by sorry\nexample : False := by sorry", needle="2 declarations", exit_code=2),
    C("prove-def-before-theorem", "prove", "declarations", "prove", "--statement",
      "def f : ℕ := 2\ntheorem t : f = 3 := by sorry", needle="2 declarations", exit_code=2),
    C("prove-file-with-two-lemmas", "prove", "declarations", "prove", "{two_lemmas_lean}", needle="2 declarations",
      exit_code=2),
    # -- problems with nothing visible in them: blank glyphs no category gives away
    C("solve-null-notehead", "solve", "invisible", "solve", "\U0001d159", needle="visible"),
    C("solve-blank-glyphs", "solve", "invisible", "solve", "\U0001d159\u2800\u3164\u3000", needle="visible"),
    C("solve-musical-format-controls-stdin", "solve", "invisible", "solve", "-",
      stdin="\U0001d159\U0001d173\U0001d17a\u034f".encode(), needle="visible"),
    # -- hosts that are not hosts
    C("traces-db-ipv6-unclosed", "traces", "db-url", "traces", "list", "--db", "postgresql+psycopg://u:pw@[::1/db",
      needle="malformed host or IPv6 address"),
    C("compare-db-stray-bracket", "compare", "db-url", "compare", "a", "b", "--db",
      "postgresql+psycopg://u@::1]/db", needle="malformed host or IPv6 address"),
    C("regrade-db-junk-after-bracket", "regrade", "db-url", "regrade", "r", "--db",
      "postgresql+psycopg://u@[::1]x/db", needle="malformed host or IPv6 address"),
    C("db-current-ipv6-without-brackets", "db", "db-url", "db", "current", "--db", "postgresql+psycopg://u@::1/db",
      needle="brackets"),
    # -- a command that fails creates no output folder (folders are made when the writing starts)
    C("export-bad-exclude-creates-no-folder", "export", "no-folder", "export", "--format", "openai-chat", "--out",
      "{new_dir}/o.jsonl", "--exclude", "{missing}", absent=("{new_dir}",)),
    C("export-bad-precision-file-creates-no-folder", "export", "no-folder", "export", "--format", "trl", "--out",
      "{new_dir}/a/b/", "--precision-file", "{bin}", needle="figures file", absent=("{new_dir}",)),
    C("export-missing-db-creates-no-folder", "export", "no-folder", "export", "--format", "parquet", "--out",
      "{new_dir}/pq", "--db", "sqlite:///{missing}.db", needle="no trace database", absent=("{new_dir}",)),
    C("report-unknown-run-creates-no-folder", "report", "no-folder", "report", "nosuchrun", "--out",
      "{new_dir}/rep", needle="no eval run", absent=("{new_dir}",)),
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
    files.update(_round_two_files(root))
    files.update(_round_three_files(root))
    return files


def _round_two_files(root: Path) -> dict[str, Path]:
    """Special files, JSON no reader should hold, invisible problems (issue 16)."""
    names = {"fifo": "pipe.jsonl", "fifo_link": "link_to_pipe.jsonl", "chardev": "null_device", "socket": "sock",
             "lean_dir_of_dirs": "lean_dir_of_dirs", "lean_project_fifo": "lean_project_fifo",
             "lean_project": "lean_project", "bignum_minif2f": "bignum_minif2f.jsonl", "deep_jsonl": "deep.jsonl",
             "surrogate_minif2f": "surrogate_minif2f.jsonl", "bignum_corpus": "bignum_corpus.jsonl",
             "badtype_corpus": "badtype_corpus.jsonl", "badtype2_corpus": "badtype2_corpus.jsonl",
             "bignum_jsonl": "bignum.jsonl", "surrogate_jsonl": "surrogate.jsonl", "invisible_jsonl": "invisible.jsonl",
             "minif2f_ok": "minif2f_ok.jsonl"}
    files = {key: root / name for key, name in names.items()}
    os.mkfifo(files["fifo"])
    files["fifo_link"].symlink_to(files["fifo"])
    _make_char_device(files["chardev"])
    _make_socket(files["socket"])
    (files["lean_dir_of_dirs"] / "x.lean").mkdir(parents=True)
    os.mkfifo(files["lean_dir_of_dirs"] / "y.lean")
    files["lean_project_fifo"].mkdir()
    os.mkfifo(files["lean_project_fifo"] / "A.lean")
    files["lean_project"].mkdir()
    (files["lean_project"] / "A.lean").write_text("theorem a_add (a b : Nat) : a + b = b + a := by omega\n", "utf-8")
    digits = "1" * 5000
    statement = '"formal_statement": "theorem t (x : Nat) : x = x"'
    files["bignum_minif2f"].write_text(f'{{"name": "t", {statement}, "n": {digits}}}\n', "utf-8")
    files["deep_jsonl"].write_text("[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    files["surrogate_minif2f"].write_text('{"name": "t\\ud800", "formal_statement": "theorem t (x : \\ud800) : '
                                          'x = x"}\n', "utf-8")
    files["bignum_corpus"].write_text('{"path": "A.lean", "imports": [], "premises": [{"full_name": "a", '
                                      f'"start": [{digits}, 1]}}]}}\n', "utf-8")
    files["badtype_corpus"].write_text('{"path": 5, "imports": [], "premises": []}\n', "utf-8")
    files["badtype2_corpus"].write_text('{"path": "A.lean", "imports": "Mathlib", "premises": []}\n', "utf-8")
    question = '"question": "Tom has 12 apples and buys 6 more. How many?", "answer": "#### 18"'
    files["bignum_jsonl"].write_text(f'{{{question}, "n": {digits}}}\n', "utf-8")
    files["surrogate_jsonl"].write_text('{"question": "Tom has \\ud800 apples. How many?", "answer": "#### 1"}\n',
                                        "utf-8")
    files["invisible_jsonl"].write_text('{"question": "\\u200b\\u2060 \\u00a0", "answer": "#### 1"}\n'
                                        '{"question": "\\u0001\\u001b\\u007f\\u200e", "answer": "#### 2"}\n', "utf-8")
    files["minif2f_ok"].write_text(f'{{"name": "t", {statement}}}\n', "utf-8")
    return files


def _round_three_files(root: Path) -> dict[str, Path]:
    """Another application's SQLite database, an empty file, a .lean file holding two lemmas (issue 16)."""
    files = {"other_db": root / "other_app.db", "empty_db": root / "empty.db", "two_lemmas_lean": root / "two.lean"}
    con = sqlite3.connect(files["other_db"])
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('not a trace')")
    con.commit()
    con.close()
    files["empty_db"].write_bytes(b"")
    files["two_lemmas_lean"].write_text("import Mathlib\n\nlemma a : (1:ℕ) = 1 := by sorry\n\n"
                                        "lemma b : (1:ℕ) = 2 := by sorry\n", "utf-8")
    return files


def _make_char_device(path: Path) -> None:
    """A character device node (the null device's numbers) where mknod is allowed; a FIFO elsewhere."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except OSError:
        os.mkfifo(path)


def _make_socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))  # the node stays after close
    finally:
        sock.close()


class SilentServer:
    """A TCP port that accepts connections and never says a word (a hung database server)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_input")
    seed = root / "seed.db"
    trace_id = _seed_database(seed)
    server = SilentServer()
    try:
        yield {"root": root, "seed": seed, "trace_id": trace_id, "files": _build_files(root),
               "silent_port": server.port, "startup_s": _startup_seconds(root)}
    finally:
        server.close()


def _startup_seconds(root: Path) -> float:
    """How long a command that fails right after start-up takes here (time bounds scale with the machine's load)."""
    t0 = time.monotonic()
    run_cli(["traces", "list", "--db", f"sqlite:///{root}/nowhere/x.db"], timeout=CASE_TIMEOUT_S)
    return time.monotonic() - t0


@dataclass
class Outcome:
    case: Case
    returncode: int
    stdout: str
    stderr: str
    db: Path
    seconds: float = 0.0
    damaged: tuple[str, ...] = ()  # {own_*} files that changed
    present: tuple[str, ...] = ()  # `absent` paths that exist


def _fingerprint(path: Path):
    """What must not change: a file's bytes, a folder's files, a special file's kind (and a link's target)."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path), _fingerprint(path.resolve()) if path.exists() else None)
    if stat.S_ISDIR(st.st_mode):
        return ("dir", tuple((p.relative_to(path).as_posix(), _fingerprint(p)) for p in sorted(path.rglob("*"))))
    if stat.S_ISREG(st.st_mode):
        return ("file", path.read_bytes())
    return ("special", stat.S_IFMT(st.st_mode), st.st_rdev)


def _own_copy(source: Path, target: Path) -> None:
    """The case's own copy of a world file: special files are made anew with the same kind."""
    st = os.lstat(source)
    if stat.S_ISLNK(st.st_mode):
        target.symlink_to(os.readlink(source))
    elif stat.S_ISDIR(st.st_mode):
        shutil.copytree(source, target, symlinks=True)
    elif stat.S_ISFIFO(st.st_mode):
        os.mkfifo(target)
    elif stat.S_ISCHR(st.st_mode):
        _make_char_device(target)
    elif stat.S_ISSOCK(st.st_mode):
        _make_socket(target)
    else:
        shutil.copyfile(source, target)


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
        missing=str(work / "does_not_exist"), out=str(work / "out"), db=str(db), new_dir=str(work / "new"),
        silent_port=str(world["silent_port"]),
    )
    own: dict[str, object] = {}
    for name in sorted({m for a in case.args for m in re.findall(r"\{own_(\w+)\}", a)}):
        copy = work / "own" / world["files"][name].name
        copy.parent.mkdir(exist_ok=True)
        _own_copy(world["files"][name], copy)
        names[f"own_{name}"] = str(copy)
        own[str(copy)] = _fingerprint(copy)
    fill = lambda s: s.format(**names) if "{" in s else s  # noqa: E731
    env = {"MATHAGENT_DB_URL": f"sqlite:///{db}", "XDG_DATA_HOME": str(work / "data"),
           "XDG_CACHE_HOME": str(work / "cache")}
    env.update({k: fill(v) for k, v in case.env})
    args = [fill(a) for a in case.args]
    t0 = time.monotonic()
    try:
        if case.stdout == "full":
            full_env = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
            full_env.update(env)
            with open("/dev/full", "wb") as sink:
                proc = subprocess.run([MATHAGENT, *args], input=case.stdin or b"", stdout=sink,
                                      stderr=subprocess.PIPE, env=full_env, timeout=CASE_TIMEOUT_S, cwd=str(work))
            proc.stdout = b""
        elif case.closed:
            proc = _run_closed(args, env, str(work), case.closed, case.stdin)
        else:
            proc = run_cli(args, stdin=case.stdin, env=env, timeout=CASE_TIMEOUT_S, cwd=str(work))
    except subprocess.TimeoutExpired:  # this case fails (a hang is a finding), the others still run
        proc = subprocess.CompletedProcess(args, -9, b"", f"timed out after {CASE_TIMEOUT_S:.0f} s".encode())
    seconds = time.monotonic() - t0
    damaged = tuple(p for p, before in own.items() if not os.path.lexists(p) or _fingerprint(Path(p)) != before)
    present = tuple(fill(p) for p in case.absent if os.path.lexists(fill(p)))
    return Outcome(case, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                   proc.stderr.decode("utf-8", "replace"), db, seconds, damaged, present)


def _run_closed(args: list[str], env: dict, cwd: str, closed: tuple[int, ...],
                stdin: bytes | None) -> subprocess.CompletedProcess:
    """Run the command with the descriptors ``closed`` closed, as ``<&-`` and ``>&-`` leave them."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
    full_env.update(env)

    def close() -> None:
        for fd in closed:
            os.close(fd)

    return subprocess.run([MATHAGENT, *args], input=None if 0 in closed else (stdin or b""),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, timeout=CASE_TIMEOUT_S,
                          cwd=cwd, preexec_fn=close)  # noqa: PLW1509 - the child closes its own descriptors


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
    assert not o.damaged, f"files the command was given were changed or replaced: {o.damaged}"
    assert not o.present, f"a command that failed created {o.present}"
    if case.exit_code is not None:
        assert o.returncode == case.exit_code, (o.returncode, o.stderr[-2000:])
    if case.within_s is not None:  # the bound, plus what plain start-up costs on this machine right now
        bound = case.within_s + 3 * world["startup_s"]
        assert o.seconds < bound, f"took {o.seconds:.0f} s (bound {bound:.0f} s)"


def test_every_registered_command_has_bad_input_cases():
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    covered = {c.command for c in CASES}
    assert registered_commands() <= covered, f"commands without bad-input cases: {registered_commands() - covered}"
    for command in registered_commands():
        kinds = {c.kind for c in CASES if c.command == command}
        assert "type" in kinds, f"{command}: no wrong-type argument case"
