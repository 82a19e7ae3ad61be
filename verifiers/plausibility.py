"""Is an answer an answer?  General checks of a derived answer against the problem's own wording.

A small model's program can print ``None``, an error message, a list of
candidates, a polynomial where a number was asked, 3.5 people or a negative
length.  Counted in a vote, such values crowd out the real answer; kept as the
final answer, they are certainly wrong.  :func:`reject_reason` says why an
answer is not acceptable (``None`` when it is), by rules that read only the
problem text and the answer, never a dataset:

* **form**: the answer must be short, contain a digit or a mathematical
  symbol, and not be a Python non-value (``None``, ``nan``, ``[]``...) or hold an
  undefined number anywhere (``nan nan nan``, ``(zoo, 1)``) or an infinity
  (``inf``, ``oo``) other than an interval's endpoint (``inf -inf -inf``,
  ``(inf, 2)``; ``(-inf, sqrt(2))`` and ``Interval(3, oo)`` pass), an
  error, a sentence (unless a word is asked: a day of the week, a colour, an
  option the problem quotes), or a fragment (``\\[``, an unclosed brace; a
  half-open interval ``[2, 5)`` is not one);
* **counts**: "how many <things>" (things that are not a unit of measure:
  dollars, hours, miles, ...) asks for one whole number >= 0, not a list
  (unless the answer is to be a mixed number, a decimal or a fraction);
* **non-negative quantities**: "how many/much/long/far/old", and an area,
  perimeter, length, distance, volume, cost, price, speed or time that is
  *asked* ("what is the area", not "a radius of length 4") ask for a value >= 0;
* **positive quantities**: what the sentence that asks asks for is "the
  positive difference", "the smallest positive integer", "the positive
  root", or a radius, diameter or circumference ("what is the radius of the
  sphere", not "the change in radius"): > 0;
* **probability**: the sentence that asks asks for the probability (not for
  m + n of a probability m/n, not as a percent): a value in [0, 1];
* **one tuple**: "what is the ordered pair" / "the pair $(a,b)$" asks for
  one tuple, not a list of candidate tuples (unless it asks for all of them);
* **a value, not an expression**: unless the problem asks for an expression
  (expand, simplify, factor, "in terms of", an equation, a function such as
  "find $h(x)$", a polynomial, an expression in a variable to work out, a
  multiple-choice option...), an answer with a free variable is not a value.

Measured on the gold answers of GSM8K and MATH train and dev (every gold answer should pass):
docs/results.md, "Answer checks against the gold answers".

:func:`expectation` also says whether the problem asks for a vector or a matrix, so that a program's
vector printout (numpy, SymPy ``Matrix``) is read as one (``agent.parsing.answer_from_output``).

The rules are deliberately conservative: they reject only what the wording
excludes; whatever they cannot read (a non-numeric answer to a count) passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from mathagent.verifiers.answers import normalize_answer, numeric_value
from mathagent.verifiers.reading.text import top_level_split

MAX_ANSWER_CHARS = 200

_NON_VALUES = {"none", "nan", "-nan", "inf", "-inf", "true", "false", "[]", "{}", "()", "null", "undefined",
               "error", "nosolution", "no solution", "emptyset()", "set()"}
_UNDEFINED = re.compile(r"(?<![A-Za-z])(?:nan|zoo)j?(?![A-Za-z])", re.IGNORECASE)  # float nan, SymPy's nan
# and complex infinity anywhere in the answer ("nan nan nan", "(nan, 2)", "(1+nanj)")
_INFINITE = re.compile(r"(?<![A-Za-z])(?:inf|oo)j?(?![A-Za-z])", re.IGNORECASE)  # float inf, SymPy's oo ...
_NEST = r"\((?:[^,\[\]()]|\([^,\[\]()]*\))*\)"  # a comma-free (...) up to two deep: sqrt(2), (1 - sqrt(5))
_END = r"(?:[^,\[\]()]|" + _NEST + r")*"
_ENDPOINTS = re.compile(  # ... are a value only as an interval's endpoint: the left never +inf, the right never -inf
    r"[\[(](?!\s*\+?\s*(?:inf|oo)\b)" + _END + r",(?!\s*-\s*(?:inf|oo)\b)" + _END + r"[\])]", re.IGNORECASE)
_MATH_WORDS = re.compile(
    r"\\?(?:sqrt|frac|dfrac|tfrac|pi|infty|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|log|ln|exp|cdot|times|"
    r"left|right|begin|end|pmatrix|bmatrix|matrix|cup|cap|emptyset|varnothing|leq?|geq?|neq|circ|degrees?|"
    r"text|mathrm|mathbf|operatorname|Rational|Abs|oo|Matrix|Interval|Union|FiniteSet|binom|choose|mod|pmod|"
    r"gcd|lcm|max|min|boxed|dots|ldots|cdots|in|notin|and|or|to|mbox|quad|qquad|displaystyle|Integer|Float|"
    r"sympy|pm|mp|angle|triangle|overline|hat|vec|theta|alpha|beta|gamma|delta|phi|omega|lambda|mu|sigma|tau)")
_UNIT_NOUNS = (
    "dollar|cent|euro|pound|penn(?:y|ies)|hour|minute|second|day|week|month|year|decade|mile|kilomet|km|meter|"
    "metre|feet|foot|inch|yard|ounce|gram|kilogram|kg|liter|litre|gallon|cup|quart|pint|ton|percent|degree|unit|"
    "square|cubic|calorie|mph|times|fold|more|fewer|less|money|time|pages? per|words? per")
_COUNT = re.compile(rf"\bhow\s+many\s+(?!(?:{_UNIT_NOUNS}))([a-z]+)", re.IGNORECASE)
_NOT_WHOLE = re.compile(  # "how many work-days ... Express your answer as a mixed number"
    r"\bexpress\s+(?:your\s+)?answer\s+as\s+an?\s+(?:mixed\s+number|decimal|(?:common\s+)?fraction)|"
    r"\bnearest\s+(?:tenth|hundredth|thousandth)", re.IGNORECASE)
_ASK = (r"\b(?:what(?:'s|\s+is|\s+was|\s+are|\s+were|\s+will\s+be|\s+would\s+be)|find|compute|calculate|determine|"
        r"give)\s+")
_NONNEG = re.compile(  # a size or amount that is asked, not one the problem gives ("a radius of length 4")
    r"\bhow\s+(?:many|much|long|far|old|tall|wide|high|deep|fast)\b|"
    rf"(?:{_ASK}|\bwhat\s+(?:would|will|should)\s+|\bwhat\s+(?=(?:distance|speed|price|age|height|length)\b))"
    r"(?:(?:number\s+of\s+)?[\w']+\s+(?:in\s+(?:the\s+)?)?){0,4}?(?:area|perimeter|length|distance|volume|radius|"
    r"diameter|circumference|cost|price|speed|weight|height|width|age|altitude)\b"
    r"(?!\s+(?:change|difference|increase|decrease|gain|loss))", re.IGNORECASE)
_POSITIVE = re.compile(  # what is asked is itself "positive" (not "the remainder of the smallest positive ...")
    rf"{_ASK}(?:the\s+)?(?:value\s+of\s+(?:the\s+)?)?(?:(?:smallest|least|largest|greatest|only|unique)\s+)?"
    r"positive\s+(?:difference|integer|number|value|real\s+number|root|solution|divisor|multiple|angle)\b",
    re.IGNORECASE)
_POSITIVE_SIZE = re.compile(  # a circle's or sphere's size asked: "what is the radius of this eighth sphere?"
    rf"(?:{_ASK}|\bwhat\s+(?:would|will|should)\s+)"
    r"(?:(?!(?:change|difference|increase|decrease|gain|loss)\b)[\w']+\s+){0,4}?(?:radius|diameter|circumference)\b"
    r"(?!\s+(?:change|difference|increase|decrease|gain|loss))", re.IGNORECASE)
_PROBABILITY = re.compile(rf"{_ASK}(?:the|her|his|their|its|our|your)\s+(?:\w+\s+)?probability\b", re.IGNORECASE)
_PROBABILITY_NAMED = re.compile(r"\$([A-Za-z])\$\s+(?:be|is|denotes?)\s+the\s+probability\b", re.IGNORECASE)
_PERCENT = re.compile(r"\b(?:as|in)\s+(?:a\s+)?percent(?:age)?\b|\bexpressed\s+as\s+a\s+percent", re.IGNORECASE)
_WORDS = re.compile(  # the sentence that asks wants a word: a day, a colour, a name, an option it quotes
    r"\bday\s+of\s+the\s+week\b|^\s*(?:which|who|whom|whose)\b|"
    r"\b(?:what|which)\s+(?:day|month|colou?r|word|letters?|names?|one|options?|event|team|person|student)s?\b|"
    r"\bcolou?r\b|\bword\b|\bletters?\b|\bnames?\b|\benter\s+[\"'`]|\bodd\b.*\beven\b|\beven\b.*\bodd\b",
    re.IGNORECASE | re.DOTALL)
_LETTERS = re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,2}word\b|\b(?:write|enter|give)\s+the\s+letters\b",
                      re.IGNORECASE)
_NUMBER_ORDER = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                 "twenty")
_NUMBER_WORDS = set(_NUMBER_ORDER)
_WORD_ANSWERS = _NUMBER_WORDS | {  # words a problem may ask for without quoting them
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "red", "blue",
    "green", "yellow", "orange", "purple", "black", "white", "gray", "grey", "pink", "brown", "odd", "even",
    "neither", "yes", "no"}
_ONE_TUPLE = re.compile(r"\bthe\s+ordered\s+(?:pair|triple|quadruple)\b|\bthe\s+(?:pair|triple|quadruple)\s*\$?\s*\(",
                        re.IGNORECASE)
_MANY_TUPLES = re.compile(r"\b(?:all|every|each)\b|separated\s+by\s+commas|\b(?:pairs|triples|quadruples)\b",
                          re.IGNORECASE)
_EXPRESSION = re.compile(  # anywhere in the problem (a keyword ends where it ends: not "factory", "lines")
    r"\b(?:expand|simplif(?:y|ied|ies|ying|ication)|factor|in terms of|expression|polynomials?|functions?|"
    r"equation|formula|inverse|rewrite|quotient|remainder|express|write\s+.+\s+(?:as|in)|general form|"
    r"standard form|vertex form|in the form|interval|range|domain|solutions?\s+to\s+the\s+inequality|"
    r"for what values|which values|all\s+(?:real\s+)?(?:values|numbers|x|solutions)|set of|asymptote|matrix|"
    r"vector|parametri(?:c|ze|zed|zation|se|sed|sation)|line)\b", re.IGNORECASE)
_EXPRESSION_ASKED = re.compile(  # in the asking sentence and the instructions after it only
    r"\b(?:expand(?:s|ed|ing)?|factor(?:s|ed|ing|ization|ize)?|expressions|equations|formulas|intervals|ranges|"
    r"domains|asymptotes|matrices|vectors|lines|multiply|quadratics?|cubic|monic|(?:in|to)\s+base\s*\$?\d+|"
    r"enter\s+the\s+letters?|(?:list|enter)\s+(?:the|those|all)\s+(?:options|choices)|letters?\s+of\s+the|"
    r"(?:options|choices)\s+(?:that|which)|separated\s+by\s+commas)\b", re.IGNORECASE)
_OPTIONS = re.compile(r"\\textbf\{\s*\(A\)|\(A\)\s|\$\(A\)")  # a multiple-choice option list (capital A)
_FUNCTION_ASKED = re.compile(  # "find $h(x)$", "what is $g(x)$": a function of a variable is asked for
    rf"{_ASK}\$?[A-Za-z]\s*\(\s*[a-z]\s*\)", re.IGNORECASE)
_FIXED_VARIABLES = re.compile(  # a problem that fixes its letters' values: m/n in lowest terms, relatively prime
    r"relatively\s+prime|lowest\s+terms|\\[dt]?frac\s*\{?\s*[mnpq]\s*\}?\s*\{?\s*[mnpq]\s*\}?|\b[mpa]\s*/\s*[nqb]\b",
    re.IGNORECASE)
_DRAWINGS = re.compile(r"\[asy\].*?\[/asy\]|\\begin\{tabular\}.*?\\end\{tabular\}", re.DOTALL)
_FORMAT_ONLY = re.compile(r"\s*(?:express|enter|give|write|round)\s+(?:your\s+|the\s+)?answer", re.IGNORECASE)
_SENTENCE_END = re.compile(  # after . ? ! (and a closing $ or \]) before a capital or math; not "Mr." or "a.m."
    r"(?:(?<=[.?!])(?<!Mr\.)(?<!Mrs\.)(?<!Ms\.)(?<!Dr\.)(?<!St\.)(?<!vs\.)(?<!etc\.)(?<!a\.m\.)(?<!p\.m\.)"
    r"(?<!e\.g\.)(?<!i\.e\.)\$*\s+|(?<=[.?!]\\\])\s*)(?=[A-Z$]|\\(?!\]))")
_ASKING_START = re.compile(r"\s*(?:find|compute|determine|calculate|evaluate|simplify|solve|enter|give|what|how|"
                           r"convert|which|who|list|express|write)\b", re.IGNORECASE)
_MATRIX = re.compile(r"\\begin\{[pbBvV]?matrix\}|\b(?:vectors?|matri(?:x|ces))\b", re.IGNORECASE)
_NOT_MATRIX = re.compile(  # an ordered tuple, or several scalars (the roots of a determinant)
    r"\bordered\s+(?:pair|triple|quadruple|tuple|list)|\b(?:triple|tuple)\b|"
    r"\ball\s+(?:possible\s+|the\s+)?(?:real\s+|complex\s+)?(?:values|numbers|solutions|roots)|\bvalues\s+of\b|"
    r"\bfind\s+all\s+\$|separated\s+by\s+commas|\b(?:the|a|an)\s+pair\b",
    re.IGNORECASE)
_FREE_VARIABLE = re.compile(r"(?<![\\A-Za-z])([a-hj-zA-DF-HJ-Z])(?![A-Za-z])")  # a lone letter (not i, e, I, E)
_MATH = re.compile(r"\$\$?(.+?)\$\$?|\\\[(.+?)\\\]", re.DOTALL)
_RELATION = re.compile(r"=|<|>|\\[lg]eq?\b|\\neq|\\equiv")
_EXTREME_VALUE = re.compile(r"\b(?:minimum|maximum|smallest|largest|greatest|least)\s+(?:possible\s+)?value",
                            re.IGNORECASE)
_FIXING = re.compile(r"(?<![<>!\\])=|\\equiv")  # an equation fixes its letters; an inequality does not


@dataclass(frozen=True)
class Expectation:
    """What the problem's wording says its answer is."""

    count: bool = False          # a whole number >= 0 ("how many people")
    nonnegative: bool = False    # a size, an amount, a duration
    positive: bool = False       # "what is the positive difference", "find the smallest positive integer"
    probability: bool = False    # in [0, 1]
    expression: bool = False     # may contain variables
    matrix: bool = False         # a vector or a matrix (MATH writes \begin{pmatrix}), not a tuple
    one_tuple: bool = False      # "what is the ordered pair": one tuple, not a list of them
    words: bool = False          # may be a word: a day of the week, a colour, an option the problem quotes
    letters: bool = False        # a word or letters are asked ("what common English word", "write the letters")
    vocabulary: frozenset[str] = field(default=frozenset(), compare=False, repr=False)  # the problem's words


