"""Graph state, configuration and runtime context.

The state is a TypedDict whose trace parts are typed records
(:mod:`mathagent.traces.records`) in lists with LangGraph reducers
(``Annotated[list[Step], operator.add]``): a node returns only what it adds
and the reducer appends it.  Dependencies (the LLM, the calculator pool, the
trace recorder, a progress callback) live in :class:`AgentContext`, passed as
LangGraph's runtime context, never in state.  :class:`AgentConfig` is the one
source of the agent's defaults: the CLI, eval (``EvalSpec.agent_config``) and
the Python API all build it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol, TypedDict, get_args

from mathagent.agent.llm import LLM
from mathagent.agent.prompts import DEFAULT_PROMPTS
from mathagent.agent.vote import Vote
from mathagent.errors import InputError
from mathagent.traces.records import Check, Derivation, LLMCall, Level, Method, Step, ToolCall


class CalcOutcome(Protocol):
    status: str
    stdout: str
    stderr: str
    ms: float
    echoed: bool


class CalculatorLike(Protocol):
    def run(self, code: str, timeout_s: float | None = None, *, echo: bool = False) -> CalcOutcome: ...


Decision = Literal["settled", "confirm", "unsettled", "exhausted"]

STRATEGIES = ("agent", "cot", "pot", "tir")
"""The strategies the graph runs: the adaptive vote, or one derivation by a method (agent/graph.py).  Here, not in
the graph module, so validating a name does not import LangGraph."""


class AgentState(TypedDict, total=False):
    problem: str
    strategy: str                  # agent | pot | cot | tir
    steps: Annotated[list[Step], operator.add]
    llm_calls: Annotated[list[LLMCall], operator.add]
    tool_calls: Annotated[list[ToolCall], operator.add]
    checks: Annotated[list[Check], operator.add]
    derivations: Annotated[list[Derivation], operator.add]
    limits_hit: Annotated[list[str], operator.add]   # the bounds this attempt ran into
    rounds: int                    # sampling rounds taken (the schedule's position)
    last_round: int                # index of the first derivation of the latest round
    confirms: int                  # confirming derivations drawn (at most max(1, len(consensus_needs)))
    repairs: int                   # repaired programs
    started: float                 # time.monotonic() at the start (the wall-clock budget counts from it)
    vote: Vote | None              # the latest vote
    decision: Decision | None      # the latest vote's decision
    answer: str | None
    level: Level
    confidence: float | None
    stop_reason: str | None        # why the agent stopped without an answer


DEFAULT_SCHEDULE: tuple[tuple[str, int], ...] = (("pot", 3), ("pot", 1), ("tir", 1), ("pot", 4), ("cot", 1))
"""The agent's sampling rounds: (method, samples); the last one repeats until ``max_samples``.  Three program
samples first (the greedy one and two sampled: 3-0 settles), one more when they do not agree (3-1 settles), then
the strongest single method of the embedded model on disagreement (tool-integrated reasoning: 25 of 30 GSM8K
train problems greedy, against 20 for a program), then four programs, then a chain of thought.  Chosen on 40
GSM8K train problems by replaying one drawn pool (docs/models.md): 32 right against 31 for the former four
programs first, at a modelled median of 16.7 s instead of 19.6 s on a CPU where a batch of n costs n samples
(22.1 s instead of 21.7 s where four cost two); two programs first was cheaper still (11.4 s) but stops at 2-0,
and the greedy program and one sample share a misreading too often (``MIN_AGREE``)."""

MIN_AGREE = 3
"""Agreeing derivations the vote needs before it may stop early.  Not 2: "Pencils cost $3 for a pack of 4. How
many dollars do 20 pencils cost?" drew 60 from the greedy program and from the first sample (15 from the
second); a vote that stops at 2-0 answers 60."""


@dataclass(frozen=True)
class AgentConfig:
    """Bounds, decoding and the vote's rules.  Every loop in the graph is bounded by one of these."""

    max_samples: int = 12          # derivations drawn at most (all methods, repairs included)
    schedule: tuple[tuple[str, int], ...] = DEFAULT_SCHEDULE
    max_repairs: int = 1           # failed or implausible programs fed back for a fix
    tir_rounds: int = 4            # program runs in one tool-integrated derivation
    stop_threshold: float = 0.8    # stop when P(leader is the majority) reaches this (adaptive consistency)
    min_agree: int = MIN_AGREE     # ... with at least this many agreeing derivations
    consensus_min: int = 3         # consensus level: agreeing derivations needed (of >= 2 methods)
    consensus_threshold: float = 0.9  # consensus level: confidence needed (chosen on dev)
    consensus_needs: tuple[str, ...] = ("cot",)  # consensus level: methods the agreeing cluster must include
    # (a chain of thought reads the problem without writing the program's code; programs and tool-integrated
    # reasoning share one misreading too often: docs/results.md, "An independent reading"); each confirming
    # derivation draws a missing one (one not yet drawn first), at most max(1, len(consensus_needs)) of them
    verify: bool = False           # when one method settled the vote, or a method consensus needs is missing from
                                   # the winner, and no valid derivation dissents, draw one derivation by that method
                                   # (one chain of thought: ~300 tokens)
    confirm_methods: tuple[str, ...] = ("cot", "tir")  # which other method confirms, in order of preference
    time_budget_s: float | None = None  # stop drawing once this many seconds have passed (None: no bound)
    calc_timeout_s: float = 10.0
    max_tokens: tuple[tuple[str, int], ...] = (("pot", 512), ("cot", 768), ("tir", 512))
    temperature: float = 0.0       # decoding of sample 0 and of the single-derivation strategies
    sample_temperature: float = 0.7  # the agent's further samples
    seed: int | None = 0
    prompts: tuple[tuple[str, str], ...] = tuple(DEFAULT_PROMPTS.items())  # (method, prompt name)
    formal: bool = False           # treat the problem as a formal (Lean) statement even if it does not look like one
    smt_timeout_s: float = 5.0
    fewshot: tuple[dict[str, Any], ...] = ()  # extra (user, assistant) example messages for programs

    def __post_init__(self) -> None:
        methods = get_args(Method)
        for name in ("consensus_needs", "confirm_methods"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(m in methods for m in value):
                raise InputError(f"{name} must be a tuple of methods, got {value!r}",
                                 f"name methods among {', '.join(methods)}, e.g. ('cot',)")
            if len(set(value)) != len(value):  # a repeat would raise the confirmation bound and add nothing
                raise InputError(f"{name} names a method twice, got {value!r}", "name each method once")

    def prompt_name(self, method: str) -> str:
        return dict(self.prompts)[method]

    def tokens_for(self, method: str) -> int:
        return dict(self.max_tokens)[method]

    def recursion_limit(self) -> int:
        """Graph steps: per derivation at most a draw, a repair and a vote, plus start, verify; doubled."""
        return 2 * (3 * (self.max_samples + self.max_repairs) + 6)


@dataclass
class AgentContext:
    llm: LLM
    calculator: CalculatorLike
    config: AgentConfig = field(default_factory=AgentConfig)
    recorder: Callable[[Any], None] | None = None  # receives the finished TraceRecord
    progress: Callable[[str], None] | None = None  # receives "what the agent is doing now" (human-mode solve)

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)
