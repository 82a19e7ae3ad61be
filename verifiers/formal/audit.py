"""Audit a benchmark: run the SMT check on every statement, flag bad ones.

A statement is flagged when it is `refuted` (false as written) or `vacuous`
(contradictory hypotheses).  `summarize` gives per-verdict counts overall and
per problem source (the name prefix: `mathd_algebra`, `amc12a`, `imo`, ...),
from mathagent.verifiers.formal.errors import FormalInputError, MalformedStatement
from mathagent.verifiers.formal.loader import StatementRecord, load_statements
from mathagent.verifiers.formal.verdicts import (
    VERDICT_KINDS, Refuted, Unknown, Unsupported, Vacuous, Verdict, verdict_to_dict,
)
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mathagent.errors import InputError
from mathagent.verifiers.formal.api import check_statement
from mathagent.verifiers.formal.errors import FormalInputError, MalformedStatement
from mathagent.verifiers.formal.loader import StatementRecord, load_statements
from mathagent.verifiers.formal.verdicts import (
    VERDICT_KINDS, Refuted, Unknown, Unsupported, Vacuous, Verdict, verdict_to_dict,
)


@dataclass(frozen=True)
class AuditResult:
    name: str
    verdict: Verdict

    @property
    def flagged(self) -> bool:
        return isinstance(self.verdict, (Refuted, Vacuous))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": problem_source(self.name), "flagged": self.flagged,
                **verdict_to_dict(self.verdict)}


def problem_source(name: str) -> str:
    """`mathd_algebra_433` -> `mathd_algebra`, `aime_1996_p5` -> `aime`, `amc12a_2008_p4` -> `amc12`."""
    m = re.match(r"(mathd_algebra|mathd_numbertheory|amc12|aime|imo|induction|algebra|numbertheory)", name)
    return m.group(1) if m else name.split("_")[0]


def audit_statements(records: Iterable[StatementRecord | dict[str, Any]], timeout_s: float = 5.0,
                     progress: Callable[[AuditResult], None] | None = None,
                     rlimit: int | None = None) -> list[AuditResult]:
    """Check every record (StatementRecord or dict with name/formal_statement); never raises per record.
    `rlimit` is passed to :func:`check_statement` (its default when None)."""
    out: list[AuditResult] = []
    for r in records:
        name = r.name if isinstance(r, StatementRecord) else str(r.get("name", "?"))
        text = r.formal_statement if isinstance(r, StatementRecord) else str(r.get("formal_statement", ""))
        try:
            verdict = check_statement(text, timeout_s, rlimit=rlimit)
        except MalformedStatement as m:
            verdict = Unsupported("z3", "malformed statement", m.message.removeprefix("malformed Lean statement: "))
        res = AuditResult(name, verdict)
        out.append(res)
        if progress is not None:
            progress(res)
    return out


def audit_path(data: str | Path, *, limit: int | None = None,
               timeout_s: float = 5.0) -> tuple[list[AuditResult], dict[str, Any]]:
    """Load the statements (a folder of .lean files or a JSONL), check the first ``limit`` (all when falsy):
    ``(results, summary)``.  An unreadable input is an :class:`~mathagent.errors.InputError`."""
    try:
        records = load_statements(data)
    except FormalInputError as exc:
        raise InputError(exc.message, exc.fix) from None
    if limit:
        records = records[:limit]
    results = audit_statements(records, timeout_s=timeout_s)
    return results, summarize(results)


def summarize(results: list[AuditResult]) -> dict[str, Any]:
    """Counts per verdict overall and per source, constructs behind `unsupported`, what stopped each
    `unknown`, plus timing (median/p90 ms)."""
    total = {k: 0 for k in VERDICT_KINDS}
    by_source: dict[str, dict[str, int]] = {}
    constructs: dict[str, int] = {}
    stopped: dict[str, int] = {}
    for r in results:
        total[r.verdict.kind] += 1
        src = by_source.setdefault(problem_source(r.name), {k: 0 for k in VERDICT_KINDS})
        src[r.verdict.kind] += 1
        if isinstance(r.verdict, Unsupported):
            constructs[r.verdict.construct] = constructs.get(r.verdict.construct, 0) + 1
        if isinstance(r.verdict, Unknown):
            key = r.verdict.stopped_by or "z3 gave up / unconfirmed"
            stopped[key] = stopped.get(key, 0) + 1
    times = sorted(r.verdict.elapsed_ms for r in results)
    return {
        "n": len(results),
        "verdicts": total,
        "by_source": dict(sorted(by_source.items())),
        "unsupported_constructs": dict(sorted(constructs.items(), key=lambda kv: (-kv[1], kv[0]))),
        "unknown_stopped_by": dict(sorted(stopped.items())),
        "median_ms": round(statistics.median(times), 2) if times else None,
        "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 2) if times else None,
        "flagged": [r.name for r in results if r.flagged],
    }


def markdown_table(summary: dict[str, Any]) -> str:
    head = "| source | n | " + " | ".join(VERDICT_KINDS) + " |"
    sep = "|---|---:|" + "---:|" * len(VERDICT_KINDS)
    rows = [head, sep]
    for src, counts in summary["by_source"].items():
        rows.append(f"| {src} | {sum(counts.values())} | " + " | ".join(str(counts[k]) for k in VERDICT_KINDS) + " |")
    t = summary["verdicts"]
    rows.append(f"| **all** | {summary['n']} | " + " | ".join(f"**{t[k]}**" for k in VERDICT_KINDS) + " |")
    return "\n".join(rows)
