"""Named, versioned prompts: one registry, chosen per method with ``--prompt``.

A prompt is a system message for one method (``pot``, ``cot``, ``tir``); the
user message is the problem text verbatim.  Each has a ``version``: a change of
wording is a new version, and a run records the name and version of every
prompt it used (``prompts_version``), so results stay comparable.

What is here and why:

* ``pot-plain`` and ``cot-plain``: the plain one-line prompts of the baselines
  the agent must beat (../shared/BASELINES.md): on held-out GSM8K the plain
  program prompt scored 64% with one sample, more than the agent of the time.
  ``--prompt pot-plain`` reproduces that baseline exactly; the default program
  prompt is ``pot-code`` (below).
* ``pot-steps``: the earlier agent's program prompt (named variables, exact
  arithmetic).  ``pot-check``: "solve it another way" (a second program view).
* ``cot-qwen25-math`` and ``tir-qwen25-math``: the standard Qwen2.5-Math
  instructions (chain of thought with a boxed answer; tool-integrated
  reasoning: prose interleaved with programs whose output is fed back), so
  published setups can be reproduced.
* ``pot-math``: the plain program prompt for answers that are expressions.
* ``pot-code`` (the default): ``pot-plain``'s words with the reply opened by
  the ```python fence they ask for (the local backend always; an
  OpenAI-compatible server with ``--prefill continue`` or ``prefix``).  On
  MATH the plain prompt is often answered in prose that runs to the token cap
  without a program (docs/results.md).

Which prompt each method uses by default, and the agent's sampling schedule,
were chosen by measurement on GSM8K/MATH *train* (docs/results.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mathagent.traces.records import Method


@dataclass(frozen=True)
class Prompt:
    name: str
    method: Method
    version: int
    system: str
    reply_start: str = ""  # the reply is made to begin with this (GenerationParams.reply_start); "" for none

    @property
    def tag(self) -> str:
        """``name@version``: what runs and traces record."""
        return f"{self.name}@{self.version}"

    def messages(self, problem: str, fewshot: tuple[dict, ...] = ()) -> list[dict]:
        return [{"role": "system", "content": self.system}, *fewshot, problem_message(problem)]


_POT_PLAIN = ("You are a careful math assistant. Write a short Python 3 program that computes the answer to the "
              "problem and prints only the final numeric answer. Reply with one ```python code block and nothing "
              "else.")
_POT_MATH = ("You are a careful math assistant. Write a short Python 3 program that computes the answer to the "
             "problem and prints only the final answer: a number, or an exact expression using sympy (for example "
             "sympy.sqrt(2)/2, sympy.pi, a fraction as sympy.Rational(3, 4)). Reply with one ```python code block "
             "and nothing else.")
_POT_STEPS = (
    "You are a careful mathematician who solves problems by writing Python programs.\n"
    "Write ONE Python program that solves the problem:\n"
    "- break the problem into steps; compute each intermediate quantity in a named variable with a short comment;\n"
    "- use exact arithmetic: integers, fractions.Fraction or sympy (already importable); avoid floats unless "
    "the problem asks for decimals;\n"
    "- end with exactly one print() of the final answer only: a number or a simplified expression, "
    "no words and no units.\n"
    "Reply with the program in a single ```python code block and nothing else.")
_POT_CHECK = (
    "You are a careful mathematician who double-checks answers with Python.\n"
    "Solve the problem independently with ONE Python program, using a different method from the obvious one "
    "if you can (for example, work backwards or set up equations with sympy). "
    "End with exactly one print() of the final answer only.\n"
    "Reply with the program in a single ```python code block and nothing else.")
_COT_PLAIN = ("You are a careful math assistant. Solve the problem step by step, showing the arithmetic. Finish with "
              "a final line of the form 'The answer is N.' where N is just the number (no units).")
_COT_BOXED = ("You are a careful mathematician. Solve the problem step by step, showing your reasoning briefly. "
              "Write the final answer alone in \\boxed{}.")
_COT_QWEN = "Please reason step by step, and put your final answer within \\boxed{}."
_TIR_QWEN = ("Please integrate natural language reasoning with programs to solve the problem above, and put your "
             "final answer within \\boxed{}.")

PROMPTS: dict[str, Prompt] = {p.name: p for p in (
    Prompt("pot-plain", "pot", 1, _POT_PLAIN),
    Prompt("pot-code", "pot", 1, _POT_PLAIN, reply_start="```python\n"),
    Prompt("pot-math", "pot", 1, _POT_MATH),
    Prompt("pot-steps", "pot", 1, _POT_STEPS),
    Prompt("pot-check", "pot", 1, _POT_CHECK),
    Prompt("cot-plain", "cot", 1, _COT_PLAIN),
    Prompt("cot-boxed", "cot", 1, _COT_BOXED),
    Prompt("cot-qwen25-math", "cot", 1, _COT_QWEN),
    Prompt("tir-qwen25-math", "tir", 1, _TIR_QWEN),
)}

DEFAULT_PROMPTS: dict[str, str] = {"pot": "pot-code", "cot": "cot-plain", "tir": "tir-qwen25-math"}
"""The prompt each method uses unless ``--prompt`` names another.  ``pot-code`` rather than ``pot-plain``: on 30
stratified MATH train problems the forced code fence took one program from 8 to 11 right (paired 3 to 0), with
half the completion tokens and no reply without a program (12 of 30 before); on GSM8K, where the plain prompt's
reply starts with the fence anyway, the replies are the same (docs/results.md).  ``--prompt pot-plain`` is the
baselines' plain prompt exactly."""


