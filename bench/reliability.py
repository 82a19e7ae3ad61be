"""Reliability figures for docs/reliability.md, computed by running the test suites.

    python bench/reliability.py [--out docs/reliability.md] [--json]

One pytest run (``--junitxml`` into a temporary folder) over the suites that
attack, break or feed garbage to the system; the figures are counted from the
per-test outcomes, never typed in:

* attacks tried / contained: tests/security/test_attacks.py, one test per
  attack; "contained" means the test's exact assertion held.  Tests whose body
  says the containment is partial (a ``# Partial`` comment) are listed.
* faults injected / survived: the LLM fault tests (tests/agent/test_openai_backend.py
  against a local misbehaving HTTP server) plus the fault tests of the agent
  graph and the evaluator (selected by name: errors, timeouts, bounds, broken
  workers).  One test is one injected fault scenario.
* kill -9 rounds / rows lost / rows duplicated: tests/eval/test_eval_crash.py.
  A test may export exact figures by writing JSON to
  ``$RELIABILITY_FIGURES_DIR/crash.json`` (keys ``kill_rounds``, ``rows_lost``,
  ``rows_duplicated``); otherwise rounds are counted as one kill per passing
  test and 0 lost / 0 duplicated is what a passing test asserts.
* bad inputs tried / clean errors: every ``tests/*/test_bad_input*.py`` file.
  tests/mathagent/test_bad_input_all.py has one test per (command, input) and
  the breakdown per command and kind comes from its table; the other files
  (files read and written, stored rows and text, database URLs) count one test
  per input.
* owner death: the process-table tests that kill -9 the owner of a worker
  pool (the sandboxed calculator's and the Lean REPL pool's) and check that no
  worker process is left.
* fuzzing: the hypothesis suites (examples per test are set in each file).

Tests marked slow (the real model), lean or postgres (without a server) are
not run here; skipped tests are reported, not counted as passes.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ATTACKS = "tests/security/test_attacks.py"
LLM_FAULTS = "tests/agent/test_openai_backend.py"
GRAPH = "tests/agent/test_graph.py"
EVAL_DIR = "tests/eval"
CRASH = "tests/eval/test_eval_crash.py"
BAD_INPUT = "tests/mathagent/test_bad_input_all.py"
BAD_INPUT_GLOB = "tests/*/test_bad_input*.py"
BAD_INPUT_META = "test_every_registered_command_has_bad_input_cases"  # checks the table, is no input
FUZZ = ["tests/tools/test_fuzz_framing.py", "tests/tools/test_fuzz_calculator.py",
        "tests/verifiers/formal/test_fuzz_parser.py", "tests/verifiers/test_answers.py",
        "tests/datasets/test_export_unicode.py"]
OWNER_DEATH = ["tests/tools/test_calculator.py::test_workers_die_with_their_owner_process",
               "tests/verifiers/lean/test_repl_owner_death.py"]
BOUNDS = ["tests/verifiers/test_isolation.py", "tests/agent/test_local_backend.py"]
# agent/eval tests that inject a fault (a failing program, a timeout, a silent model, a dead worker...)
FAULT_NAME = re.compile(r"fault|fail|error|timeout|no_code|bounded|broken|recursion_limit|stall|unreachable|retr"
                        r"|llm_down|interrupt|runaway|stuck|deadline|per_item_limit|limits_hit")
PYTEST_TIMEOUT_S = 3600


def _existing(paths: list[str]) -> list[str]:
    return [p for p in paths if (REPO / p).exists()]


def bad_input_files() -> list[str]:
    """Every bad-input test file, the CLI table first."""
    found = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob(BAD_INPUT_GLOB))
    return [BAD_INPUT] * (BAD_INPUT in found) + [p for p in found if p != BAD_INPUT]


def run_pytest(paths: list[str], junit: Path, figures_dir: Path) -> int:
    env = dict(os.environ, RELIABILITY_FIGURES_DIR=str(figures_dir))
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
           "-m", "not slow and not lean", "-o", "junit_family=xunit2"]
    print("running:", " ".join(cmd[1:]), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=REPO, env=env, timeout=PYTEST_TIMEOUT_S, check=False, stdout=sys.stderr)
    return proc.returncode


def _file_of(classname: str) -> str:
    """``tests.security.test_attacks`` (or ``...test_x.TestClass``) -> the test file's repo-relative path."""
    parts = classname.split(".")
    for i in range(len(parts), 0, -1):
        candidate = "/".join(parts[:i]) + ".py"
        if (REPO / candidate).exists():
            return candidate
    return "/".join(parts) + ".py"


