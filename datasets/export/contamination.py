"""Contamination guard: drop exported problems that overlap a benchmark's test problems.

The test (as in GPT-3's contamination study): both texts are lower-cased and
split into word tokens (``\\w+``, Unicode-aware, so numbers are tokens and
LaTeX punctuation is not); an exported problem is *contaminated* when the
share of its distinct 13-grams that occur in any excluded file is at least
``threshold``.  A problem shorter than 13 tokens has no 13-gram; it is
contaminated when its whole token sequence equals an excluded problem's.

Excluded files: JSONL (one object a line; the text is the first of the fields
``question``, ``problem``, ``prompt``, ``input``, ``text``, ``informal_statement``)
or plain text (one problem a line; n-grams run across line breaks too).
13-grams are kept as 64-bit hashes, so the index of a 5,000-problem test set
is a few megabytes.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mathagent.errors import InputError
from mathagent.files import MAX_LINE_BYTES, JsonProblem, loads_json, open_input, read_lines

NGRAM = 13
TEXT_FIELDS = ("question", "problem", "prompt", "input", "text", "informal_statement")
_TOKEN = re.compile(r"\w+")
MAX_EXCLUDE_BYTES = 2 * 1024**3


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _h(gram: Iterable[str]) -> int:
    data = "\x1f".join(gram).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def ngram_hashes(toks: list[str], n: int = NGRAM) -> set[int]:
    return {_h(toks[i:i + n]) for i in range(len(toks) - n + 1)}


@dataclass
class ContaminationIndex:
    threshold: float = 0.5
    grams: set[int] = field(default_factory=set)
    short: set[int] = field(default_factory=set)   # whole token sequences shorter than NGRAM
    sources: list[str] = field(default_factory=list)
    problems: int = 0

    def add_text(self, text: str) -> None:
        toks = tokens(text)
        self.problems += 1
        if len(toks) < NGRAM:
            if toks:
                self.short.add(_h(toks))
            return
        self.grams |= ngram_hashes(toks)

    def overlap(self, text: str) -> float:
        """Share (0..1) of ``text``'s 13-grams found in the excluded problems."""
        toks = tokens(text)
        if len(toks) < NGRAM:
            return 1.0 if toks and _h(toks) in self.short else 0.0
        mine = ngram_hashes(toks)
        return len(mine & self.grams) / len(mine)

    def is_contaminated(self, text: str) -> bool:
        return bool(self.grams or self.short) and self.overlap(text) >= self.threshold


def _jsonl_texts(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[str]:
    for lineno, line in lines:
        if not line.strip():
            continue
        try:
            obj = loads_json(line)
        except JsonProblem as exc:
            raise InputError(f"{path}:{lineno}: {exc.reason}",
                             "give a JSONL file (one object a line) or a plain-text file") from None
        if isinstance(obj, dict):
            for key in TEXT_FIELDS:
                if isinstance(obj.get(key), str):
                    yield obj[key]
                    break


def _is_json_object(path: Path, line: str) -> bool:
    """Whether the first line is a JSON object (then the file is JSONL); JSON no reader should hold is an error."""
    try:
        return isinstance(loads_json(line), dict)
    except JsonProblem as exc:
        if line.lstrip().startswith(("{", "[")) and not exc.reason.startswith("invalid JSON"):
            raise InputError(f"{path}:1: {exc.reason}", "give a JSONL file (one object a line) or a plain-text file") \
                from None
        return False


def _refuse_binary(path: Path) -> None:
    """A binary or non-UTF-8 file would index garbage and exclude nothing, silently: refuse it."""
    with open_input(path, "exclude file", max_bytes=MAX_EXCLUDE_BYTES) as fh:
        head = fh.read(64 * 1024)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise InputError(f"exclude file is not UTF-8 text: {path} (byte {exc.start})",
                             "pass the benchmark file itself (JSONL or plain text), not an archive or parquet")
    if b"\x00" in head:
        raise InputError(f"exclude file is binary (contains NUL bytes): {path}",
                         "pass the benchmark file itself (JSONL or plain text), not an archive or parquet")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of each line (bounded: :func:`mathagent.files.read_lines`); an over-long line is refused."""
    for number, raw in read_lines(path, "exclude file", max_bytes=MAX_EXCLUDE_BYTES):
        if raw is None:
            raise InputError(f"{path}:{number}: line longer than {MAX_LINE_BYTES} bytes",
                             "pass the benchmark file itself (JSONL or plain text)")
        yield number, raw.decode("utf-8", errors="replace")


def load_exclusions(paths: Iterable[Path], threshold: float) -> ContaminationIndex:
    """Index the problems of every file in ``paths`` (streamed line by line)."""
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"--overlap-threshold must be in (0, 1], got {threshold}", "use e.g. 0.5")
    index = ContaminationIndex(threshold=threshold)
    for path in paths:
        path = Path(path)
        if not os.path.lexists(path):
            raise InputError(f"exclude file not found: {path}", "pass benchmark test files (JSONL or text)")
        _refuse_binary(path)  # a folder, a FIFO, a device or a file past MAX_EXCLUDE_BYTES is refused here
        before = index.problems
        lines = _lines(path)
        first = next(lines, None)
        if first is not None:
            lines = itertools.chain([first], lines)
            if path.suffix.lower() in (".jsonl", ".ndjson") or _is_json_object(path, first[1]):
                for text in _jsonl_texts(path, lines):
                    index.add_text(text)
            else:
                stream: list[str] = []
                for _, line in lines:
                    if line.strip():
                        index.add_text(line)   # per line: short problems and per-problem counts
                        stream.extend(tokens(line))
                        if len(stream) > 10 * NGRAM:  # n-grams across line breaks, in bounded windows
                            index.grams |= ngram_hashes(stream)
                            stream = stream[-(NGRAM - 1):]
                index.grams |= ngram_hashes(stream)
        if index.problems == before:
            raise InputError(f"no problems found in exclude file {path}",
                             "a JSONL file needs a problem/question field in each object; text needs one per line")
        index.sources.append(f"{path} ({index.problems - before} problems)")
    return index
