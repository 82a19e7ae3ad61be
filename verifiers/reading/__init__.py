"""Reading one answer as written: presentation stripped, and the cheap forms decided without SymPy.

An answer reaches the equivalence judgement (:mod:`mathagent.verifiers.equivalence`) in many spellings:
``$\\boxed{57}$``, ``'57'``, ``Answer: m+n = 148+29 = 177``, ``1.5e-05`` (Python's float printout),
``5 \\cdot 10^6 \\text{ watts}``, ``0.\\overline{3}``, ``\\text{North}``, ``\\varnothing``.  This module
turns the text into one of a few *forms* in process, in microseconds, with no ``eval``:

* :class:`Number` -- an exact :class:`fractions.Fraction` read by a small bounded parser of numeric
  LaTeX/plain arithmetic (integers, thousands commas, decimals, scientific notation, ``\\frac``,
  ``\\cdot``/``\\times``, integer powers, mixed numbers ``2\\frac{2}{3}``, repeating decimals
  ``0.1\\overline{6}``), currency, percent, degrees and unit words stripped.  A number written with a
  decimal point is a *float*: it carries how many significant digits it showed (:attr:`Number.digits`),
  and :func:`numbers_equal` compares it with a relative tolerance derived from those digits; numbers
  written exactly (``10^{-13}``, ``\\frac{1}{2^{98}}``) are compared exactly.
* :class:`Text` -- a word answer (``\\text{North}``, ``no solution``), compared ignoring case.
* :class:`Choice` -- a multiple-choice letter (``(B)``, ``\\text{(b)}``).
* :class:`EmptySet` -- every spelling of the empty set (``\\varnothing``, ``\\{\\}``, ``∅``, ``set()``).
* ``None`` -- an expression: SymPy decides it, in a worker (see the equivalence module).

:func:`parser_latex` rewrites what the parser would misread (SymPy/Python printouts such as ``14 - I``,
``sqrt(2)``, ``x**2``, ``1.5e-05``; Unicode symbols; repeating decimals) into LaTeX for
``latex2sympy2_extended``.

Every function here is pure, never raises on any text and is bounded: inputs longer than
``MAX_READ_CHARS`` are not read (``None``), every loop has a fixed bound, and exact powers are computed
only when the result has at most ``MAX_POWER_DIGITS`` digits.

Modules: :mod:`~mathagent.verifiers.reading.forms` (the forms and number comparison),
:mod:`~mathagent.verifiers.reading.text` (cleaning, braces, splits), :mod:`~mathagent.verifiers.reading.numbers`
(the number reader), :mod:`~mathagent.verifiers.reading.words` (words, choices, the empty set; :func:`read_form`),
:mod:`~mathagent.verifiers.reading.latex` (parser input).  This package's namespace is their public surface.
"""

from __future__ import annotations

from mathagent.verifiers.reading.forms import (
    FLOAT_REL_TOL_MAX, FLOAT_REL_TOL_MIN, MAX_READ_CHARS, Choice, EmptySet, Form, Number, Text, float_tolerance,
    numbers_equal,
)
from mathagent.verifiers.reading.latex import parser_latex
from mathagent.verifiers.reading.numbers import read_number, strip_unit_suffix
from mathagent.verifiers.reading.text import clean_answer, equation_sides, matching_brace, text_content, top_level_split
from mathagent.verifiers.reading.words import read_form

__all__ = [
    "Choice", "EmptySet", "FLOAT_REL_TOL_MAX", "FLOAT_REL_TOL_MIN", "Form", "MAX_READ_CHARS", "Number", "Text",
    "clean_answer", "equation_sides", "float_tolerance", "matching_brace", "numbers_equal", "parser_latex",
    "read_form", "read_number", "strip_unit_suffix", "text_content", "top_level_split",
]