def parse_junit(junit: Path) -> list[dict]:
    """One dict per test case: file (repo-relative), name, outcome (passed|failed|skipped), seconds."""
    cases = []
    for tc in ET.parse(junit).getroot().iter("testcase"):
        file = tc.get("file") or _file_of(tc.get("classname", ""))
        outcome = "passed"
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        cases.append({"file": file, "name": tc.get("name", ""), "outcome": outcome,
                      "seconds": float(tc.get("time", 0) or 0)})
    return cases


def _in(cases: list[dict], path: str) -> list[dict]:
    return [c for c in cases if c["file"] == path or c["file"].startswith(path.rstrip("/") + "/")]


def _tally(cases: list[dict]) -> dict:
    n = Counter(c["outcome"] for c in cases)
    return {"run": n["passed"] + n["failed"], "passed": n["passed"], "failed": n["failed"], "skipped": n["skipped"],
            "failed_names": sorted(c["name"] for c in cases if c["outcome"] == "failed")}


def partial_attacks() -> list[str]:
    """Attack tests whose body marks the containment as partial (a '# Partial' comment)."""
    path = REPO / ATTACKS
    if not path.exists():
        return []
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    out = []
    for node in ast.parse(src).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            body = "\n".join(lines[node.lineno - 1: node.end_lineno])
            if re.search(r"#\s*Partial", body):
                out.append(node.name)
    return out


def bad_input_breakdown() -> dict[str, dict[str, int]]:
    """{command: {kind: cases}} from the bad-input table (imported, not run)."""
    sys.path.insert(0, str(REPO / "tests" / "mathagent"))
    try:
        import test_bad_input_all as bad  # the table lives with its test
    finally:
        sys.path.pop(0)
    table: dict[str, Counter] = {}
    for case in bad.ACTIVE:
        table.setdefault(case.command, Counter())[case.kind] += 1
    return {cmd: dict(kinds) for cmd, kinds in sorted(table.items())}


def crash_figures(cases: list[dict], figures_dir: Path) -> dict:
    exported = figures_dir / "crash.json"
    crash = _tally(_in(cases, CRASH))
    if exported.exists():
        data = json.loads(exported.read_text(encoding="utf-8"))
        return {**crash, "kill_rounds": data.get("kill_rounds"), "rows_lost": data.get("rows_lost"),
                "rows_duplicated": data.get("rows_duplicated"), "source": f"exported by the test ({exported.name})"}
    ok = crash["run"] > 0 and crash["failed"] == 0
    return {**crash, "kill_rounds": crash["passed"], "rows_lost": 0 if ok else None,
            "rows_duplicated": 0 if ok else None,
            "source": "the test exports no figures: one kill per passing test; 0 lost / 0 duplicated is what "
                      "each passing test asserts (rows after resume == an uninterrupted run, keys unique)"}


