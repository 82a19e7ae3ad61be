"""Answer extraction: the final answer a model wrote, pulled out of its reply.

:func:`extract_final_answer` (a ``\\boxed{}``, ``####``, "the answer is ...", else the last number),
:func:`extract_boxed` (the last complete ``\\boxed{...}``/``\\fbox{...}``, nested braces allowed) and
:func:`last_number`.  The text scanned is cut to its last ``MAX_SCAN_CHARS`` characters, so every regex and loop
is bounded.  The extracted text is graded as written (:mod:`mathagent.verifiers.equivalence`); normalization
(:mod:`mathagent.verifiers.answers`) is for display and deduplication only.
"""

from __future__ import annotations

import re

MAX_SCAN_CHARS = 100_000
MAX_BOX_CANDIDATES = 200


_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_BARE_BOX_TOKEN = re.compile(r"[-+]?(?:\d[\d,./]*|\.\d+)(?=[\s$.,;]|$)|[A-Za-z](?=[$.,;\n]|$)|"
                             r"\\[A-Za-z]+(?=[\s$.,;]|$)")


def brace_pairs(text: str) -> dict[int, int]:
    """Index of each ``{`` -> index of its matching ``}``, in one linear pass.

    Escaped braces (``\\{``) are skipped; unmatched braces get no entry.  One
    pass instead of a scan per ``\\boxed`` keeps adversarial input
    (thousands of unclosed boxes) linear.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def _box_at(text: str, match: re.Match[str], pairs: dict[int, int]) -> tuple[str, int] | None:
    i = match.end()
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == "{":
        close = pairs.get(i)
        if close is None:
            return None
        return text[i + 1 : close], close + 1
    if match.end() < n and text[match.end()] in " \t":
        # ``\\boxed 5``: one TeX token, here up to whitespace or math delimiter.  A word after a bare
        # ``\\boxed`` is prose that mentions the command ("I will mark it with \\boxed and ..."), not an
        # answer: only a number, a single letter or a command counts.
        m = _BARE_BOX_TOKEN.match(text, i)
        if m:
            return m.group(0).rstrip(".,;"), m.end()
    return None


def extract_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` / ``\\fbox{...}`` (balanced braces), or ``None``.

    Boxes nested inside an earlier box are part of that box, not separate
    answers.  ``\\boxed 5`` (no braces) yields ``"5"``.
    """
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    if _BOX_RE.search(text) is None:
        return None
    pairs = brace_pairs(text)
    found: str | None = None
    pos = 0
    for _ in range(MAX_BOX_CANDIDATES):
        match = _BOX_RE.search(text, pos)
        if match is None:
            break
        got = _box_at(text, match, pairs)
        if got is None:
            pos = match.end()
            continue
        content, end = got
        found = content.strip()
        pos = end
    return found


_HASH_RE = re.compile(r"####\s*([^\n]+)")
_ANSWER_IS_RE = re.compile(
    # "\\text{The answer is } 140", "\\textbf{Answer}: 140": the phrase may sit in a TeX text command whose
    # closing brace comes before or after the colon
    r"(?:final\s+answer|answer)\s*(?:\}\s*)?(?:is|:|=)\s*:?\s*([^\n]+)", re.IGNORECASE
)
_TEXT_CLOSE = re.compile(r"\s*\}\s*:?")
_MATH_CLOSERS = (("\\]", "\\["), ("\\)", "\\("))


_SENTENCE_END = re.compile(r"[.;!?](?=\s+\S)")


def _without_closer(s: str) -> str:
    """``s`` without a math closer (``\\]``, ``\\)``, a lone ``$``) whose opener came before the answer phrase
    (``\\[ \\text{The answer is } 140 \\]``)."""
    for closer, opener in _MATH_CLOSERS:
        if s.endswith(closer) and opener not in s:
            return s[: -len(closer)].rstrip()
    if s.endswith("$") and not s.endswith("\\$") and (s.count("$") - s.count("\\$")) % 2 == 1:
        return s[:-1].rstrip()
    return s


def _clean_tail(s: str) -> str | None:
    # The phrase may have sat in TeX: "\\text{The answer is } 140" leaves the text command's "}" before the
    # answer.  The answer ends with its sentence ("The final answer is 12. I hope it is correct."); a number
    # never ends in '.', so trailing punctuation is the sentence's.
    opened = _TEXT_CLOSE.match(s)
    if opened:
        s = s[opened.end():]
    end = _SENTENCE_END.search(s)
    if end:
        s = s[: end.start()]
    s = _without_closer(s.strip().rstrip(".;,").strip())
    s = s.rstrip(".;,").strip().strip("*").strip()
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s.strip("$").strip()
    return s or None


def extract_final_answer(text: str) -> str | None:
    """The final answer stated in ``text``: ``\\boxed{}`` first, then ``#### N``,
    then "the answer is X" / "Answer: X" (last occurrence); ``None`` if none."""
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    boxed = extract_boxed(text)
    if boxed is not None and boxed != "":
        return boxed
    hashes = _HASH_RE.findall(text)
    if hashes:
        got = _clean_tail(hashes[-1])
        if got:
            return got
    matches = _ANSWER_IS_RE.findall(text)
    if matches:
        got = matches[-1]
        for _ in range(3):  # "Final Answer: The final answer is 12." states it twice
            inner = _ANSWER_IS_RE.findall(got)
            if not inner:
                break
            got = inner[-1]
        return _clean_tail(got)
    return None


_NUMBER_RE = re.compile(
    r"(?<![\w.])[-\u2212]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+)?|\.\d+)"
    r"|(?<=\d)[-\u2212](?=\d)"  # a minus between digits is subtraction: consumed, never a sign
)


def last_number(text: str) -> str | None:
    """The last number in ``text`` as a plain string: ``"1,234.5"`` -> ``"1234.5"``,
    ``"-3"``, ``"3/4"``; ``None`` if there is none.  ``5-3`` yields ``"3"``."""
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    last: str | None = None
    for m in _NUMBER_RE.finditer(text):
        tok = m.group(0)
        if tok in ("-", "\u2212"):
            continue
        last = tok
    if last is None:
        return None
    last = last.replace(",", "").replace("\u2212", "-")
    if last.endswith("."):
        last = last[:-1]
    return last
