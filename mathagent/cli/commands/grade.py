"""`mathagent grade PREDICTION GOLD`: grade one answer against a gold answer, as the evaluator does.

``PREDICTION`` is a model reply or a bare answer (its final answer is extracted: the last ``\\boxed{}``,
``#### N``, "the answer is X"); ``GOLD`` is read by ``--gold-format``.  Either argument may be ``-`` to
read it from stdin (not both); an answer starting with ``-`` (``-5``) is an argument, not an option.
Prints ``correct``/``incorrect`` with the status and the rule that decided, or with ``--json`` one object
``{"correct", "status", "detail", "prediction_answer", "gold_answer"}``.  Exit code 0 for either verdict; bad input (empty, not UTF-8, over
``MAX_GRADE_CHARS``, a gold without the answer its format promises) is a one-line error with exit code 2.
"""

from __future__ import annotations

import json
import sys

import typer

from mathagent.config import env
from mathagent.errors import InputError
from mathagent.cli.inputs import text_argument

MAX_GRADE_CHARS = 100_000
GOLD_FORMAT_HELP = ("How to read GOLD: auto (a \\boxed{} if there is one, else '#### N', else the text), "
                    "math (a MATH solution's last \\boxed{}), gsm8k (the text after '####'), latex (GOLD is the "
                    "answer)")


def _read(value: str, what: str) -> str:
    text = text_argument(value, what)
    if len(text) > MAX_GRADE_CHARS:
        raise InputError(f"the {what} is longer than {MAX_GRADE_CHARS} characters ({len(text)})",
                         f"pass only the {what}'s final part")
    if "\x00" in text:
        raise InputError(f"the {what} contains a NUL byte", f"pass the {what} as text")
    if not text.strip():
        raise InputError(f"the {what} is empty", "mathagent grade '\\boxed{12}' 12")
    return text


def grade_command(
    prediction: str = typer.Argument(..., help="The model's reply or its final answer; '-' reads stdin.",
                                     show_default=False),
    gold: str = typer.Argument(..., help="The gold answer (or solution, see --gold-format); '-' reads stdin.",
                               show_default=False),
    gold_format: str = typer.Option("auto", "--gold-format", envvar=env("gold_format"), help=GOLD_FORMAT_HELP),
    timeout: float = typer.Option(5.0, "--timeout", envvar=env("timeout"), min=0.1, max=600.0,
                                  help="Seconds the comparison may take (a verifier worker's start-up not counted)."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object."),
) -> None:
    """Grade PREDICTION against GOLD with the evaluator's grader (exit 0 for either verdict)."""
    from mathagent.eval.grading import GOLD_FORMATS, gold_answer, grade

    if gold_format not in GOLD_FORMATS:
        raise InputError(f"unknown --gold-format {gold_format!r}", f"use one of: {', '.join(GOLD_FORMATS)}")
    if prediction == "-" and gold == "-":
        raise InputError("PREDICTION and GOLD cannot both be read from stdin", "pass one of them as an argument")
    pred_text = _read(prediction, "prediction")
    gold_text = _read(gold, "gold answer")
    if gold_answer(gold_text, gold_format) is None:
        need = {"math": "\\boxed{} answer", "gsm8k": "'#### N' line"}.get(gold_format, "answer")
        raise InputError(f"the gold answer has no {need} (--gold-format {gold_format})",
                         "pass the answer itself with --gold-format latex")
    result = grade(pred_text, gold_text, gold_format=gold_format, timeout_s=timeout)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return
    verdict = "correct" if result.correct else "incorrect"
    shown = result.status if result.status != verdict else ""
    typer.echo(f"{verdict}{f' ({shown})' if shown else ''}: {result.detail}")
    typer.echo(f"  prediction answer: {result.prediction_answer!r}\n  gold answer: {result.gold_answer!r}")


def register(app: typer.Typer) -> None:
    # answers often start with a minus (`-5`, `-2 < x < 5`): an unknown "option" is an argument here
    app.command("grade", context_settings={"ignore_unknown_options": True})(grade_command)