def question_of(problem: str) -> str:
    """The sentence that asks: the last one ending with a question mark, else the last one that starts with an
    asking word (find, compute, what, ...; "Express your answer as ..." only says how), else the last sentence.
    "The probability is m/n ... Find m+n." asks for m+n, not for a probability."""
    sentences = [s for s in _SENTENCE_END.split(problem.strip()) if s.strip()]
    for s in reversed(sentences):
        if s.rstrip().rstrip("$").rstrip().endswith("?"):
            return s
    return next((s for s in reversed(sentences) if _ASKING_START.match(s) and not _FORMAT_ONLY.match(s)),
                sentences[-1] if sentences else "")


def expectation(problem: str) -> Expectation:
    """Read what kind of answer ``problem`` asks for: the sizes, counts and kinds from its last sentences, what
    must be positive, a probability, one tuple or a word from the sentence that asks (:func:`question_of`).  A
    figure's code and a table are not read (they are not where the question is)."""
    whole = _DRAWINGS.sub(" ", problem[-3000:])  # bounded work on a long problem; the question is at its end
    text = whole[-600:]
    asked = question_of(text)
    after = text[text.rfind(asked):] if asked else text  # the asking sentence and the instructions after it
    named = _PROBABILITY_NAMED.search(text)
    return Expectation(count=bool(_COUNT.search(text)) and not _NOT_WHOLE.search(text),
                       nonnegative=bool(_NONNEG.search(text)), positive=bool(_POSITIVE.search(asked) or _POSITIVE_SIZE.search(asked)),
                       probability=bool(_PROBABILITY.search(asked)
                                        or named and re.search(rf"{_ASK}\${named.group(1)}\$", asked, re.IGNORECASE))
                       and not _PERCENT.search(after),
                       expression=bool(_EXPRESSION.search(whole) or _EXPRESSION_ASKED.search(after)
                                       or _OPTIONS.search(whole) or _FUNCTION_ASKED.search(asked)
                                       or _names_an_expression(asked, whole)),
                       matrix=bool(_MATRIX.search(problem)) and not _NOT_MATRIX.search(text),
                       one_tuple=bool(_ONE_TUPLE.search(asked)) and not _MANY_TUPLES.search(text),
                       words=bool(_WORDS.search(asked)), letters=bool(_LETTERS.search(after)),
                       vocabulary=frozenset(w.lower() for w in re.findall(r"[A-Za-z]+", problem)))  # tables too


