"""`mathagent grade PREDICTION GOLD`: every golden grading case through the command (in process), the JSON
shape, exit codes (0 for either verdict, non-zero only for bad input) and the public ``from mathagent
import grade``.  Bad input through a real process is in test_bad_input_all.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mathagent.cli.commands import grade as grade_cmd
from mathagent.errors import InputError

sys.path.insert(0, str(Path(__file__).parent))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402

CASES_FILE = Path(__file__).parents[1] / "eval" / "grading_cases.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
RUNNABLE = [c for c in CASES if c["prediction"] and c["prediction"].strip()
            and not (c["expected"] == "parse_error" and c.get("gold_format") in ("math", "gsm8k"))]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    grade_cmd.register(app)
    app.command("noop")(lambda: None)  # two commands: Typer keeps the command name in the path
    return app


def invoke(app: typer.Typer, *args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["grade", *args], input=stdin, catch_exceptions=True)


@pytest.mark.parametrize("case", RUNNABLE, ids=[c["id"] for c in RUNNABLE])
def test_golden_case_through_the_command(app, case: dict) -> None:
    res = invoke(app, case["prediction"], case["gold"], "--gold-format", case.get("gold_format", "auto"), "--json",
                 "--timeout", "60")  # verdicts under test, not speed
    assert res.exit_code == 0, (res.output, res.exception)
    got = json.loads(res.stdout)
    assert set(got) == {"correct", "status", "detail", "prediction_answer", "gold_answer"}
    assert got["status"] == case["expected"], (got, case["note"])
    assert got["correct"] is (case["expected"] == "correct")


def test_answers_starting_with_a_minus_are_arguments(app) -> None:
    res = invoke(app, "-5", "--json", "-\\frac{10}{2}")
    assert res.exit_code == 0 and json.loads(res.stdout)["correct"] is True, res.output
    typo = invoke(app, "5", "5", "--jsn")
    assert typo.exit_code != 0


def test_human_output_names_the_verdict_and_the_answers(app) -> None:
    right = invoke(app, "The answer is $\\boxed{\\frac{1}{2}}$.", "0.5")
    wrong = invoke(app, "x<3", "(-\\infty, 3]")
    assert right.exit_code == 0 and right.stdout.startswith("correct: ")
    assert "prediction answer: '\\\\frac{1}{2}'" in right.stdout
    assert wrong.exit_code == 0 and wrong.stdout.startswith("incorrect")


def test_gold_from_stdin_and_gold_formats(app) -> None:
    gsm = invoke(app, "#### 72", "-", "--gold-format", "gsm8k", "--json", stdin="48 + 24 = 72\n#### 72\n")
    assert gsm.exit_code == 0 and json.loads(gsm.stdout)["correct"] is True
    math = invoke(app, "0.75", "so $\\boxed{\\frac34}$", "--gold-format", "math", "--json")
    assert json.loads(math.stdout)["gold_answer"] == "\\frac34"


@pytest.mark.parametrize("args, needle", [
    (("", "5"), "prediction is empty"),
    (("5", "   "), "gold answer is empty"),
    (("5", "five", "--gold-format", "math"), "no \\boxed{} answer"),
    (("5", "five", "--gold-format", "gsm8k"), "no '#### N' line"),
    (("5", "5", "--gold-format", "mathematica"), "unknown --gold-format"),
    (("-", "-"), "cannot both be read from stdin"),
    (("1" * 100_001, "5"), "longer than 100000 characters"),
])
def test_bad_input_is_an_error(app, args, needle) -> None:
    res = invoke(app, *args)
    assert isinstance(res.exception, InputError) and res.exception.exit_code == 2, res.output
    assert needle in res.exception.message


def test_a_real_process_exits_zero_for_either_verdict_and_two_for_bad_input() -> None:
    right = run_cli(["grade", "--json", "14 - I", "14 - i"], timeout=300)
    wrong = run_cli(["grade", "10^{-13}", "2 \\cdot 10^{-13}"], timeout=300)
    assert right.returncode == 0 and json.loads(right.stdout)["correct"] is True, right.stderr
    assert wrong.returncode == 0 and wrong.stdout.decode().startswith("incorrect"), wrong.stderr
    assert_clean_error(run_cli(["grade", "", "5"]), "empty")
    assert run_cli(["grade", "", "5"]).returncode == 2


def test_public_api_is_lazy() -> None:
    code = ("import sys, mathagent\n"
            "assert 'sympy' not in sys.modules and 'mathagent.eval.grading' not in sys.modules\n"
            "from mathagent import grade, equivalent, GradeResult\n"
            "r = grade('The answer is $\\\\boxed{12}$.', '12')\n"
            "assert isinstance(r, GradeResult) and r.correct and equivalent('1/2', '0.5') is True\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert proc.stdout.strip() == b"ok", proc.stderr
