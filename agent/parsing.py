"""Reading the model's replies: code blocks and the answer a program printed."""

from __future__ import annotations

import re
from decimal import Decimal

from mathagent.verifiers.extraction import extract_final_answer, last_number
from mathagent.verifiers.plausibility import Expectation
from mathagent.verifiers.reading import top_level_split

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)
MAX_CODE_CHARS = 20_000


def extract_code(text: str) -> str | None:
    """The first fenced Python block (an unterminated final fence counts), else None."""
    for match in _FENCE.finditer(text or ""):
        code = match.group(1).strip("\n")
        if code.strip():
            return code[:MAX_CODE_CHARS]
    return None


_BOXED = re.compile(r"\\boxed\s*\{")


def split_tir_turn(text: str) -> tuple[str, str | None]:
    """One turn of tool-integrated reasoning: (the text to keep, the program to run or None).

    The turn is cut after its first complete ```python block (anything after it would be the model imagining
    the output); a turn that states a boxed answer before any program, or has no program, is final (None).
    """
    text = text or ""
    for match in _FENCE.finditer(text):
        code = match.group(1).strip("\n")
        if not code.strip():
            continue
        if _BOXED.search(text, 0, match.start()):
            return text, None
        return text[:match.end()].rstrip(), code[:MAX_CODE_CHARS]
    return text, None


_SINGLE_LIST = re.compile(r"^\[\s*([^\[\],]+?)\s*\]$")
_DICT_ONE = re.compile(r"^\{\s*\w+\s*:\s*([^{},]+?)\s*\}$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SYMPY_MATRIX = re.compile(r"^(?:Immutable|Mutable)?(?:Dense)?Matrix\(\s*(\[.*\])\s*\)$")
_NUMPY_ARRAY = re.compile(r"^array\(\s*(\[.*\])\s*(?:,\s*dtype=\w+\s*)?\)$")
_LABEL = re.compile(r"^[A-Za-z][^\[\]=:]*?(?:[:=]|\bis)\s*((?:array\(|\w*Matrix\(|\[).*)$")
_NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex)(?:\d+|_)?\(\s*([^()]*?)\s*\)")  # numpy 2's repr in a list
_NUMBER_ENTRY = re.compile(rf"{_NUMBER.pattern}|[-+]?\d+/\d+")  # numpy also prints SymPy fractions
MAX_ARRAY_LINES = 20
MAX_LINE_CHARS = 2000
NEGLIGIBLE = 1e-12  # an entry this small against the largest of its array is floating-point noise: 0


def answer_from_output(stdout: str, expect: Expectation | None = None) -> str | None:
    r"""The answer a program printed: its last non-empty line, unwrapped.

    ``[6]`` (sympy.solve with one root) becomes ``6``, ``{x: 6}`` becomes
    ``6``; ``The answer is 18`` becomes ``18``.  A printed Python list of
    several values, ``[-2, 3]`` (sympy.solve's roots), becomes the bare list
    ``-2, 3``: read as an answer, ``[-2, 3]`` is the closed interval (MATH's
    notation, which the equivalence judgement follows), but a program prints
    an interval as ``Interval(-2, 3)``.

    A vector or a matrix as numpy prints it (``[ 11 -36  -3]``, ``[[1 2]`` /
    `` [3 4]]`` over two lines, ``array([1, 2])``) or as SymPy prints it
    (``Matrix([[11], [-36], [-3]])``) is read as one: written
    ``\begin{pmatrix} 11 \\ -36 \\ -3 \end{pmatrix}`` (a one-dimensional array
    is a column) when ``expect`` says the problem asks for a vector or a
    matrix, else a one-dimensional one as the bare list ``11, -36, -3``.  With
    ``expect``, the answer is also put in the asked form (:func:`as_asked`).
    """
    lines = [ln.strip() for ln in (stdout or "").splitlines() if ln.strip()][-MAX_ARRAY_LINES:]
    lines = [_NUMPY_SCALAR.sub(r"\1", ln[:MAX_LINE_CHARS]) for ln in lines]  # [np.float64(0.8)] -> [0.8]
    if not lines:
        return None
    last = lines[-1]
    matrix = expect is not None and expect.matrix
    labelled = _LABEL.match(last)  # "cross product: [ 3  1 -2]", "v = Matrix([[1], [2]])", "roots: [-2, 3]"
    if labelled:
        last = labelled.group(1)
    rows = _array_rows(lines[:-1] + [last], matrix=matrix)
    if rows is not None:
        return _write_array(rows, matrix=matrix)
    answer = _unwrap(last)
    return as_asked(answer, expect) if expect is not None else answer