class PromptError(ValueError):
    """An unknown prompt name, or a prompt given for a method it does not belong to."""


def get_prompt(name: str) -> Prompt:
    try:
        return PROMPTS[name]
    except KeyError:
        raise PromptError(f"unknown prompt {name!r}; known: {', '.join(sorted(PROMPTS))}") from None


def resolve_prompts(names: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """The prompt of each method: the defaults with ``names`` (each naming its own method) put in.

    Raises :class:`PromptError` for an unknown name or two prompts for one method.
    """
    chosen = dict(DEFAULT_PROMPTS)
    seen: set[str] = set()
    for name in names:
        prompt = get_prompt(name)
        if prompt.method in seen:
            raise PromptError(f"two prompts given for {prompt.method}: keep one")
        seen.add(prompt.method)
        chosen[prompt.method] = prompt.name
    return chosen


def unsent_reply_starts(chosen: dict[str, str], strategies: tuple[str, ...] | list[str], backend: str,
                        prefill: str) -> tuple[str, ...]:
    """The prompts among ``chosen`` (method -> name) that ``strategies`` use and whose reply start this connection
    does not send: the openai backend with ``prefill`` "none" (the local backend always decodes from it).  Only
    program turns get a reply start (agent/methods.py)."""
    if backend != "openai" or prefill != "none" or not ({"pot", "agent"} & set(strategies)):
        return ()
    return tuple(name for method, name in chosen.items() if method == "pot" and PROMPTS[name].reply_start)


def prompts_version(chosen: dict[str, str]) -> str:
    """What a run records: each method's prompt tag and a digest of their texts."""
    used = [PROMPTS[chosen[m]] for m in sorted(chosen)]
    texts = [p.system + (f"\n[reply starts] {p.reply_start}" if p.reply_start else "") for p in used]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    return ",".join(p.tag for p in used) + f"#{digest[:8]}"


def recorded_prompts(version: str) -> tuple[str, ...] | None:
    """The prompt names behind a recorded :func:`prompts_version` (``"cot-plain@1,pot-plain@1,...#digest"``), when
    this code still has each at that version with the same words (the digest matches); None otherwise.  A resumed
    run uses these, so a later change of a default prompt never changes a run halfway."""
    names: list[str] = []
    for tag in version.split("#")[0].split(",") if version else ():
        name, _, number = tag.partition("@")
        prompt = PROMPTS.get(name)
        if prompt is None or str(prompt.version) != number:
            return None
        names.append(name)
    try:
        chosen = resolve_prompts(names)
    except PromptError:
        return None
    return tuple(names) if names and prompts_version(chosen) == version else None


def problem_message(problem: str) -> dict:
    return {"role": "user", "content": problem.strip()}


def repair_message(status: str, stdout: str, stderr: str, rejected: str | None = None) -> dict:
    """The feedback for a program that failed (``status``) or printed an implausible answer (``rejected``)."""
    if rejected:
        detail = f"The program printed {stdout.strip()[-200:]!r}, but {rejected}. Check how you read the problem."
    elif status == "ok":
        detail = "The program ran but printed nothing. Print the final answer with print()."
    elif status == "timeout":
        detail = "The program ran out of time. Use a direct computation instead of a search or a long loop."
    elif status == "output_limit":
        detail = "The program printed far too much. Print only the final answer."
    else:
        tail = (stderr or stdout).strip()[-1200:]
        detail = f"The program failed:\n```\n{tail}\n```\nFix the error."
    return {"role": "user", "content": detail + "\nReply with the corrected program in one ```python block."}


def tool_output_message(stdout: str, stderr: str, status: str) -> dict:
    """A program's output fed back to tool-integrated reasoning (the ```output block of ToRA / Qwen2.5-Math)."""
    shown = stdout if status == "ok" else (stderr or stdout or status)
    shown = shown.strip()[-1500:] or "(no output)"
    return {"role": "user", "content": f"```output\n{shown}\n```"}
