"""A Pratt parser for Lean 4 statements (miniF2F / ProofNet subset).

Precedences follow Lean 4 core and Mathlib notation: `↔` 20, `→` 25 (right),
`∨` 30 (right), `∧` 35 (right), `¬` 40, relations 50, `+ -` 65, `* / %` 70,
unary `-` 75, `^` 75 (right), big operators bind their body at 67, application
and `↑` at max.

Two kinds of failure are kept apart.  Text that cannot be Lean at all (unbalanced
brackets, a statement that stops in the middle, no declaration, no theorem name)
raises `MalformedStatement`: bad input.  Lean syntax the reader does not know is
refused with the construct named (`ParseRefusal`, e.g. "unsupported: subtype
{x // p}", "unsupported: notation ⊤"), never guessed.

Length: a Pratt parser of Lean's term syntax is one precedence table and its loop.
"""

from __future__ import annotations

from fractions import Fraction

from mathagent.verifiers.formal.errors import MalformedStatement, ParseRefusal
from mathagent.verifiers.formal.lexer import Token, tokenize
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Binder, Collection, Expr, Ident, Lambda, ModEq, Num, Proj, Quant,
    SetBuilder, Theorem, UnOp,
)

_INFIX: dict[str, tuple[int, int]] = {
    # op: (left binding power, right operand precedence)
    "↔": (20, 21), "<->": (20, 21),
    "→": (25, 25), "->": (25, 25),
    "∨": (30, 30), "∧": (35, 35),
    "=": (50, 51), "≠": (50, 51), "!=": (50, 51), "<": (50, 51), ">": (50, 51), "≤": (50, 51),
    "<=": (50, 51), "≥": (50, 51), ">=": (50, 51), "∣": (50, 51), "∈": (50, 51), "∉": (50, 51),
    "≡": (50, 51), "⊆": (50, 51), "⊂": (50, 51),
    "∪": (65, 66), "∩": (70, 71), "\\": (70, 71),
    "+": (65, 66), "-": (65, 66), "*": (70, 71), "/": (70, 71), "%": (70, 71),
    "^": (75, 75), "∘": (90, 90), "×": (35, 35), "⁻¹'": (80, 81), "''": (80, 81),
    "\\/": (30, 30), "/\\": (35, 35), "≃": (25, 26),
}
_CANON = {"->": "→", "<->": "↔", "<=": "≤", ">=": "≥", "!=": "≠", "\\/": "∨", "/\\": "∧"}
# Valid Lean notation the reader does not model, named for the refusal.
NOTATION = {
    "@": "explicit arguments @f", "→*": "monoid hom type →*", "→+*": "ring hom type →+*",
    "→+": "additive hom type →+", "≃*": "multiplicative equivalence ≃*", "≃+": "additive equivalence ≃+",
    "//": "subtype {x // p}", "∅": "empty set ∅", "•": "scalar multiplication •", "<|>": "<|> alternative",
    "#": "notation #", "?": "notation ?", "&": "notation &", "`": "quoted name `", "⦃": "strict-implicit binder ⦃⦄",
    "⦄": "strict-implicit binder ⦃⦄", "ᶜ": "complement ᶜ", "∘": "function composition ∘",
    "⁻¹'": "preimage ⁻¹'", "''": "image ''", "∪": "set union ∪", "∩": "set intersection ∩", "\\": "set difference \\",
    "⊆": "subset ⊆", "⊂": "subset ⊂", "×": "product type ×"
}
_OPENERS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⌊": "⌋", "⌈": "⌉", "⦃": "⦄"}
_CLOSERS = {")": "(", "]": "[", "}": "{", "⟩": "⟨", "⌋": "⌊", "⌋₊": "⌊", "⌉": "⌈", "⌉₊": "⌈", "⦄": "⦃"}
_REL_BINDER_OPS = {">", "≥", "<", "≤", "≠", "∈", "∉", ">=", "<=", "⊆"}
_MAX = 1024


