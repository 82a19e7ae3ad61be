"""A deterministic stand-in for the model in synth tests: it really solves a few problem templates.

It reads the numbers of the problem in the chat messages (digits and number
words, in order), recognises the template by its wording and answers with a
program (program prompts) or a ``\\boxed{}`` chain of thought (the chain of
thought prompt).  So it solves perturbed variants correctly, as a good model
would, and the agent's vote over its programs and its chain of thought reaches
consensus.  ``wrong_on_variants`` makes it answer one too many (by every
method, so the wrong answer still reaches consensus) on any text but the
seeds'; ``cot_off_by`` makes the chain of thought disagree (no consensus).
"""

from __future__ import annotations

import re
from fractions import Fraction

WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
         "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20}
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?|\b(?:" + "|".join(WORDS) + r")\b", re.IGNORECASE)

APPLES = "Tom has {a} apples. He buys {b} bags with {c} apples in each bag. How many apples does Tom have now?"
PENS = "Sam has {a} boxes with {b} pens each and gives away {c} pens. How many pens are left?"
PRICE = "A notebook costs ${a} and a pen costs ${b}. How much do {c} notebooks and one pen cost?"
SHARE = "{a} cookies are shared equally among {b} kids. How many cookies does each kid get?"
SPEND = "Ann had {a} dollars and spent {b} dollars on lunch. How many dollars does she have left?"
TEN = "What is the sum of the first ten positive integers?"


def numbers(text: str) -> list[Fraction]:
    out = []
    for tok in _NUM.findall(text):
        low = tok.lower()
        out.append(Fraction(WORDS[low]) if low in WORDS else Fraction(tok.replace(",", "")))
    return out


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else str(float(x))


def solve(text: str) -> tuple[str, str] | None:
    """(program, answer) for a known template."""
    n = numbers(text)
    if "apples in each bag" in text:
        a, b, c = n[:3]
        return f"apples = {_fmt(a)}\nbags = {_fmt(b)}\nper_bag = {_fmt(c)}\nprint(apples + bags * per_bag)", \
            _fmt(a + b * c)
    if "pens each" in text:
        a, b, c = n[:3]
        return f"boxes = {_fmt(a)}\npens = boxes * {_fmt(b)}\nprint(pens - {_fmt(c)})", _fmt(a * b - c)
    if "notebook costs" in text:
        a, b, c = n[:3]
        return (f"notebook = {_fmt(a)}\npen = {_fmt(b)}\ntotal = {_fmt(c)} * notebook + pen\nprint(total)",
                str(float(c * a + b)))
    if "shared equally" in text:
        a, b = n[:2]
        return f"print({_fmt(a)} / {_fmt(b)})", str(a / b if (a / b).denominator == 1 else float(a / b))
    if "spent" in text:
        a, b = n[:2]
        return f"print({_fmt(a)} - {_fmt(b)})", _fmt(a - b)
    if text == TEN:
        return "print(sum(range(1, 11)))", "55"
    return None


def is_feedback(content: str) -> bool:
    """A user message the agent wrote after a reply: a program's output or a repair request."""
    return content.startswith("```output") or "Reply with the corrected program" in content


def problem_of(messages: list[dict]) -> str:
    """The problem: the last user message that is not feedback (few-shot examples come before it)."""
    for m in reversed(messages):
        content = str(m.get("content") or "")
        if m.get("role") == "user" and not is_feedback(content):
            return content.strip()
    return ""


class Brain:
    """``reply(messages)`` for :class:`fakes.ScriptedLLM`."""

    def __init__(self, *, wrong_on_variants: bool = False, seeds: tuple[str, ...] = (),
                 cot_off_by: int = 0, cot_off_on_variants: bool = False,
                 answer_override: dict[str, str] | None = None):
        self.wrong_on_variants = wrong_on_variants
        self.seeds = set(seeds)
        self.cot_off_by = cot_off_by
        self.cot_off_on_variants = cot_off_on_variants  # the chain of thought is off by one on all but the seeds
        self.answer_override = answer_override or {}

    def __call__(self, messages: list[dict]) -> str:
        system = str(messages[0].get("content") or "") if messages else ""
        text = problem_of(messages)
        solved = solve(text)
        if solved is None:
            return "I am not sure."
        program, answer = solved
        if self.wrong_on_variants and text not in self.seeds:
            lines = program.split("\n")
            lines[-1] = lines[-1].replace("print(", "print(1 + ", 1)
            program = "\n".join(lines)
            answer = str(Fraction(answer) + 1) if "." not in answer else str(float(answer) + 1)
        if "```python" in system:
            return f"```python\n{program}\n```"
        boxed = self.answer_override.get(text, answer)
        if self.cot_off_by:
            boxed = str(Fraction(boxed) + self.cot_off_by)
        elif self.cot_off_on_variants and text not in self.seeds:
            boxed = str(Fraction(boxed) + 1)
        return f"Working it out step by step. \\boxed{{{boxed}}}"