def compute(cases: list[dict], figures_dir: Path) -> dict:
    attacks = _tally(_in(cases, ATTACKS))
    llm = [c for c in _in(cases, LLM_FAULTS) if not c["name"].startswith("test_ok")]
    agent_eval = [c for c in _in(cases, GRAPH) + [c for c in _in(cases, EVAL_DIR) if c["file"] != CRASH]
                  + [c for p in BOUNDS for c in _in(cases, p)]
                  if FAULT_NAME.search(c["name"])]
    owner = [c for c in cases if any(c["file"] == p.split("::")[0] and (("::" not in p) or c["name"] == p.split("::")[1])
                                     for p in OWNER_DEATH)]
    faults = _tally(llm + agent_eval)
    bad_all = [c for p in bad_input_files() for c in _in(cases, p) if c["name"] != BAD_INPUT_META]
    bad = _tally(bad_all)
    bad_cases = [c for c in _in(cases, BAD_INPUT) if c["name"].startswith("test_bad_input_gives_a_clean_error")]
    bad_other = {p: _tally(_in(cases, p)) for p in bad_input_files() if p != BAD_INPUT}
    fuzz = {p: _tally(_in(cases, p)) for p in FUZZ}
    return {
        "attacks": {"tried": attacks["run"], "contained": attacks["passed"], "escaped_or_failed": attacks["failed"],
                    "skipped": attacks["skipped"], "failed_names": attacks["failed_names"],
                    "partial": partial_attacks()},
        "faults": {"injected": faults["run"], "survived": faults["passed"], "failed_names": faults["failed_names"],
                   "skipped": faults["skipped"], "llm_http": len(llm), "agent_and_eval": len(agent_eval)},
        "crash": crash_figures(cases, figures_dir),
        "bad_input": {"tried": sum(c["outcome"] != "skipped" for c in bad_all),
                      "clean": sum(c["outcome"] == "passed" for c in bad_all),
                      "cli_cases": sum(c["outcome"] != "skipped" for c in bad_cases),
                      "failed_names": bad["failed_names"], "by_command": bad_input_breakdown(),
                      "other_files": bad_other},
        "owner_death": _tally(owner),
        "fuzz": fuzz,
        "other_failures": sorted(f"{c['file']}::{c['name']}" for c in cases if c["outcome"] == "failed"
                                 and c["file"] not in (ATTACKS, LLM_FAULTS, CRASH, *bad_input_files())
                                 and c not in agent_eval and c not in owner),
    }


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at the end"
    return (f"{platform.node() or 'unknown host'}: {platform.system()} {platform.release()}, "
            f"{cpu or platform.machine()}, {os.cpu_count()} CPUs{mem}{load}; Python {platform.python_version()}")


def _num(v) -> str:
    return "n/a" if v is None else str(v)