class _Parser:
    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0
        self.placeholders = 0

    # -- token helpers --------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def at(self, text: str) -> bool:
        return self.tok.kind in ("sym", "ident") and self.tok.text == text

    def next(self) -> Token:
        t = self.tok
        self.i += 1
        return t

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {text!r}")
        return self.next()

    def ident(self) -> str:
        if self.tok.kind != "ident":
            raise self.error("expected a name")
        return self.next().text

    def error(self, what: str) -> Exception:
        """The refusal at the current token: malformed at the end of input, else a named or generic construct."""
        t = self.tok
        if t.kind == "eof":
            return MalformedStatement(f"the statement ends early ({what})", t.pos)
        if t.kind == "unknown":
            return ParseRefusal(f"notation {t.text}", "", t.pos)
        if t.kind == "sym" and t.text in NOTATION:
            return ParseRefusal(NOTATION[t.text], "", t.pos)
        return ParseRefusal("syntax", f"{what}, found {t.text!r}", t.pos)

    # -- expressions ----------------------------------------------------
    def expr(self, prec: int = 0) -> Expr:
        left = self.prefix()
        for _ in range(10_000):
            t = self.tok
            if t.kind == "field":
                self.next()
                left = Proj(left, t.text)
                continue
            if t.kind == "sym" and t.text in ("⁻¹", "!") and prec <= _MAX:
                self.next()
                left = UnOp(t.text, left)
                continue
            if t.kind == "sym" and t.text in ("<|", "$") and prec <= 10:
                self.next()  # `f <| x` and `f $ x` apply f to everything on the right
                arg = self.expr(10)
                left = App(left.fn, left.args + (arg,)) if isinstance(left, App) else App(left, (arg,))
                continue
            if t.kind == "sym" and t.text == "|>" and prec <= 10:
                self.next()  # `x |> f` is `f x`
                fn = self.expr(11)
                left = App(fn.fn, fn.args + (left,)) if isinstance(fn, App) else App(fn, (left,))
                continue
            if t.kind == "sym" and t.text in _INFIX:
                lbp, rprec = _INFIX[t.text]
                if lbp < prec:
                    break
                self.next()
                op = _CANON.get(t.text, t.text)
                if op == "≡":
                    rhs = self.expr(rprec)
                    self.expect("[")
                    kind = self.ident()
                    if kind not in ("MOD", "ZMOD"):
                        raise ParseRefusal(f"congruence [{kind} n]", "", t.pos)
                    modulus = self.expr(0)
                    self.expect("]")
                    left = ModEq(kind, left, rhs, modulus)
                    continue
                left = BinOp(op, left, self.expr(rprec))
                continue
            if prec < _MAX and self.starts_arg():
                args = []
                while self.starts_arg():
                    args.append(self.arg())
                left = App(left.fn, left.args + tuple(args)) if isinstance(left, App) else App(left, tuple(args))
                continue
            break
        return left

    def starts_arg(self) -> bool:
        t = self.tok
        if t.kind in ("num", "ident"):
            return t.text not in ("fun", "at", "in", "with", "then", "else", "by", "MOD", "ZMOD")
        if t.kind != "sym":
            return False
        if t.text == "[":
            nxt = self.peek()
            return not (nxt.kind == "ident" and nxt.text in ("MOD", "ZMOD"))
        return t.text in ("(", "↑", "⌊", "⌈", "√", "{", "·", "⟨")

    def arg(self) -> Expr:
        """An argument at max precedence: an atom plus projections / postfix ops."""
        e = self.prefix(arg=True)
        for _ in range(1000):
            t = self.tok
            if t.kind == "field":
                self.next()
                e = Proj(e, t.text)
            elif t.kind == "sym" and t.text in ("⁻¹", "!"):
                self.next()
                e = UnOp(t.text, e)
            else:
                break
        return e

    def prefix(self, arg: bool = False) -> Expr:
        """Length: the prefix table of the Pratt parser, one branch per leading token."""
        t = self.tok
        if t.kind == "num":
            self.next()
            try:
                return Num(Fraction(t.text), t.text)
            except ValueError:  # past Python's int-string conversion limit (4300 digits)
                raise ParseRefusal("numeral too long", f"{len(t.text)} digits", t.pos) from None
        if t.kind == "ident":
            if t.text in ("fun",) and not arg:
                return self.lam()
            if t.text in ("True", "False"):
                self.next()
                return Ident(t.text)
            self.next()
            return Ident(t.text)
        if t.kind != "sym":
            raise self.error("expected a term")
        s = t.text
        if s == "(":
            return self.paren()
        if s == "↑":
            self.next()
            return UnOp("↑", self.arg())
        if s == "·":
            self.next()
            self.placeholders += 1
            return Ident(f"·{self.placeholders}")
        if s == "[":
            self.next()
            return Collection("list", tuple(self.items("]")))
        if s == "{":
            return self.brace()
        if s == "⟨":
            self.next()
            return Collection("tuple", tuple(self.items("⟩")))
        if s == "⌊":
            self.next()
            inner = self.expr(0)
            if self.at("⌋₊"):
                self.next()
                return UnOp("nfloor", inner)
            self.expect("⌋")
            return UnOp("floor", inner)
        if s == "⌈":
            self.next()
            inner = self.expr(0)
            if self.at("⌉₊"):
                self.next()
                return UnOp("nceil", inner)
            self.expect("⌉")
            return UnOp("ceil", inner)
        if s == "|" and not arg:
            self.next()
            inner = self.expr(0)
            self.expect("|")
            return UnOp("abs", inner)
        if s == "‖" and not arg:
            self.next()
            inner = self.expr(0)
            self.expect("‖")
            return UnOp("norm", inner)
        if arg:
            raise self.error("expected an argument")
        if s == "-":
            self.next()
            return UnOp("-", self.expr(75))
        if s == "¬":
            self.next()
            return UnOp("¬", self.expr(40))
        if s == "√":
            self.next()
            return UnOp("sqrt", self.expr(100))
        if s in ("∀", "∃", "∃!"):
            return self.quant()
        if s in ("∑", "∏"):
            return self.bigop()
        if s == "λ":
            return self.lam()
        raise self.error("expected a term")

    def items(self, close: str) -> list[Expr]:
        out: list[Expr] = []
        if self.at(close):
            self.next()
            return out
        for _ in range(10_000):
            out.append(self.expr(0))
            if self.at(","):
                self.next()
                continue
            self.expect(close)
            return out
        raise ParseRefusal("collection literal", "more than 10000 items", self.tok.pos)

    def paren(self) -> Expr:
        self.expect("(")
        saved = self.placeholders
        self.placeholders = 0
        e = self.expr(0)
        if self.at(":"):
            self.next()
            ty = self.expr(0)
            self.expect(")")
            e = Ascribe(e, ty)
        elif self.at(","):
            self.next()
            rest = self.items(")")
            e = Collection("tuple", (e, *rest))
        else:
            self.expect(")")
        if self.placeholders:
            e = Lambda(tuple(f"·{k + 1}" for k in range(self.placeholders)), e)
        self.placeholders = saved
        return e

    def brace(self) -> Expr:
        self.expect("{")
        if self.tok.kind == "ident" and self.peek().text in ("|", ":"):
            # set-builder `{ x | p }` / `{ x : T | p }` (or a singleton `{x}` handled below)
            save = self.i
            var = self.ident()
            ty = None
            if self.at(":"):
                self.next()
                ty = self.expr(0)
            if self.at("|"):
                self.next()
                body = self.expr(0)
                self.expect("}")
                return SetBuilder(var, ty, body)
            if self.at("//"):
                raise ParseRefusal("subtype {x // p}", "", self.tok.pos)
            self.i = save
        if self.tok.kind == "ident" and self.peek().text == "//":
            raise ParseRefusal("subtype {x // p}", "", self.peek().pos)
        return Collection("set", tuple(self.items("}")))

    def binders(self) -> list[Binder]:
        """Binders of ∀/∃/∑/fun up to (not including) the ','."""
        out: list[Binder] = []
        for _ in range(1000):
            if self.at("(") or self.at("{") or self.at("["):
                close = {"(": ")", "{": "}", "[": "]"}[self.next().text]
                names = []
                while self.tok.kind == "ident" or self.at("_"):
                    names.append(self.next().text)
                ty = None
                if self.at(":"):
                    self.next()
                    ty = self.expr(0)
                self.expect(close)
                if ty is not None and _is_prop_syntax(ty):
                    out.extend(Binder(n, None, "hyp", ty) for n in names)
                else:
                    out.extend(Binder(n, ty) for n in names)
                continue
            if self.tok.kind == "ident" and self.tok.text not in ("in",):
                names = []
                while self.tok.kind == "ident" and self.tok.text not in ("in",):
                    names.append(self.next().text)
                ty = None
                if self.at(":"):
                    self.next()
                    ty = self.expr(0)
                    out.extend(Binder(n, ty) for n in names)
                    break
                if self.tok.kind == "sym" and self.tok.text in _REL_BINDER_OPS:
                    raw_op = self.next().text
                    op = _CANON.get(raw_op, raw_op)
                    rhs = self.expr(51)
                    out.extend(Binder(n, None, op, rhs) for n in names)
                    break
                out.extend(Binder(n) for n in names)
                continue
            break
        if not out:
            raise self.error("expected a binder")
        return out

    def quant(self) -> Expr:
        kind = self.next().text
        bs = self.binders()
        self.expect(",")
        return Quant(kind, tuple(bs), self.expr(0))

    def bigop(self) -> Expr:
        kind = self.next().text
        if self.at("("):
            self.next()
            var = self.ident()
            if self.at(":"):
                self.next()
                self.expr(0)
            self.expect(")")
        else:
            var = self.ident()
            if self.at(":"):
                self.next()
                self.expr(51)
        domain = None
        if self.at("∈") or self.at("in"):
            self.next()
            domain = self.expr(51)
        self.expect(",")
        return BigOp(kind, var, domain, self.expr(67))

    def lam(self) -> Expr:
        self.next()
        bs = self.binders()
        if not (self.at("=>") or self.at("↦")):
            raise self.error("expected '=>' in fun")
        self.next()
        return Lambda(tuple(b.name for b in bs), self.expr(0))