def _maths(text: str) -> list[str]:
    """The bodies of ``text``'s $...$ and \\[...\\] spans that read as mathematics (not "$2 and a 3-pack of ... $",
    currency), sub- and superscripts removed (``\\sum_{n = 0}`` states no equation)."""
    bodies = [re.sub(r"[_^]\{[^}]*\}|[_^].", "", a or b) for a, b in _MATH.findall(text)]
    commands = r"\\[A-Za-z]+(?:\{[A-Za-z*]*\})?"  # \sum, \begin{vmatrix}: mathematics, not words
    return [b for b in bodies if not re.search(r"[A-Za-z]{3,}", re.sub(commands, " ", b))]


def _names_an_expression(asked: str, problem: str) -> bool:
    """Whether the asking sentence gives an expression in a variable to work out (``What is $w + 2 - 3w$?``)
    whose letters nothing else in the problem names or fixes: no earlier mention, no equation, no "m/n in lowest
    terms", no "the minimum value of" (a value is asked)."""
    if _FIXED_VARIABLES.search(problem) or _EXTREME_VALUE.search(asked):
        return False
    before = problem[:problem.rfind(asked)] if asked in problem else problem  # "between the integers $a$ and $b$"
    fixed = {v for body in _maths(before) for v in _FREE_VARIABLE.findall(_MATH_WORDS.sub(" ", body))}
    fixed |= {v for body in _maths(problem) if _FIXING.search(body)
              for v in _FREE_VARIABLE.findall(_MATH_WORDS.sub(" ", body))}
    for body in _maths(asked):
        letters = set(_FREE_VARIABLE.findall(_MATH_WORDS.sub(" ", body)))
        if letters and re.search(r"[+\-*/\\]", body) and not _RELATION.search(body) and not letters & fixed:
            return True
    return False