def _unwrap(last: str) -> str:
    for pattern in (_SINGLE_LIST, _DICT_ONE):
        m = pattern.match(last)
        if m:
            return m.group(1).strip()
    listed = _python_list(last)
    if listed is not None:
        return listed
    if re.search(r"[A-Za-z]{3,}", last) and not re.search(r"sqrt|pi|oo|sin|cos|tan|log|exp|frac|I\b", last):
        words_answer = extract_final_answer(last) or last_number(last)
        if words_answer:
            return words_answer
    return last


_TUPLE = re.compile(r"^(?:\(|\\left\s*\(|\\langle)(.*?)(?:\)|\\right\s*\)|\\rangle)$", re.DOTALL)


def as_asked(answer: str | None, expect: Expectation) -> str | None:
    """``answer`` in the form the problem asks for: a tuple ``(11, -36, -3)`` (or ``\\langle ... \\rangle``)
    is written as the column vector ``\\begin{pmatrix} 11 \\\\ -36 \\\\ -3 \\end{pmatrix}`` when the problem asks for
    a vector (``expect.matrix``), so that a program's and a chain of thought's answers meet in one vote."""
    if answer is None or not expect.matrix:
        return answer
    m = _TUPLE.match(answer.strip())
    entries = _entries(top_level_split(m.group(1), ",")) if m else None
    if entries is None or len(entries) < 2:
        return answer
    return _write_array(([entries], True), matrix=True)


def _python_list(line: str) -> str | None:
    """A flat ``[a, b, ...]`` (two or more items, its brackets enclosing the whole line) as ``a, b, ...``."""
    if not (line.startswith("[") and line.endswith("]")):
        return None
    parts = top_level_split(line[1:-1], ",")
    if parts is None or len(parts) < 2 or any(not p.strip() or p.strip().startswith("[") for p in parts):
        return None  # not a flat list (a nested list is a matrix's printout)
    return ", ".join(p.strip() for p in parts)


Rows = list[list[str]]  # a column vector is n rows of one entry; a one-dimensional array is one row of n, flagged


def _array_rows(lines: list[str], *, matrix: bool) -> tuple[Rows, bool] | None:
    """The array printed at the end of ``lines`` as (rows, one-dimensional?), or None when there is none.

    Numpy's ``str`` (entries separated by spaces, a two-dimensional array over several lines) and ``repr``
    (``array([...])``), SymPy's ``Matrix([[...], ...])``, a Python list of rows; only entries numpy would print
    (numbers) are read from numpy's spaced form, any entries from the comma-separated forms; a flat Python
    list only when ``matrix`` (else it is a list of values, such as ``sympy.solve``'s roots).
    """
    last = lines[-1]
    m = _SYMPY_MATRIX.match(last) or _NUMPY_ARRAY.match(last)
    if m:
        return _nested_rows(m.group(1), one_dimensional_ok=m.re is _NUMPY_ARRAY)
    if last.startswith("[[") and "," in last:  # a Python list of rows
        return _nested_rows(last, one_dimensional_ok=False)
    if matrix and last.startswith("[") and last.endswith("]") and "," in last:  # a list, when a vector is asked
        return _nested_rows(last, one_dimensional_ok=True)
    if not last.endswith("]"):
        return None
    opening = "[[" if last.endswith("]]") else "["
    block: list[str] = []
    for line in reversed(lines[-MAX_ARRAY_LINES:]):  # numpy wraps a long row, and prints one 2-D row per line
        labelled = None if line.startswith("[") else _LABEL.match(line)  # print("M =", A)
        line = labelled.group(1) if labelled else line
        block.insert(0, line)
        if line.startswith(opening):
            break
    else:
        return None
    if not block[0].startswith("[["):  # 1-D: [ 11 -36  -3], maybe wrapped
        row = _spaced_row(" ".join(block)[1:-1])
        return ([row], True) if row is not None and len(row) >= 2 else None
    if not all(line.startswith("[") and line.endswith("]") for line in block):
        return None
    rows = [_spaced_row(line.strip("[]")) for line in block]
    if any(r is None for r in rows) or len({len(r) for r in rows}) != 1:  # type: ignore[arg-type]
        return None
    return rows, False  # type: ignore[return-value]