def _is_prop_syntax(e: Expr) -> bool:
    if isinstance(e, BinOp):
        return e.op in ("=", "≠", "<", ">", "≤", "≥", "∣", "∈", "∉", "∧", "∨", "↔", "⊆")
    if isinstance(e, UnOp):
        return e.op == "¬"
    return isinstance(e, (Quant, ModEq))


def _refusing_deep_nesting(parse):
    """Nesting past Python's recursion limit is refused like any other unsupported input."""

    def wrapper(text: str):
        try:
            return parse(text)
        except RecursionError:
            raise ParseRefusal("deep nesting", "deeper than the reader's recursion limit") from None

    wrapper.__doc__, wrapper.__name__ = parse.__doc__, parse.__name__
    return wrapper


@_refusing_deep_nesting
def parse_expr(text: str) -> Expr:
    """Parse a standalone Lean term (used for informal claims and tests)."""
    p = _Parser(text)
    e = p.expr(0)
    if p.tok.kind != "eof":
        raise p.error("expected the end of the term")
    return e


_DECL_KEYWORDS = ("theorem", "lemma", "example")
_OTHER_DECLS = ("instance", "def", "abbrev", "structure", "class", "inductive", "axiom", "opaque")


def check_brackets(toks: list[Token]) -> None:
    """Raise MalformedStatement for an unclosed or unmatched bracket (Lean cannot parse either)."""
    stack: list[Token] = []
    for t in toks:
        if t.kind != "sym":
            continue
        if t.text in _OPENERS:
            stack.append(t)
        elif t.text in _CLOSERS:
            if not stack:
                raise MalformedStatement(f"unmatched {t.text!r}", t.pos)
            if stack[-1].text != _CLOSERS[t.text]:
                o = stack[-1]
                raise MalformedStatement(f"{o.text!r} opened at character {o.pos} is closed by {t.text!r}", t.pos)
            stack.pop()
    if stack:
        raise MalformedStatement(f"{stack[-1].text!r} is never closed", stack[-1].pos)


