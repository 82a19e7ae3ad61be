"""Fuzzing the sandboxed calculator with random short Python snippets.

Whatever the code, ``Calculator.run`` returns a ``CalcResult`` whose status is
in the closed set, within its timeout plus the answer grace, and the worker is
still usable afterwards.  Snippets: random text (including NUL, surrogates and
control characters), token soup from Python's own vocabulary, and small
programs assembled from statements that raise, print binary junk, recurse,
allocate or loop.
"""

from __future__ import annotations

import time
import typing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathagent.tools.calculator import ANSWER_GRACE_S, CalcResult, CalcStatus

STATUSES = set(typing.get_args(CalcStatus))
CALL_TIMEOUT_S = 1.0
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])

PY_TOKENS = st.sampled_from([
    "print", "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "==", "+", "-", "*", "**", "/", "//", "%", "@",
    "lambda", "def", "class", "return", "yield", "if", "else", "for", "in", "while", "try", "except", "raise",
    "import", "from", "as", "with", "del", "global", "not", "and", "or", "None", "True", "False", "x", "y", "n",
    "sympy", "solve", "factorint", "Fraction", "math", "0", "1", "2", "10", "1e308", "'s'", "b'\\xff'", "\n",
    "    ", ";", "#", "\\", "\"\"\"", "...", "__import__", "os", "sys", "exec", "eval",
])
SOUP = st.lists(PY_TOKENS, max_size=40).map(" ".join)
STATEMENTS = st.sampled_from([
    "print(sympy.solve(x**2 - 4, x))", "print(factorint(2**40 - 1))", "1/0", "raise SystemExit(3)",
    "raise KeyboardInterrupt", "import sys; sys.stdout.buffer.write(bytes(range(256)))",
    "print('\\x00\\ud800é')", "def f(k): return f(k + 1)\nf(0)", "a = [0] * 10**6", "print(10**5000)",
    "import os; os._exit(9)", "exec('1+')", "print(''.join(map(chr, range(32))))", "sympy.Symbol(None)",
    "for i in range(10**5): pass", "print(Fraction(1, 3) ** 50)", "import signal, os; os.kill(os.getpid(), 11)",
])
PROGRAMS = st.lists(STATEMENTS, min_size=1, max_size=4).map("\n".join)
SNIPPETS = st.one_of(st.text(max_size=200), SOUP, PROGRAMS)


@FUZZ
@given(code=SNIPPETS)
def test_any_snippet_gives_a_status_in_the_closed_set(calculator, code):
    t0 = time.monotonic()
    res = calculator.run(code, timeout_s=CALL_TIMEOUT_S)
    elapsed = time.monotonic() - t0
    assert isinstance(res, CalcResult)
    assert res.status in STATUSES, res
    assert isinstance(res.stdout, str) and isinstance(res.stderr, str) and isinstance(res.detail, str)
    assert elapsed < CALL_TIMEOUT_S + ANSWER_GRACE_S + 2.0, f"{elapsed:.1f} s for {code[:200]!r}"


def test_worker_still_usable_after_fuzzing(calculator):
    res = calculator.run("print(sympy.factorint(360))", timeout_s=5.0)
    assert (res.status, res.stdout) == ("ok", "{2: 3, 3: 2, 5: 1}\n")
