"""LLM-guided proof search for formal goals.

The model proposes tactics for a goal (with retrieved premises in the prompt);
best-first search (:func:`mathagent.verifiers.lean.search.best_first_search`)
applies them through a tactic environment (the Lean REPL where Lean exists).
SMT runs first as a millisecond pre-filter: a refuted or vacuous statement
stops before any Lean work, and for goals SMT proves, the closing tactics it
suggests are tried first.  A proof found by search is re-checked as a whole
file before it is called Lean-verified.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from mathagent.agent.llm import LLM, GenerationParams
from mathagent.verifiers.formal.verdicts import LEAN_LABEL, Proved, Unknown, Verdict
from mathagent.verifiers.lean.search import (Proposer, SearchBudget, SearchResult, TacticEnv, best_first_search,
                                             smt_prefilter)

TACTIC_SYSTEM = (
    "You are an expert Lean 4 and Mathlib user. Given a proof goal, propose up to {n} different single "
    "tactics that make progress or close it. One tactic per line, no numbering, no explanations, no code fences."
)
MAX_TACTIC_CHARS = 300
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def parse_tactics(text: str, limit: int) -> list[str]:
    """Tactic lines from a model reply: fences, bullets and numbering stripped, duplicates dropped."""
    out: list[str] = []
    for line in (text or "").splitlines():
        line = _BULLET.sub("", line.strip()).strip().strip("`").strip()
        if not line or line.startswith(("```", "--", "lean")) or len(line) > MAX_TACTIC_CHARS:
            continue
        if line not in out:
            out.append(line)
        if len(out) >= limit:
            break
    return out


def llm_proposer(llm: LLM, *, n: int = 8, hints: tuple[str, ...] = (),
                 premises: Callable[[str], list[str]] | None = None, max_tokens: int = 256) -> Proposer:
    """A proposer: SMT hints first (score 0), then the model's tactics by rank (score -0.5 per rank)."""
    def propose(goal: str) -> list[tuple[str, float]]:
        context = ""
        if premises is not None:
            found = premises(goal)
            if found:
                context = "Possibly useful premises:\n" + "\n".join(found) + "\n\n"
        messages = [{"role": "system", "content": TACTIC_SYSTEM.format(n=n)},
                    {"role": "user", "content": f"{context}Goal:\n{goal}"}]
        reply = llm.complete(messages, GenerationParams(max_tokens=max_tokens)).text
        ranked = [(t, 0.0) for t in hints]
        ranked += [(t, -0.5 * (i + 1)) for i, t in enumerate(parse_tactics(reply, n)) if t not in hints]
        return ranked
    return propose


def prove_by_search(statement: str, env: TacticEnv, llm: LLM, *, budget: SearchBudget = SearchBudget(),
                    premises: Callable[[str], list[str]] | None = None,
                    recheck: Callable[[str], Verdict] | None = None, smt_timeout_s: float = 1.0) -> Verdict:
    """SMT pre-filter, then best-first search; the found proof is re-checked with ``recheck`` if given."""
    start = time.monotonic()
    pre = smt_prefilter(statement, smt_timeout_s)
    if pre.stop:
        return pre.verdict
    result: SearchResult = best_first_search(env, statement, llm_proposer(llm, hints=pre.hints, premises=premises),
                                             budget)
    ms = (time.monotonic() - start) * 1000
    if not result.proved:
        return Unknown("lean-search", LEAN_LABEL, f"no proof found: {result.reason} after "
                                                   f"{result.expansions} expansions", ms)
    proof = statement.rsplit(":=", 1)[0] + ":= by\n" + "\n".join("  " + t for t in result.tactics)
    if recheck is not None:
        final = recheck(proof)
        if final.kind != "proved":
            return Unknown("lean-search", LEAN_LABEL, f"search proof failed the whole-file check: {final.reason}", ms)
    return Proved("lean-search", LEAN_LABEL, ms, note="proof: " + "; ".join(result.tactics))