def declarations(text: str) -> list[Token]:
    """The keyword token (``theorem``, ``lemma``, ``example``, ``def``, ``instance``...) of every declaration in
    `text`, in order.  These words are reserved in Lean 4: outside comments they only ever start a declaration.
    Raises MalformedStatement for characters Lean source cannot hold."""
    return [t for t in tokenize(text) if t.kind == "ident" and t.text in _DECL_KEYWORDS + _OTHER_DECLS]


def _one_declaration(toks: list[Token]) -> None:
    """A statement is one declaration: a second one (``theorem u`` after ``theorem t``, a trailing
    ``example : False``, a ``def`` the theorem may depend on) would go unchecked, so it is malformed input."""
    found = [t for t in toks if t.kind == "ident" and t.text in _DECL_KEYWORDS + _OTHER_DECLS]
    if len(found) > 1 and any(t.text in _DECL_KEYWORDS for t in found):
        shown = ", ".join(f"{t.text} at character {t.pos}" for t in found[:4]) + (", ..." if len(found) > 4 else "")
        raise MalformedStatement(f"{len(found)} declarations, not one ({shown})")


@_refusing_deep_nesting
def parse_theorem(text: str) -> Theorem:
    """Parse the `theorem`/`lemma`/`example` that `text` holds (header lines are skipped).

    Raises MalformedStatement for text that is not one well-formed declaration (a second declaration is not
    checked, so it is refused rather than ignored) and ParseRefusal (a Refusal naming the construct) for Lean
    syntax outside the reader's subset.
    """
    p = _Parser(text)
    check_brackets(p.toks)
    _one_declaration(p.toks)
    for _ in range(len(p.toks)):
        if p.tok.kind == "eof":
            other = next((t for t in p.toks if t.kind == "ident" and t.text in _OTHER_DECLS), None)
            if other is not None:
                raise ParseRefusal(f"{other.text} declaration", "only theorem, lemma and example are checked",
                                   other.pos)
            raise MalformedStatement("no theorem, lemma or example declaration")
        if p.tok.kind == "ident" and p.tok.text in _DECL_KEYWORDS:
            break
        p.next()
    kw = p.next().text
    if kw != "example" and p.tok.kind != "ident":
        raise MalformedStatement(f"the {kw} has no name", p.tok.pos)
    name = "example" if kw == "example" else p.ident()
    binders: list[tuple[str, Expr, str]] = []
    for _ in range(10_000):
        if p.at(":"):
            break
        if p.at(":="):
            raise MalformedStatement(f"the {kw} has no statement (no ':' before ':=')", p.tok.pos)
        if p.tok.kind == "ident" or p.at("_"):
            raise ParseRefusal("untyped theorem binder", p.tok.text, p.tok.pos)
        if not (p.at("(") or p.at("{") or p.at("[")):
            raise p.error("expected a binder or ':'")
        opening = p.next().text
        close = {"(": ")", "{": "}", "[": "]"}[opening]
        if opening == "[":
            if p.tok.kind == "ident" and p.peek().text == ":":
                raise ParseRefusal("named instance binder [h : C]", "", p.tok.pos)
            ty = p.expr(0)
            p.expect("]")
            binders.append(("_inst", ty, "["))
            continue
        names = []
        while p.tok.kind == "ident" or p.at("_"):
            names.append(p.next().text)
        if not names:
            raise p.error("expected binder names")
        if p.at(close):
            raise ParseRefusal("untyped theorem binder", " ".join(names), p.tok.pos)
        p.expect(":")
        ty = p.expr(0)
        p.expect(close)
        binders.extend((n, ty, opening) for n in names)
    p.expect(":")
    goal = p.expr(0)
    if not (p.at(":=") or p.tok.kind == "eof" or p.at("|")):
        raise p.error("expected ':=' after the goal")
    return Theorem(name, tuple(binders), goal)
