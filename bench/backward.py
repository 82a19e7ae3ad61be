"""Backward verification (FOBAR-style), measured before building it: can the model recover a masked number of
the problem when it is given the answer?

    python bench/backward.py build RUN_ID --out BACKWARD.jsonl [--db URL] [--strategy pot] [--mask 0]
    mathagent eval gsm8k --data BACKWARD.jsonl --strategy pot,cot --cache      # the backward run
    python bench/backward.py score BACKWARD_RUN_ID --data BACKWARD.jsonl [--db URL]

``build`` reads the forward answers of one finished GSM8K-style eval run (``--strategy``'s attempt per
problem) and writes, for each answered problem, a backward problem in GSM8K's JSONL format: one number of the
question (the ``--mask``-th that occurs once, not part of a fraction or a time) replaced by ``x``, then
"If we know the answer to the above question is A, what is the value of unknown variable x?" with the
forward answer A; its gold answer is the masked number.  Each line also carries ``forward_id`` and
``forward_correct``.

``score`` prints, per backward strategy, how often x was recovered when the forward answer was right (the
check would keep a right answer) and when it was wrong (it would keep a wrong one).  A check worth adding
keeps nearly every right answer and few wrong ones; ungraded attempts are left out.  docs/results.md
("Backward verification (FOBAR), measured on train and dropped") has the figures for the embedded model.  The
trace database is only read.  Bad input is one ``error:`` line (and a ``fix:`` line) and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

# a plain number (1,200.50 / 3.5 / .75) not glued to a word, a decimal point, a fraction bar or a time's colon,
# and not the whole part of a mixed number (2 1/2)
_NUMBER = re.compile(r"(?<![\w.,/:])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
                     r"(?![\w/:]|\.\d|,\d{3}|\s+\d+\s*/\s*\d)")


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def mask(question: str, which: int = 0) -> tuple[str, str] | None:
    """``question`` with its ``which``-th maskable number (0-based) replaced by ``x``, and that number's text;
    None when it has fewer maskable numbers (a number is maskable when it occurs exactly once: x must stand for
    one quantity)."""
    if which < 0:
        raise ValueError(f"the mask index must be 0 or more, not {which}")
    found = list(_NUMBER.finditer(question))
    values = [_value(m.group(1)) for m in found]
    once = [m for m, v in zip(found, values) if values.count(v) == 1]
    if which >= len(once):
        return None
    m = once[which]
    return question[:m.start()] + "x" + question[m.end():], m.group(1)


def backward_problem(question: str, answer: str, which: int = 0) -> dict | None:
    """One backward problem in GSM8K's format (``question``, ``answer`` = ``#### <masked number>``)."""
    masked = mask(question, which)
    if masked is None:
        return None
    text, number = masked
    v = _value(number)
    gold = str(int(v)) if v == int(v) else repr(v)
    return {"question": f"{text}\nIf we know the answer to the above question is {answer}, what is the value of "
                        f"unknown variable x?", "answer": f"#### {gold}"}


def _rows(db_url: str, run_id: str):
    from sqlalchemy import select
    from sqlalchemy.engine import make_url

    from mathagent.errors import InputError
    from mathagent.traces.db import open_database, session_scope
    from mathagent.traces.models import Trace

    with open_database(db_url, read_only=True) as factory, session_scope(factory) as s:
        rows = s.execute(select(Trace.problem_id, Trace.strategy, Trace.problem, Trace.answer, Trace.correct)
                         .where(Trace.run_id == run_id, Trace.correct.is_not(None))  # graded attempts only
                         .order_by(Trace.problem_id)).all()
    if not rows:
        shown = make_url(db_url).render_as_string(hide_password=True)
        raise InputError(f"run {run_id} has no graded attempts in {shown}", "pass the id `mathagent eval` printed")
    return rows


def build(db_url: str, run_id: str, strategy: str, which: int, out: Path) -> tuple[int, int]:
    from mathagent.errors import InputError

    n = right = 0
    rows = _rows(db_url, run_id)
    present = sorted({r[1] for r in rows})
    if strategy not in present:
        raise InputError(f"run {run_id} has no attempts of strategy {strategy!r}",
                         f"pass --strategy with one of: {', '.join(present)}")
    with out.open("w", encoding="utf-8") as f:
        for pid, strat, question, answer, correct in rows:
            if strat != strategy or not answer:
                continue
            b = backward_problem(question, answer, which)
            if b is None:
                continue
            f.write(json.dumps({**b, "forward_id": pid, "forward_correct": bool(correct)}) + "\n")
            n, right = n + 1, right + bool(correct)
    return n, right


def _forward(data: Path) -> dict[str, bool]:
    """question -> whether its forward answer was right, from the file ``build`` wrote."""
    from mathagent.errors import InputError

    forward = {}
    for n, line in enumerate(data.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{data}:{n} is not JSON ({exc.msg})", "pass the file `build` wrote") from None
        if not isinstance(d, dict) or not isinstance(d.get("question"), str) or "forward_correct" not in d:
            raise InputError(f"{data}:{n} is not a backward problem (no question or forward_correct)",
                             "pass the file `build` wrote")
        forward[d["question"]] = bool(d["forward_correct"])
    return forward


def score(db_url: str, run_id: str, data: Path) -> str:
    forward = _forward(data)
    counts: Counter = Counter()
    for _pid, strat, question, _answer, correct in _rows(db_url, run_id):
        if question in forward:
            counts[(strat, forward[question], bool(correct))] += 1
    out = [f"{'strategy':>9s}  {'forward right: x recovered':>27s}  {'forward wrong: x recovered':>27s}"]
    for strat in sorted({k[0] for k in counts}):
        cells = []
        for fwd in (True, False):
            got, n = counts[(strat, fwd, True)], counts[(strat, fwd, True)] + counts[(strat, fwd, False)]
            cells.append(f"{got:>4d} of {n:<4d}" + (f" ({got / n:.0%})" if n else "      "))
        out.append(f"{strat:>9s}  {cells[0]:>27s}  {cells[1]:>27s}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the backward problems of a finished run")
    b.add_argument("run_id")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--strategy", default="pot", help="whose forward answers [default: pot]")
    b.add_argument("--mask", type=int, default=0,
                   help="which maskable number (0: the first; problems with fewer are left out) [default: 0]")
    s = sub.add_parser("score", help="recovery rates of a backward run")
    s.add_argument("run_id")
    s.add_argument("--data", type=Path, required=True, help="the file `build` wrote")
    for p in (b, s):
        p.add_argument("--db", default=os.environ.get("MATHAGENT_DB_URL"),
                       help="SQLAlchemy URL of the trace database [default: MATHAGENT_DB_URL, else the user's SQLite]")
    args = ap.parse_args(argv)

    from mathagent.config import default_db_url
    from mathagent.cli.console import print_error
    from mathagent.errors import MathAgentError

    db = args.db or default_db_url()
    if args.cmd == "build" and args.mask < 0:
        ap.error(f"--mask must be 0 or more, not {args.mask}")
    try:
        if args.cmd == "build":
            n, right = build(db, args.run_id.strip(), args.strategy, args.mask, args.out)
            print(f"wrote {n} backward problems to {args.out} ({right} of them from right forward answers)")
        else:
            print(score(db, args.run_id.strip(), args.data))
    except MathAgentError as exc:
        print_error(exc.message, exc.fix)
        return exc.exit_code
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
