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
from cli_helpers import run_cli  # noqa: E402

from mathagent.files import (  # noqa: E402
    MAX_JSON_DEPTH,
    AtomicOutput,
    FileProblem,
    JsonProblem,
    loads_json,
    open_input,
    output_path,
    read_lines,
    read_text,
    write_text,
)

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
