"""Prompts, versioned: a change of wording changes PROMPTS_VERSION (recorded in traces and eval runs).

Why program-of-thought first.  The default model is a 1.5B coder model.  On
ten GSM8K-style problems (docs/models.md, measured on 2 cores) it scored 9/10
writing one program whose printed output is the answer, in 2.6 s and ~63
tokens per problem, against 8/10 for plain chain-of-thought at 10.7 s and
~295 tokens; a JSON-constrained reply still computed 48+24 as 96.  So the
model never does arithmetic itself: it writes a program (its comments are the
decomposition into steps), the sandbox computes, and chain-of-thought is used
only as the independent second derivation that verifies the answer (where the
two agreed the answer was right in every measured case) and as the fallback
when no program works after the bounded repairs.
"""

from __future__ import annotations

PROMPTS_VERSION = "pot-v1"

PROGRAM_SYSTEM = (
    "You are a careful mathematician who solves problems by writing Python programs.\n"
    "Write ONE Python program that solves the problem:\n"
    "- break the problem into steps; compute each intermediate quantity in a named variable with a short comment;\n"
    "- use exact arithmetic: integers, fractions.Fraction or sympy (already importable); avoid floats unless "
    "the problem asks for decimals;\n"
    "- end with exactly one print() of the final answer only: a number or a simplified expression, "
    "no words and no units.\n"
    "Reply with the program in a single ```python code block and nothing else."
)

REASON_SYSTEM = (
    "You are a careful mathematician. Solve the problem step by step, showing your reasoning briefly. "
    "Write the final answer alone in \\boxed{}."
)

CHECK_PROGRAM_SYSTEM = (
    "You are a careful mathematician who double-checks answers with Python.\n"
    "Solve the problem independently with ONE Python program, using a different method from the obvious one "
    "if you can (for example, work backwards or set up equations with sympy). "
    "End with exactly one print() of the final answer only.\n"
    "Reply with the program in a single ```python code block and nothing else."
)


def problem_message(problem: str) -> dict:
    return {"role": "user", "content": f"Problem:\n{problem.strip()}"}


def repair_message(status: str, stdout: str, stderr: str) -> dict:
    if status == "ok":
        detail = "The program ran but printed nothing. Print the final answer with print()."
    elif status == "timeout":
        detail = "The program ran out of time. Use a direct computation instead of a search or a long loop."
    elif status == "output_limit":
        detail = "The program printed far too much. Print only the final answer."
    else:
        tail = (stderr or stdout).strip()[-1200:]
        detail = f"The program failed:\n```\n{tail}\n```\nFix the error."
    return {"role": "user", "content": detail + "\nReply with the corrected program in one ```python block."}


NO_CODE_NUDGE = {
    "role": "user",
    "content": "Please write the Python program in a single ```python code block that prints the final answer.",
}