def _spaced_row(text: str) -> list[str] | None:
    """Numpy's entries separated by spaces (``11 -36  -3``, ``1.5 2. ``) or None when one is not a number."""
    items = text.split()
    if not items or not all(_NUMBER_ENTRY.fullmatch(i) for i in items):
        return None
    return [_plain_number(i) for i in items]


def _plain_number(token: str) -> str:
    """``2.`` -> ``2``, ``1.1e+01`` -> ``11`` (LaTeX reads ``e`` as Euler's number), others unchanged."""
    if not _NUMBER.fullmatch(token):
        return token
    if "e" in token.lower():
        value = Decimal(token)
        if abs(value.adjusted()) > 60:  # not written out digit by digit
            return token
        text = format(value.normalize(), "f")
        return text[:-2] if text.endswith(".0") else text
    return token[:-1] if token.endswith(".") else token


def _nested_rows(text: str, *, one_dimensional_ok: bool) -> tuple[Rows, bool] | None:
    """``[[a, b], [c, d]]`` as rows; ``[a, b]`` as one row (numpy's repr) when ``one_dimensional_ok``."""
    outer = top_level_split(text.strip()[1:-1], ",")
    if not outer or any(not p.strip() for p in outer):
        return None
    if not all(p.strip().startswith("[") and p.strip().endswith("]") for p in outer):
        entries = _entries(outer)
        return ([entries], True) if one_dimensional_ok and entries is not None else None
    rows = [_entries(top_level_split(p.strip()[1:-1], ",")) for p in outer]
    if any(r is None for r in rows) or len({len(r) for r in rows}) != 1:  # type: ignore[arg-type]
        return None
    return rows, False  # type: ignore[return-value]


_NOT_ENTRY = re.compile(r"""^[(\[{]|['"]|\barray\(|\bnp\.|^(?:True|False|None)$""")


def _entries(parts: list[str] | None) -> list[str] | None:
    """The scalar entries of one row (numbers normalized), or None when one is a tuple, a list, a string, an
    array, a numpy object or a Python constant: a list of pairs is not a vector."""
    if not parts or any(not p.strip() or _NOT_ENTRY.search(p.strip()) for p in parts):
        return None
    return [_plain_number(p.strip()) for p in parts]


def _write_array(found: tuple[Rows, bool], *, matrix: bool) -> str:
    rows, one_dimensional = _without_noise(found[0]), found[1]
    if one_dimensional:
        if not matrix:
            return rows[0][0] if len(rows[0]) == 1 else ", ".join(rows[0])
        rows = [[e] for e in rows[0]]  # a vector is a column
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if not matrix:
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    body = " \\\\ ".join(" & ".join(r) for r in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


def _without_noise(rows: Rows) -> Rows:
    """Entries below ``NEGLIGIBLE`` times the largest entry written as 0 (``6.123234e-17`` in a rotation matrix)."""
    values = [[_float(e) for e in r] for r in rows]
    largest = max((abs(v) for r in values for v in r if v is not None), default=0.0)
    if largest == 0.0:
        return rows
    return [[("0" if v is not None and abs(v) < NEGLIGIBLE * largest else e) for e, v in zip(r, vr)]
            for r, vr in zip(rows, values)]


def _float(entry: str) -> float | None:
    if not _NUMBER.fullmatch(entry):
        return None
    try:
        return float(entry)
    except (ValueError, OverflowError):
        return None