def render(fig: dict, started: dt.datetime, seconds: float, rc: int) -> str:
    a, f, k, b = fig["attacks"], fig["faults"], fig["crash"], fig["bad_input"]
    lines = [
        "# Reliability figures",
        "",
        f"Produced by `python bench/reliability.py` on {started:%Y-%m-%d %H:%M} UTC "
        f"({seconds:.0f} s; pytest exit code {rc}).",
        f"Machine: {machine()}.",
        "",
        "Every number is counted from the outcome of a test in this run; the tests assert exact outcomes.",
        "Tests marked `slow` (real model), `lean` and `postgres` without a server are not part of this run.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| attacks tried / contained | {a['tried']} / {a['contained']} |",
        f"| faults injected / survived | {f['injected']} / {f['survived']} |",
        f"| kill -9 rounds / rows lost / rows duplicated | {_num(k['kill_rounds'])} / {_num(k['rows_lost'])} / "
        f"{_num(k['rows_duplicated'])} |",
        f"| bad inputs tried / clean errors | {b['tried']} / {b['clean']} |",
        f"| pool owners killed with kill -9 / pools that left a process behind | {fig['owner_death']['run']} / "
        f"{fig['owner_death']['failed']} |",
        "",
        "## Attacks on the sandbox",
        "",
        f"`{ATTACKS}`: one test per attack; {a['skipped']} skipped (environment). Besides escapes (processes, "
        "exec, network, files, secrets, signals, raw syscalls), they cover state that would outlive a call "
        "(renicing or rescheduling the worker, umask, signal mask and limits left for the next call, "
        "`fchmodat2` on the sandbox root, syscalls outside the allow list), effects that reach the host while a "
        "call runs (file leases and locks on bound host files, AIO contexts, inotify instances, thread bombs, "
        "locked memory, queued signals, `sync`) and statuses that must say what happened (a self-sent SIGXCPU "
        "is a signal, not a timeout).",
    ]
    if a["partial"]:
        lines.append("Contained only partially, as the tests themselves state (see docs/sandbox.md): "
                     + ", ".join(f"`{n}`" for n in a["partial"]) + ".")
    if a["failed_names"]:
        lines.append("Not contained or failing: " + ", ".join(f"`{n}`" for n in a["failed_names"]) + ".")
    lines += [
        "",
        "## Faults from dependencies",
        "",
        f"{f['llm_http']} LLM server faults (`{LLM_FAULTS}`: 429 with Retry-After, 500, 503, reset, stall, "
        "malformed JSON, empty completion, auth error, unreachable) and "
        f"{f['agent_and_eval']} agent/eval faults (failing or looping programs, no code block, no answer, "
        "LLM failure, recursion bound, broken eval worker, a Ray item past its limit, a stuck or runaway "
        "verifier worker, a generation past its wall-clock bound). Survived = the test's expected status held, "
        "no crash.",
    ]
    if f["failed_names"]:
        lines.append("Not survived: " + ", ".join(f"`{n}`" for n in f["failed_names"]) + ".")
    lines += [
        "",
        "## kill -9 and resume",
        "",
        f"`{CRASH}`: {k['passed']} passed, {k['failed']} failed, {k['skipped']} skipped. Figures: {k['source']}.",
        "",
        "Owner death: " + ", ".join(f"`{p}`" for p in OWNER_DEATH) + f" kill -9 the process owning a worker pool "
        f"(the sandboxed calculator; the Lean REPL pool with one REPL busy) and read the process table: "
        f"{fig['owner_death']['passed']} of {fig['owner_death']['run']} passed.",
        "",
        "## Bad input",
        "",
        f"`{BAD_INPUT}` ({b['cli_cases']} cases): every registered command gets empty, huge (10 MB), binary, "
        "invalid UTF-8, wrong-type, malformed-file, unreachable, hung or read-only database and missing/corrupt "
        "model inputs as they apply, and (issue 16) special files where a file is read (FIFO, device, folder), "
        "outputs that are inputs, the database or special files, JSON with oversized numbers, deep nesting, "
        "lone surrogates or wrong field types, malformed database URLs, problems with nothing visible in them "
        "and stdout on a full disk, and (round three) stdin or stdout closed, another application's database or "
        "an empty file (never written), statements holding several declarations, malformed hosts, and failed "
        "commands that must leave no output folder. Clean = non-zero exit, one `error:` line (+ `fix:`), no traceback, no "
        "locals, the trace stored before the command is still there, every file the command was given is "
        "unchanged (a FIFO still a FIFO), nothing was created, a bounded run time where it could hang, and the "
        "exit code the case names (74 for a closed stdout).",
        "",
        "| command | cases | kinds |",
        "|---|---|---|",
    ]
    for cmd, kinds in b["by_command"].items():
        lines.append(f"| {cmd} | {sum(kinds.values())} | "
                     + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) + " |")
    if b["other_files"]:
        lines += ["", "Inputs tested through the library and the stored data, one test per input:", "",
                  "| file | passed / run |", "|---|---|"]
        for path, t in b["other_files"].items():
            lines.append(f"| `{path}` | {t['passed']} / {t['run']} |")
    if b["failed_names"]:
        lines += ["", "Not clean: " + ", ".join(f"`{n}`" for n in b["failed_names"]) + "."]
    lines += ["", "## Fuzzing (hypothesis)", "", "| suite | tests passed / run |", "|---|---|"]
    for path, t in fig["fuzz"].items():
        if t["run"] or t["skipped"]:
            lines.append(f"| `{path}` | {t['passed']} / {t['run']} |")
    if fig["other_failures"]:
        lines += ["", "## Other failures in this run (not part of the figures above)", ""]
        lines += [f"- `{name}`" for name in fig["other_failures"]]
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "docs" / "reliability.md"))
    ap.add_argument("--json", action="store_true", help="Also print the figures as one JSON object.")
    args = ap.parse_args()
    started = dt.datetime.now(dt.timezone.utc)
    paths = _existing([ATTACKS, LLM_FAULTS, GRAPH, EVAL_DIR, *bad_input_files(), *FUZZ, *BOUNDS])
    paths += [p for p in OWNER_DEATH if (REPO / p.split("::")[0]).exists()]
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        junit, figures_dir = Path(tmp) / "junit.xml", Path(tmp) / "figures"
        figures_dir.mkdir()
        rc = run_pytest(paths, junit, figures_dir)
        if not junit.exists():
            print(f"error: pytest wrote no report (exit code {rc})", file=sys.stderr)
            return 2
        fig = compute(parse_junit(junit), figures_dir)
    seconds = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    from mathagent.outputs import output_path, write_text

    target = output_path(args.out, "--out", create_parent=True)  # never a special file; replaced when complete
    write_text(target, render(fig, started, seconds, rc))
    print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps(fig, indent=1))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
