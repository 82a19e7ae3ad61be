"""Verification levels of one eval run, measured against gold: precision and coverage per level, and the
confidence curve with the smallest threshold that reaches a precision target.

    python bench/verification.py RUN_ID [--db URL] [--strategy agent] [--target 0.99] [--json] [--out FILE]

For the run's ``--strategy`` (default: ``agent``), reading only the stored rows (no model):

* per level of the agent's own, gold-free judgement (formal, consensus, consensus or stronger, unverified):
  attempts, right, precision with a Wilson 95% interval, coverage (share of all attempts);
* the confidence curve: for each distinct confidence t, the answered attempts with confidence >= t:
  precision (Wilson 95%) and coverage;
* the smallest threshold whose precision reaches ``--target`` (the most coverage at that precision), with
  its coverage; or that none does.

``--out FILE`` also writes the figures file (:func:`mathagent.eval.levels.figures`), which
``mathagent export --precision-file FILE`` quotes in the dataset card.  Bad input (an unknown run, a
strategy the run does not have, a target outside [0, 1]) is an ``error:`` line (and a ``fix:`` line) on stderr
and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def measure(db_url: str, run_id: str, strategy: str, target: float) -> dict:
    """The figures of ``strategy`` in run ``run_id`` (see :func:`mathagent.eval.levels.figures`)."""
    from mathagent.errors import InputError
    from mathagent.eval.levels import figures
    from mathagent.eval.runs import load_run, result_rows
    from mathagent.traces.db import open_database

    with open_database(db_url) as factory:
        info = load_run(factory, run_id)
        rows = result_rows(factory, run_id)
    present = sorted({r.strategy for r in rows})
    if strategy not in present:
        raise InputError(f"run {run_id} has no rows of strategy {strategy!r}",
                         f"use --strategy with one of: {', '.join(present) or '(the run has no rows)'}")
    return figures(rows, run_id=info.id, dataset=info.dataset, strategy=strategy, target=target)


def _pct(v: float | None) -> str:
    return "   –  " if v is None else f"{v:6.1%}"


def _line(label: str, m: dict) -> str:
    lo, hi = m["ci95"]
    ci = f"[{lo:.3f}, {hi:.3f}]" if m["n"] else "      –       "
    return (f"{label:>22s}  {m['n']:6d}  {m['correct']:6d}  {_pct(m['precision'])}  {ci}  "
            f"{_pct(m['coverage'])}")


def render(fig: dict, *, max_points: int = 20) -> str:
    """The figures as text: per level, the curve (at most ``max_points`` rows), the chosen threshold."""
    from mathagent.eval.report.data import LEVEL_LABELS, LEVEL_ROWS, threshold_text
    from mathagent.eval.report.markdown import curve_points

    head = f"{'':>22s}  {'n':>6s}  {'right':>6s}  {'prec.':>6s}  {'95% CI':^14s}  {'cover.':>6s}"
    out = [f"run {fig['run_id']} ({fig['dataset']}), strategy {fig['strategy']}: {fig['attempts']} attempts", "",
           "agent level against gold", head]
    out += [_line(LEVEL_LABELS[k], fig["levels"][k]) for k in LEVEL_ROWS]
    out += ["", "confidence curve (answered attempts with confidence >= t)", head.replace(" " * 22, f"{'t':>22s}", 1)]
    chosen = fig.get("threshold")
    for p in curve_points(fig["curve"], chosen, max_points):
        mark = " <- target" if chosen and p["threshold"] == chosen["threshold"] else ""
        out.append(_line(f"{p['threshold']:.4g}", p) + mark)
    if not fig["curve"]:
        out.append(f"{'(no answered attempt has a confidence)':>22s}")
    out += ["", threshold_text(fig)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_id", help="the eval run id (printed by `mathagent eval`)")
    ap.add_argument("--db", default=os.environ.get("MATHAGENT_DB_URL"),
                    help="SQLAlchemy URL of the trace database [default: MATHAGENT_DB_URL, else the user's SQLite]")
    ap.add_argument("--strategy", default=os.environ.get("MATHAGENT_STRATEGY", "agent"),
                    help="the strategy whose judgement is measured [default: agent; MATHAGENT_STRATEGY]")
    ap.add_argument("--target", type=float, default=os.environ.get("MATHAGENT_TARGET_PRECISION", "0.99"),
                    help="the precision the threshold must reach [default: 0.99; MATHAGENT_TARGET_PRECISION]")
    ap.add_argument("--out", type=Path, help="also write the figures file (JSON) here")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)

    from mathagent.config import default_db_url
    from mathagent.cli.console import print_error
    from mathagent.errors import MathAgentError

    try:
        if not 0.0 <= args.target <= 1.0:
            raise ValueError(f"--target must be in [0, 1], not {args.target}")
        fig = measure(args.db or default_db_url(), args.run_id.strip(), args.strategy, args.target)
        if args.out is not None:
            args.out.write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
    except MathAgentError as exc:
        print_error(exc.message, exc.fix)
        return exc.exit_code
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(fig) if args.json else render(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
