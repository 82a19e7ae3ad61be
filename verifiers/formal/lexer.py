"""Tokenizer for Lean 4 statements (the subset miniF2F/ProofNet use).

Identifiers keep their dotted namespaces (`Real.sqrt`, `x.den`); the parser
decides whether a dotted name is a constant or a projection on a local.
A printable character the reader does not know becomes an `unknown` token (the
parser refuses it as "notation X": it may be valid Lean); only characters that
can never appear in Lean source (control characters, unassigned code points)
make the text malformed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mathagent.verifiers.formal.errors import MalformedStatement


@dataclass(frozen=True)
class Token:
    kind: str  # 'num' | 'ident' | 'sym' | 'field' | 'unknown' | 'eof'
    text: str
    pos: int


# Longest first.
_SYMBOLS = [
    "→+*", "→*", "→+", "≃*", "≃+", "<|>", "//", "\\/", "/\\", "<|", "|>",
    "⁻¹'", "''", ":=", "=>", "->", "<->", "<=", ">=", "!=", "∃!", "⌋₊", "⌉₊", "||",
    "↦", "≠", "≤", "≥", "→", "↔", "∧", "∨", "¬", "∣", "∑", "∏", "∀", "∃", "∈", "∉",
    "↑", "⁻¹", "·", "∘", "≡", "⌊", "⌋", "⌈", "⌉", "√", "λ", "⊆", "⊂", "∩", "∪", "\\",
    "×", "⟨", "⟩", "ᶜ", "∅", "$", "@", "#", "?", "&", "`", "‖", "⦃", "⦄", "≃", "•",
    "+", "-", "*", "/", "%", "^", "(", ")", "[", "]", "{", "}", ",", ":", "=", "<", ">",
    "!", "|", "'", ";", ".",
]
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₔₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ"
_ID_START = re.compile(r"[^\W\d]", re.UNICODE)
_NUM = re.compile(r"\d+(?:\.\d+)?")
_SPECIAL_IDENTS = ("ℝ≥0∞", "ℝ≥0", "ℕ+", "Type*", "Sort*")
_NOT_ID = set("λΠΣ∑∏")


def _is_id_start(ch: str) -> bool:
    return (ch == "_" or bool(_ID_START.match(ch)) or ch in "ℕℤℚℝℂπ") and ch not in _NOT_ID


def _is_id_char(ch: str) -> bool:
    return _is_id_start(ch) or ch.isdigit() or ch == "'" or ch in _SUBSCRIPTS


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; raises MalformedStatement for characters Lean source cannot hold.

    Length: one loop over the characters with a branch per token kind.
    """
    toks: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/-", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            i = j
            continue
        special = next((s for s in _SPECIAL_IDENTS if text.startswith(s, i)), None)
        if special and (special != "ℕ+" or not _next_is_operand(text, i + 2)):
            toks.append(Token("ident", special, i))
            i += len(special)
            continue
        if ch.isdigit():
            m = _NUM.match(text, i)
            if m is None:  # a digit that is not a decimal digit, e.g. '²'
                toks.append(Token("unknown", ch, i))
                i += 1
                continue
            toks.append(Token("num", m.group(0), i))
            i = m.end()
            continue
        if ch == "." and toks and toks[-1].text in (")", "}", "]", "⟩") and i + 1 < n and (
            _is_id_start(text[i + 1]) or text[i + 1].isdigit()
        ):
            j = i + 1
            while j < n and (_is_id_char(text[j])):
                j += 1
            toks.append(Token("field", text[i + 1 : j], i))
            i = j
            continue
        if ch == "«":
            j = text.find("»", i)
            if j < 0:
                raise MalformedStatement("unterminated «identifier»", i)
            toks.append(Token("ident", text[i + 1 : j], i))
            i = j + 1
            continue
        if _is_id_start(ch):
            j = i + 1
            while j < n:
                if _is_id_char(text[j]):
                    j += 1
                elif text[j] == "." and j + 1 < n and (_is_id_start(text[j + 1]) or text[j + 1].isdigit()):
                    j += 1
                else:
                    break
            toks.append(Token("ident", text[i:j], i))
            i = j
            continue
        sym = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if sym is None:
            if unicodedata.category(ch)[0] == "C":  # control, surrogate, private use, unassigned
                raise MalformedStatement(f"character U+{ord(ch):04X} cannot appear in Lean source", i)
            toks.append(Token("unknown", ch, i))
            i += 1
            continue
        toks.append(Token("sym", sym, i))
        i += len(sym)
    toks.append(Token("eof", "", n))
    return toks


def _next_is_operand(text: str, j: int) -> bool:
    while j < len(text) and text[j] == " ":
        j += 1
    return j < len(text) and (text[j].isalnum() or text[j] in "(↑")
