"""The one input reader and the one output writer (mathagent/files.py), member by member.

Inputs: a regular file only (a FIFO never blocks, a device never streams), a bounded size and line, UTF-8 with
its byte order mark dropped, JSON without oversized numbers, deep nesting or lone surrogates.  Outputs: never an
input, never a special file, a trailing slash means a folder, written beside the target and renamed when
complete.  The CLI cases of these kinds are in test_bad_input_all.py; here are the library rules and the inputs
that must *work*.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "datasets"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402
from trace_factories import pot_trace  # noqa: E402

from mathagent.files import (  # noqa: E402
    MAX_JSON_DEPTH,
    FileProblem,
    JsonProblem,
    loads_json,
    open_input,
    read_lines,
    read_text,
)
from mathagent.outputs import AtomicOutput, distinct_outputs, output_path, write_text  # noqa: E402

# -- inputs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make,kind", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.mkdir(), "folder"),
    (lambda p: p.symlink_to("/dev/zero"), "character device"),
], ids=["fifo", "folder", "link-to-dev-zero"])
def test_only_regular_files_are_read(tmp_path, make, kind):
    path = tmp_path / "input"
    make(path)
    done = threading.Event()
    box: dict = {}

    def read():
        try:
            read_text(path, "program")
        except FileProblem as exc:
            box["exc"] = exc
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(10), "reading blocked"
    assert kind in box["exc"].message and box["exc"].exit_code == 2


def test_sizes_and_lines_are_bounded(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(FileProblem, match="larger than 1000 bytes"):
        read_text(big, "program", max_bytes=1000)
    one_line = tmp_path / "one_line.jsonl"
    one_line.write_bytes(b"y" * 5000 + b"\n{}\n")
    assert [(n, raw) for n, raw in read_lines(one_line, "data", max_line_bytes=1000)] == [(1, None), (2, b"{}\n")]
    with pytest.raises(FileProblem, match="larger than"):
        list(read_lines(one_line, "data", max_bytes=3000))


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfprint(1)\n")
    assert read_text(path, "program") == "print(1)\n"
    assert [raw for _, raw in read_lines(path, "data")] == [b"print(1)\n"]


def test_calc_file_with_a_byte_order_mark_runs():
    import tempfile

    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as f:
        f.write(b"\xef\xbb\xbfprint(6 * 7)\n")
    try:
        proc = run_cli(["calc", "--file", f.name], timeout=300)
    finally:
        os.unlink(f.name)
    assert (proc.returncode, proc.stdout) == (0, b"42\n"), proc.stderr


@pytest.mark.parametrize("text,reason", [
    ("1" * 5000, "number of 5000 characters"),
    ('{"a": -' + "9" * 4400 + "}", "number of 4401 characters"),
    ('{"a": 1.' + "5" * 5000 + "}", "number of 5002 characters"),
    ("[" * 100_000 + "]" * 100_000, "nested more than"),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested more than"),
    ('{"q": "\\ud800"}', "lone surrogate (\\ud800)"),
    ('{"\\udfff": 1}', "lone surrogate (\\udfff)"),
    ('{"q": ', "invalid JSON"),
], ids=["int", "negative-int", "float", "deep", "just-past-the-bound", "surrogate-value", "surrogate-key",
        "truncated"])
def test_json_no_reader_should_hold(text, reason):
    with pytest.raises(JsonProblem) as info:
        loads_json(text)
    assert reason in info.value.reason


def test_json_that_is_fine_still_parses():
    assert loads_json('{"q": "caf\\u00e9 \\ud83d\\ude00", "n": ' + "7" * 4300 + ", \"x\": [[[1.5]]]}")["x"] == [[[1.5]]]


# -- outputs -----------------------------------------------------------------------------------------------


def test_a_trailing_slash_means_a_folder(tmp_path):
    assert output_path(f"{tmp_path}/new/", "--out", default_name="x.jsonl", create_parent=True) == \
        tmp_path / "new" / "x.jsonl"
    assert not (tmp_path / "new").exists()  # checked, not created: that waits for the write
    with pytest.raises(FileProblem, match="is a folder"):
        output_path(f"{tmp_path}/other/", "--out")
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("make,kind", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.symlink_to("/dev/null"), "character device"),
    (lambda p: p.symlink_to(p.parent / "nowhere"), "symlink to nothing"),
], ids=["fifo", "link-to-dev-null", "dangling-link"])
def test_special_outputs_are_refused_not_replaced(tmp_path, make, kind):
    target = tmp_path / "out.jsonl"
    make(target)
    before = os.lstat(target)
    with pytest.raises(FileProblem, match=kind):
        output_path(target, "--out")
    after = os.lstat(target)
    assert (stat.S_IFMT(after.st_mode), after.st_ino) == (stat.S_IFMT(before.st_mode), before.st_ino)


def test_an_output_is_never_an_input(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("{}\n")
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(data)
    hard = tmp_path / "hard.jsonl"
    os.link(data, hard)
    for name in (data, alias, hard, tmp_path / "." / "data.jsonl"):
        with pytest.raises(FileProblem, match="would overwrite the data file"):
            output_path(name, "--out", inputs=[(data, "data file")])
    assert data.read_text() == "{}\n"


def test_a_symlink_to_a_regular_file_is_followed(tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    target = output_path(link, "--out")
    write_text(target, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_output_is_renamed_into_place_only_when_complete(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError):
        with AtomicOutput(target) as out:
            with out.open("w") as f:
                f.write("half")
            raise RuntimeError("failed mid-way")
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left
    with AtomicOutput(target) as out:
        with out.open("w") as f:
            f.write("complete\n")
    assert target.read_text() == "complete\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_export_into_a_new_folder_with_a_trailing_slash(tmp_path):
    from mathagent.traces.db import open_database

    db = tmp_path / "traces.db"
    with open_database(f"sqlite:///{db}"):
        pass
    proc = run_cli(["export", "--format", "sharegpt", "--out", f"{tmp_path}/newdir/", "--db", f"sqlite:///{db}",
                    "--json"])
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["output"] == str(tmp_path / "newdir" / "sharegpt.jsonl")
    assert result["card"] == str(tmp_path / "newdir" / "README.md")
    assert (tmp_path / "newdir").is_dir() and not (tmp_path / "README.md").exists()


def test_open_input_closes_on_refusal(tmp_path):
    before = len(os.listdir("/proc/self/fd"))
    (tmp_path / "d").mkdir()
    for _ in range(50):
        with pytest.raises(FileProblem):
            open_input(tmp_path / "d", "data")
    assert len(os.listdir("/proc/self/fd")) <= before + 1


# -- round three (issue 16): every output checked before any write, outputs told apart, folders made on write --


def test_checking_an_output_creates_no_folder_and_a_failed_write_leaves_none(tmp_path):
    target = output_path(tmp_path / "a" / "b" / "out.jsonl", "--out", create_parent=True)
    assert not (tmp_path / "a").exists()
    with pytest.raises(RuntimeError):
        with AtomicOutput(target):
            assert (tmp_path / "a" / "b").is_dir()  # made when the writing starts
            raise RuntimeError("failed mid-way")
    assert not (tmp_path / "a").exists()  # and removed with the failed write
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "keep.txt").write_text("x")
    with pytest.raises(RuntimeError):
        with AtomicOutput(target):
            raise RuntimeError("failed mid-way")
    assert sorted(os.listdir(tmp_path / "a")) == ["keep.txt"]  # a folder that was there stays
    write_text(target, "done\n")
    assert target.read_text() == "done\n"
    with pytest.raises(FileProblem, match="Not a directory"):
        output_path(tmp_path / "a" / "keep.txt" / "x" / "out.jsonl", "--out", create_parent=True)
    (tmp_path / "a" / "dangling").symlink_to("nowhere")
    with pytest.raises(FileProblem, match="dangling is not a folder"):
        output_path(tmp_path / "a" / "dangling" / "x" / "out.jsonl", "--out", create_parent=True)


def test_outputs_of_one_command_are_distinct(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("{}\n")
    link = tmp_path / "link.md"
    link.symlink_to(data)
    hard = tmp_path / "hard.md"
    os.link(data, hard)
    for other in (tmp_path / "." / "data.jsonl", link, hard):
        with pytest.raises(FileProblem, match="same file as --out"):
            distinct_outputs([(data, "--out"), (other, "the dataset card")])
    distinct_outputs([(data, "--out"), (tmp_path / "README.md", "the dataset card")])


def _seed_db(path: Path) -> str:
    from mathagent.traces.db import open_database
    from mathagent.traces.store import add_trace_once

    with open_database(f"sqlite:///{path}") as factory:
        rec = pot_trace("What is 2+2?", "print(2+2)", "4", stdout="4\n")
        assert add_trace_once(factory, rec)
    return rec.id


def test_the_dataset_card_never_overwrites_the_data(tmp_path):
    db = tmp_path / "traces.db"
    _seed_db(db)
    url = f"sqlite:///{db}"
    # the audit's case: --out names the file the card goes to
    proc = run_cli(["export", "--format", "openai-chat", "--out", "c1/README.md", "--db", url], cwd=str(tmp_path))
    assert_clean_error(proc, "the dataset card", "same file as --out")
    assert not (tmp_path / "c1").exists()
    # an earlier card (ours, so the next card would replace it) named as the data file
    ok = run_cli(["export", "--format", "trl", "--out", "c2/data.jsonl", "--db", url], cwd=str(tmp_path))
    assert ok.returncode == 0, ok.stderr
    card = tmp_path / "c2" / "README.md"
    before = card.read_bytes()
    proc = run_cli(["export", "--format", "sharegpt", "--out", "c2/README.md", "--db", url], cwd=str(tmp_path))
    assert_clean_error(proc, "same file as --out")
    # a link to that card as the data file
    (tmp_path / "c2" / "link.jsonl").symlink_to("README.md")
    proc = run_cli(["export", "--format", "trl", "--out", "c2/link.jsonl", "--db", url], cwd=str(tmp_path))
    assert_clean_error(proc, "same file as --out")
    assert card.read_bytes() == before


def _seed_runs(path: Path) -> tuple[str, str, list[str]]:
    """Run 1 judged its answers (verification levels, a figures file); run 2 did not.  Returns the ids and run 1's
    trace ids."""
    from mathagent.eval.runs import create_run
    from mathagent.traces.db import open_database
    from mathagent.traces.records import TraceRecord
    from mathagent.traces.store import add_trace_once

    ids = []
    with open_database(f"sqlite:///{path}") as factory:
        r1 = create_run(factory, "gsm8k", {"strategies": ["agent"], "samples": 1})
        r2 = create_run(factory, "gsm8k", {"strategies": ["cot"], "samples": 1})
        for i in range(2):
            rec = TraceRecord(problem=f"What is {i}+2?", model="m", backend="local", status="answered",
                              answer=str(i + 2), run_id=r1.id, dataset="gsm8k", problem_id=f"p{i}", strategy="agent",
                              gold=str(i + 2), correct=True, source="eval", level="consensus",
                              agent_level="consensus", confidence=0.9)
            assert add_trace_once(factory, rec)
            ids.append(rec.id)
            assert add_trace_once(factory, TraceRecord(
                problem=f"What is {i}+2?", model="m", backend="local", status="answered", answer=str(i + 2),
                run_id=r2.id, dataset="gsm8k", problem_id=f"p{i}", strategy="cot", gold=str(i + 2), correct=True,
                source="eval"))
    return r1.id, r2.id, ids


def test_report_checks_every_file_before_writing_or_removing_one(tmp_path):
    from mathagent.eval.report import safe_name

    rep = tmp_path / "rep"
    rep.mkdir()
    db = rep / "levels.json"  # the audit's case: the database is where the figures file goes
    r1, r2, trace_ids = _seed_runs(db)
    before = db.read_bytes()
    url = f"sqlite:///{db}"
    proc = run_cli(["report", r2, "--out", "rep", "--db", url], cwd=str(tmp_path))  # no levels: it was deleted
    assert_clean_error(proc, "would overwrite the trace database")
    assert db.read_bytes() == before and not (rep / "index.html").exists()
    (rep / "index.html").write_text("earlier index")
    (rep / "report.md").write_text("earlier report")
    proc = run_cli(["report", r1, "--out", "rep", "--db", url], cwd=str(tmp_path))  # levels: refused, but late
    assert_clean_error(proc, "would overwrite the trace database")
    assert (rep / "index.html").read_text() == "earlier index" and (rep / "report.md").read_text() == "earlier report"
    assert not (rep / "traces").exists() and db.read_bytes() == before
    # the database as a trace page: refused before index.html is written
    pages = tmp_path / "pages"
    (pages / "traces").mkdir(parents=True)
    page_db = pages / "traces" / f"{safe_name(trace_ids[0])}.html"
    os.replace(db, page_db)
    proc = run_cli(["report", r1, "--out", str(pages), "--db", f"sqlite:///{page_db}"])
    assert_clean_error(proc, "would overwrite the trace database")
    assert sorted(os.listdir(pages)) == ["traces"] and page_db.read_bytes() == before
    # report.md a hard link to the database
    hard = tmp_path / "hard_out"
    hard.mkdir()
    os.link(page_db, hard / "report.md")
    proc = run_cli(["report", r2, "--out", str(hard), "--db", f"sqlite:///{page_db}"])
    assert_clean_error(proc, "would overwrite the trace database")
    assert sorted(os.listdir(hard)) == ["report.md"] and page_db.read_bytes() == before


def test_report_removes_only_its_own_stale_figures_file(tmp_path):
    db = tmp_path / "traces.db"
    r1, r2, _ = _seed_runs(db)
    url = f"sqlite:///{db}"
    mine = tmp_path / "mine"
    assert run_cli(["report", r1, "--out", str(mine), "--db", url]).returncode == 0
    assert (mine / "levels.json").is_file()
    proc = run_cli(["report", r2, "--out", str(mine), "--db", url])  # an earlier run's figures would be quoted
    assert proc.returncode == 0, proc.stderr
    assert not (mine / "levels.json").exists() and (mine / "index.html").is_file()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "levels.json").write_text('{"someone": "else"}\n')
    proc = run_cli(["report", r2, "--out", str(theirs), "--db", url])
    assert proc.returncode == 0, proc.stderr
    assert (theirs / "levels.json").read_text() == '{"someone": "else"}\n'


def test_closed_stderr_is_no_reason_to_write_errors_to_stdout(tmp_path):
    def close_stderr() -> None:
        os.close(2)

    import subprocess

    from cli_helpers import MATHAGENT

    proc = subprocess.run([MATHAGENT, "traces", "list", "--db", f"sqlite:///{tmp_path}/new/x.db"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, preexec_fn=close_stderr,  # noqa: PLW1509
                          timeout=300)
    assert proc.returncode == 2 and proc.stdout == b""
    assert not (tmp_path / "new").exists()


def test_audit_checks_each_theorem_of_a_file_that_holds_several(tmp_path):
    """A statement is one declaration (prove refuses two); audit splits a file of theorems into its theorems."""
    (tmp_path / "Several.lean").write_text("import Mathlib\n\ntheorem good (x : ℕ) : x + 0 = x := by sorry\n\n"
                                           "theorem bad : (1:ℕ) = 2 := by sorry\n", "utf-8")
    (tmp_path / "One.lean").write_text("import Mathlib\ntheorem one : (2:ℕ) = 2 := by sorry\n", "utf-8")
    proc = run_cli(["audit", "minif2f", "--data", str(tmp_path), "--json"])
    assert proc.returncode == 0, proc.stderr
    results = {r["name"]: r["kind"] for r in json.loads(proc.stdout)["results"]}
    assert results == {"One": "proved", "good": "proved", "bad": "refuted"}, results
