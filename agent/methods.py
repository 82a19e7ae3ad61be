"""Drawing derivations: n samples of one method, each checked and turned into typed records.

* ``pot`` (program of thought, PAL): the model writes a program; the sandboxed
  calculator runs it; the last printed line is the answer.  The n programs are
  decoded in one batch (``LLM.sample``).  Programs run as scripts: the answer is
  what they print, never the echo of a last expression (the calculator's
  notebook-cell mode; docs/sandbox.md says why the agent does not use it).
* ``cot`` (chain of thought): the answer is the boxed value or "the answer is N".
* ``tir`` (tool-integrated reasoning, as ToRA and Qwen2.5-Math TIR): prose with
  programs; each program's output goes back to the model as a ```output block
  and it continues, at most ``tir_rounds`` programs; the answer is the last
  boxed value (else the last program's output).  The first turns of the n
  derivations are one batch; later turns differ per derivation.
* ``repair``: one failed or implausible program with the error (or the reason
  the answer was rejected) fed back; the fixed program is a new ``pot``
  derivation.

Every answer goes through :func:`mathagent.verifiers.plausibility.reject_reason`;
a rejected one is kept as an invalid derivation (the vote ignores it).
:class:`Drawn` carries what a node adds to the state; step indexes continue
from ``first_step`` and derivation indexes from ``first_derivation``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from mathagent.agent import prompts
from mathagent.agent.llm import Completion, GenerationParams
from mathagent.agent.parsing import answer_from_output, as_asked, extract_code, split_tir_turn
from mathagent.agent.state import AgentContext
from mathagent.traces.records import Derivation, LLMCall, Step, ToolCall
from mathagent.verifiers.extraction import extract_final_answer
from mathagent.verifiers.plausibility import Expectation, reject_reason


@dataclass(frozen=True)
class Plan:
    """One sampling round: ``n`` derivations of ``method``; sample 0 greedy when ``greedy_first``."""

    method: str
    n: int
    greedy_first: bool = False
    why: str = ""
    confirm: bool = False  # the derivation drawn after one method settled the vote or the winner lacked a
    #                        method consensus needs (AgentConfig.consensus_needs)


@dataclass
class Drawn:
    """Records made by one round, in order."""

    first_step: int
    first_derivation: int
    steps: list[Step] = field(default_factory=list)
    llm_calls: list[LLMCall] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    limits_hit: list[str] = field(default_factory=list)

    @property
    def next_step(self) -> int:
        return self.first_step + len(self.steps)

    def llm_call(self, purpose: str, prompt: str, messages: list[dict], comp: Completion) -> None:
        self.llm_calls.append(LLMCall(step_index=self.next_step, purpose=purpose, messages=list(messages),
                                      response=comp.text, prompt_tokens=comp.prompt_tokens,
                                      completion_tokens=comp.completion_tokens, finish_reason=comp.finish_reason,
                                      ms=comp.ms, cached=comp.cached, batch=comp.batch, prompt=prompt))
        if comp.finish_reason == "timeout":
            self.limits_hit.append("llm_timeout")
        elif comp.finish_reason == "length":
            self.limits_hit.append("max_tokens")

    def run_program(self, ctx: AgentContext, code: str):
        res = ctx.calculator.run(code, timeout_s=ctx.config.calc_timeout_s)
        self.tool_calls.append(ToolCall(step_index=self.next_step, tool="calculator", code=code, stdout=res.stdout,
                                        stderr=res.stderr, status=res.status, ms=res.ms, echoed=res.echoed))
        if res.status == "timeout":
            self.limits_hit.append("calc_timeout")
        return res

    def derivation(self, method: str, prompt: str, answer: str | None, reason: str | None) -> None:
        self.derivations.append(Derivation(index=self.first_derivation + len(self.derivations), method=method,
                                           prompt=prompt, answer=answer, valid=reason is None, reason=reason or "",
                                           step_index=self.next_step))

    def updates(self) -> dict:
        return {"steps": self.steps, "llm_calls": self.llm_calls, "tool_calls": self.tool_calls,
                "derivations": self.derivations, "limits_hit": self.limits_hit}


TIR_STOP = ("```output",)  # the model would go on to imagine the program's output


def _params(ctx: AgentContext, method: str, offset: int, sampled: bool, problem: str = "",
            reply_start: str = "") -> GenerationParams:
    """Sample ``offset`` of the problem: its own seed (the run's seed, the sample's position and the problem's
    text, so two problems never share a random stream).  ``reply_start``: the prompt's forced reply start (a
    program's first turn only; a tool-integrated conversation's later turns continue from tool output)."""
    cfg = ctx.config
    seed = None if cfg.seed is None else (cfg.seed + offset + zlib.crc32(problem.encode("utf-8"))) % 2**31
    return GenerationParams(max_tokens=cfg.tokens_for(method), seed=seed,
                            temperature=cfg.sample_temperature if sampled else cfg.temperature,
                            stop=TIR_STOP if method == "tir" else (), reply_start=reply_start)


def draw(ctx: AgentContext, problem: str, expect: Expectation, plan: Plan, *, first_step: int,
         first_derivation: int, sampled: bool) -> Drawn:
    """Draw ``plan.n`` derivations of ``plan.method`` (``sampled``: use the sampling temperature for all but a
    greedy first sample; else every sample decodes at ``config.temperature``)."""
    out = Drawn(first_step, first_derivation)
    prompt = prompts.get_prompt(ctx.config.prompt_name(plan.method))
    fewshot = ctx.config.fewshot if plan.method == "pot" else ()
    messages = prompt.messages(problem, fewshot)
    params = _params(ctx, plan.method, first_derivation, sampled, problem,
                     prompt.reply_start if plan.method == "pot" else "")
    ctx.report(f"{plan.method}: drawing {plan.n} sample{'s' if plan.n > 1 else ''}" + (f" ({plan.why})" if plan.why else ""))
    comps = ctx.llm.sample(messages, params, plan.n, greedy_first=plan.greedy_first and sampled)
    for i, comp in enumerate(comps):
        if plan.method == "pot":
            _program(ctx, out, prompt, messages, comp, expect, i, len(comps))
        elif plan.method == "cot":
            _chain(out, prompt, messages, comp, expect)
        else:
            _tir(ctx, out, prompt, messages, comp, expect, params, i, len(comps))
    return out


def _program(ctx: AgentContext, out: Drawn, prompt: prompts.Prompt, messages: list[dict], comp: Completion,
             expect: Expectation, i: int, n: int, purpose: str = "pot") -> None:
    out.llm_call(purpose, prompt.tag, messages, comp)
    code = extract_code(comp.text)
    tag = "repair" if purpose == "repair" else prompt.tag
    if code is None:
        out.derivation("pot", tag, None, "the reply has no program")
        out.steps.append(Step(out.next_step, purpose, comp.text, "", "no_code", comp.ms))
        return
    ctx.report(f"running program {i + 1} of {n} in the sandbox")
    res = out.run_program(ctx, code)
    answer = answer_from_output(res.stdout, expect) if res.status == "ok" else None
    reason = reject_reason(answer, expect) if res.status == "ok" else f"the program ended with {res.status}"
    out.derivation("pot", tag, answer, reason)
    shown = res.stdout if res.status == "ok" else (res.stderr or res.stdout)
    status = res.status if res.status != "ok" or reason is None else "rejected"
    out.steps.append(Step(out.next_step, purpose, code, shown if reason is None or res.status != "ok"
                          else f"{shown.rstrip()}\n[rejected: {reason}]", status, comp.ms + res.ms))


def _chain(out: Drawn, prompt: prompts.Prompt, messages: list[dict], comp: Completion, expect: Expectation) -> None:
    out.llm_call("cot", prompt.tag, messages, comp)
    answer = as_asked(extract_final_answer(comp.text), expect)
    reason = reject_reason(answer, expect) if answer is not None else "no final answer in the reasoning"
    out.derivation("cot", prompt.tag, answer, reason)
    status = "no_answer" if answer is None else ("answer" if reason is None else "rejected")
    out.steps.append(Step(out.next_step, "cot", "chain of thought", comp.text, status, comp.ms))


def _tir(ctx: AgentContext, out: Drawn, prompt: prompts.Prompt, messages: list[dict], comp: Completion,
         expect: Expectation, params: GenerationParams, i: int, n: int) -> None:
    """One tool-integrated derivation whose first turn is ``comp``; at most ``tir_rounds`` program runs."""
    convo = list(messages)
    last_output: str | None = None
    for turn in range(ctx.config.tir_rounds + 1):
        out.llm_call("tir", prompt.tag, convo, comp)
        text, code = split_tir_turn(comp.text)
        if code is None or turn == ctx.config.tir_rounds:
            if code is not None:
                out.limits_hit.append("tir_rounds")
            answer = as_asked(extract_final_answer(text) if code is None else None, expect) or last_output
            reason = reject_reason(answer, expect) if answer is not None else "no final answer"
            out.derivation("tir", prompt.tag, answer, reason)
            status = "no_answer" if answer is None else ("answer" if reason is None else "rejected")
            out.steps.append(Step(out.next_step, "tir", text, answer or "", status, comp.ms))
            return
        ctx.report(f"tir {i + 1} of {n}: running program {turn + 1} in the sandbox")
        res = out.run_program(ctx, code)
        last_output = answer_from_output(res.stdout, expect) if res.status == "ok" else None
        shown = res.stdout if res.status == "ok" else (res.stderr or res.stdout)
        out.steps.append(Step(out.next_step, "tir", text, shown, res.status, comp.ms + res.ms))
        convo = convo + [{"role": "assistant", "content": text},
                         prompts.tool_output_message(res.stdout, res.stderr, res.status)]
        comp = ctx.llm.complete(convo, params)


def repair(ctx: AgentContext, problem: str, expect: Expectation, failed: Derivation, failed_step: Step,
           failed_call: LLMCall, *, first_step: int, first_derivation: int) -> Drawn:
    """Feed one failed or rejected program back with its error or rejection and run the fixed program."""
    out = Drawn(first_step, first_derivation)
    ctx.report("repairing a failed program")
    result = failed_step.output if failed_step.status != "rejected" else failed_step.output.split("\n[rejected:")[0]
    feedback = prompts.repair_message(failed_step.status, result, result,
                                      rejected=failed.reason if failed_step.status == "rejected" else None)
    messages = failed_call.messages + [{"role": "assistant", "content": failed_call.response}, feedback]
    prompt = prompts.get_prompt(ctx.config.prompt_name("pot"))
    comp = ctx.llm.complete(messages, _params(ctx, "pot", first_derivation, False, problem, prompt.reply_start))
    _program(ctx, out, prompt, messages, comp, expect, 0, 1, purpose="repair")
    return out