def _several_tuples(norm: str) -> bool:
    """Whether ``norm`` lists tuples side by side (commas outside every bracket between parenthesized parts),
    not one tuple whose entries hold parentheses."""
    parts = top_level_split(norm, ",") or []
    return sum(p.strip().startswith("(") and p.strip().endswith(")") for p in parts) >= 2


def _word_answer_fits(letters_only: str, expect: Expectation) -> bool:
    """A word answer where the sentence that asks wants one: at most three words, each one the problem uses
    (a quoted option, a name) or one of the words a problem asks for without quoting (a day, a month, a colour,
    odd/even/neither, a number written out); or a single block of letters where letters or a word are asked."""
    words = re.findall(r"[A-Za-z]+", letters_only)
    if not expect.words or not 0 < len(words) <= 3 or expect.count or expect.nonnegative or expect.probability:
        return False
    known = all(w.lower() in _WORD_ANSWERS or w.lower() in expect.vocabulary for w in words)
    return known or (len(words) == 1 and words[0].isupper() and expect.letters)  # MAKE: "what English word"


def reject_reason(answer: str | None, expect: Expectation) -> str | None:
    """Why ``answer`` cannot be the answer to a problem with ``expect``; ``None`` when it is acceptable."""
    if answer is None or not answer.strip():
        return "it is empty"
    raw = answer.strip()
    if len(raw) > MAX_ANSWER_CHARS:
        return f"it is {len(raw)} characters long, not a final answer"
    norm = normalize_answer(raw)
    if not norm or norm.lower().replace(" ", "") in _NON_VALUES or raw.lower() in _NON_VALUES:
        return f"{raw!r} is not a value"
    if _UNDEFINED.search(raw):
        return f"{raw!r} holds an undefined number (nan), not a value"
    if _INFINITE.search(_ENDPOINTS.sub(" ", raw)):
        return f"{raw!r} holds an infinite number outside an interval, not a value"
    if re.search(r"Error\b|Traceback|exception", raw):
        return "it is an error message"
    bare = raw.replace("\\[", "").replace("\\]", "")  # display-math marks are not brackets
    opened, closed = bare.count("(") + bare.count("["), bare.count(")") + bare.count("]")  # [2, 5) is an interval
    if raw.count("{") != raw.count("}") or opened < closed or norm in ("\\[", "\\]", "\\(", "\\)"):
        return f"{raw!r} is a fragment"
    letters_only = _MATH_WORDS.sub(" ", norm)
    if (not re.search(r"[\d∞]", norm) and re.search(r"[A-Za-z]{4,}", letters_only)
            and letters_only.strip().lower() not in _NUMBER_WORDS and not _word_answer_fits(letters_only, expect)):
        return f"{raw!r} is words, not a value"
    if not re.search(r"[\dA-Za-z∞∅]", norm):
        return f"{raw!r} has no value in it"
    value = numeric_value(norm)
    if value is None and norm.strip().lower() in _NUMBER_WORDS:  # "four" is 4 to every rule below
        value = Fraction(_NUMBER_ORDER.index(norm.strip().lower()))
    if value is not None:
        if expect.count and (value < 0 or not _whole(value)):
            return f"the problem asks for a count (a whole number), and {raw} is not one"
        if (expect.nonnegative or expect.count) and value < 0:
            return f"the problem asks for a size or an amount, and {raw} is negative"
        if expect.positive and value <= 0:
            return f"the problem asks for a positive value, and {raw} is not"
        if expect.probability and not 0 <= value <= 1:
            return f"a probability is between 0 and 1, and {raw} is not"
        return None
    listed = norm if not re.search(r"\d,\\!\d{3}", raw) else re.sub(r"(?<=\d),(?=\d{3})", "", norm)  # 29,\!322
    if (expect.count or expect.probability) and re.fullmatch(r"[\[(]?[^,]+(?:,[^,]+)+[\])]?", listed):
        return f"the problem asks for one value, and {raw} lists several"
    if expect.one_tuple and _several_tuples(norm):
        return f"the problem asks for one tuple, and {raw} lists several"
    if not expect.expression:
        free = _FREE_VARIABLE.findall(_MATH_WORDS.sub(" ", norm))
        # a lone letter passes only as one of the problem's own (an option "C", a variable "b" asked for)
        if free and (re.search(r"\d", norm) or len(set(free)) >= 2 or free[0].lower() not in expect.vocabulary):
            return f"the problem asks for a value, and {raw} contains the variable {free[0]}"
    return None


def _whole(value: Fraction | float) -> bool:
    if isinstance(value, Fraction):
        return value.denominator == 1
    return abs(value - round(value)) <= 1e-9 * max(1.0, abs(value))
