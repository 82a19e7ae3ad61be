"""Accuracy against cost: fixed k samples (maj@k) against the adaptive agent, on the same problems and samples.

For each of ``--limit`` problems of a GSM8K or MATH file (``--order`` as in eval; dev or train, never test), a
pool of completions is drawn once with the product's own methods (agent/methods.py: prompts, batched
decoding, the sandbox): ``--pot`` program samples, ``--cot`` chains of thought and ``--tir`` tool-integrated
derivations (sample 0 of each greedy, the rest at the sampling temperature), with the wall time of each draw.
Then, without the model:

* each method's maj@k for k = 1, 3, 5 (the first k samples of the pool; programs run in the sandbox again;
  answers voted with the grader's equivalence);
* the adaptive ``agent``: the real graph (agent/graph.py) replayed over the pool (a pool LLM serves the drawn
  completions in order), with its stopping rule, plausibility checks, confirmation and levels;

each graded against the gold answer, with mean derivations, completion tokens and modelled seconds per problem
(a batch of n costs the prompt's time plus its longest sample's tokens times the measured step time at n).
Also printed: the agent's level counts with their precision, and the confidence/precision curve.

``python bench/agent.py gsm8k --data ../shared/data/gsm8k/dev.jsonl --limit 30`` (a quiet machine: the pool's
batch times are measured).  ``--pool FILE`` keeps the drawn pool (JSONL) and reuses it on the next run, so
policies can be compared without drawing again (``--schedule``, ``--stop-threshold``, ``--min-agree``,
``--max-samples``; ``--step-ms`` models another machine's decoding, ``--per-problem`` lists each answer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

STEP_DEFAULT_MS = {1: 82.0, 2: 129.0, 4: 155.0, 8: 270.0}  # ms per decoding step at batch n (--step-ms replaces)


def _draw_pool(problems, llm, calc, cfg, sizes: dict[str, int], out: Path) -> list[dict]:
    """Draw (or read back from ``out``) each problem's pool with the product's own methods.draw: per method, the
    samples' texts (a tir sample: its turns) and tokens, and the wall time of the method's draw.  Each row records
    the prompts it was drawn with; a pool file drawn with other prompts is refused (SystemExit)."""
    from mathagent.agent.methods import Plan, draw
    from mathagent.agent.prompts import prompts_version
    from mathagent.agent.state import AgentContext
    from mathagent.verifiers.plausibility import expectation

    version = prompts_version(dict(cfg.prompts))
    done = {}
    if out.exists():
        done = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    stale = sorted({r.get("prompts_version", "(none recorded)") for r in done.values()} - {version})
    if stale:  # a pool drawn with other prompts would be replayed as if this configuration had drawn it
        raise SystemExit(f"the pool {out} was drawn with prompts {', '.join(stale)}, not {version}: "
                         "pass another --pool file")
    temps = sorted({r.get("sample_temperature", 0.7) for r in done.values()} - {cfg.sample_temperature})
    if temps:  # the same for the sampling temperature (pools drawn before it was recorded used 0.7)
        raise SystemExit(f"the pool {out} was drawn at sampling temperature {temps[0]}, not "
                         f"{cfg.sample_temperature}: pass --sample-temperature {temps[0]} or another --pool file")
    rows = []
    with out.open("a") as f:
        for p in problems:
            if p.id in done:
                rows.append(done[p.id])
                continue
            if llm is None:
                raise SystemExit(f"{p.id} is not in the pool {out}: run without --pool-only to draw it")
            row = {"id": p.id, "question": p.question, "gold": p.answer, "prompts_version": version,
                   "sample_temperature": cfg.sample_temperature, "pools": {}}
            ctx = AgentContext(llm=llm, calculator=calc, config=cfg)
            first = 0
            for method, n in sizes.items():
                if n <= 0:
                    continue
                t0 = time.perf_counter()
                got = draw(ctx, p.question, expectation(p.question), Plan(method, n, greedy_first=True),
                           first_step=0, first_derivation=first, sampled=True)
                seconds = time.perf_counter() - t0
                first += n
                samples, bounds = [], [d.step_index for d in got.derivations]
                lo = -1
                for hi in bounds:  # a derivation's calls: after the previous derivation's step, up to its own
                    calls = [c for c in got.llm_calls if lo < c.step_index <= hi]
                    samples.append({"turns": [c.response for c in calls],
                                    "tokens": sum(c.completion_tokens for c in calls)})
                    lo = hi
                row["pools"][method] = {"seconds": seconds, "n": n, "samples": samples}
            f.write(json.dumps(row) + "\n")
            f.flush()
            rows.append(row)
            print(f"  drew {p.id} in {sum(v['seconds'] for v in row['pools'].values()):.0f} s", flush=True)
    return rows


class PoolLLM:
    """Serves a problem's pooled completions in order, per method (a tir sample's later turns to ``complete``);
    adds up the modelled cost of each call."""

    backend = "pool"
    name = "pool"

    def __init__(self, row: dict, method_of, step_ms: dict[int, float], prompt_s: float):
        self.row, self.method_of, self.step_ms, self.prompt_s = row, method_of, step_ms, prompt_s
        self.used = {m: 0 for m in row["pools"]}
        self.pending: list[list[str]] = []  # later turns of the tir samples served so far, oldest first
        self.seconds = 0.0
        self.tokens = 0

    def _cost(self, tokens: list[int], n: int) -> None:
        step = self.step_ms.get(n) or self.step_ms[max(k for k in self.step_ms if k <= max(1, n))]
        self.seconds += self.prompt_s + max(tokens) * step / 1000
        self.tokens += sum(tokens)

    def _take(self, method: str, n: int):
        from mathagent.agent.llm import Completion

        pool = self.row["pools"][method]["samples"]
        start = self.used[method]
        got = [pool[i % len(pool)] for i in range(start, start + n)]  # wraps around when the pool runs out
        self.used[method] += n
        firsts = [s["turns"][0] if s["turns"] else "" for s in got]
        if method == "tir":
            self.pending.extend(list(s["turns"][1:]) for s in got)
        per = [max(1, s["tokens"] // max(1, len(s["turns"]))) for s in got]
        self._cost(per, n)
        return [Completion(t, 0, k, "stop", "pool", 0.0, batch=n) for t, k in zip(firsts, per)]

    def sample(self, messages, params, n, *, greedy_first=False):
        return self._take(self.method_of(messages), n)

    def complete(self, messages, params):
        from mathagent.agent.llm import Completion

        method = self.method_of(messages)
        if method == "tir" and messages[-1]["content"].startswith("```output"):
            while self.pending and not self.pending[0]:
                self.pending.pop(0)
            text = self.pending[0].pop(0) if self.pending else ""
            self._cost([max(1, len(text) // 4)], 1)
            return Completion(text, 0, max(1, len(text) // 4), "stop", "pool", 0.0)
        return self._take(method, 1)[0]

    def close(self):
        pass


def _grade(answer, gold) -> bool:
    from mathagent.eval.grading import grade

    return bool(answer) and grade(answer, gold, timeout_s=5.0).correct


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"a:1,b:2"`` -> ``[("a", "1"), ("b", "2")]`` (``--schedule`` and ``--step-ms``)."""
    return [tuple(x.split(":", 1)) for x in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", choices=("gsm8k", "math"))
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--order", default="shuffled", choices=("file", "shuffled", "stratified"))
    ap.add_argument("--pot", type=int, default=8, help="program samples drawn per problem (default 8)")
    ap.add_argument("--cot", type=int, default=4, help="chains of thought drawn per problem (default 4)")
    ap.add_argument("--tir", type=int, default=2, help="tool-integrated derivations drawn per problem (default 2)")
    ap.add_argument("--prompt", action="append", default=[], help="a named prompt for its method (repeatable)")
    ap.add_argument("--pool", type=Path, default=None, help="JSONL file to keep and reuse the drawn pool")
    ap.add_argument("--schedule", default=None, help="agent rounds, e.g. pot:4,cot:1,pot:4 (default: the agent's)")
    ap.add_argument("--stop-threshold", type=float, default=None)
    ap.add_argument("--min-agree", type=int, default=None, help="agreeing derivations the vote needs to stop")
    ap.add_argument("--max-samples", type=int, default=None)
    ap.add_argument("--no-verify", action="store_true", help="agent: no confirming derivation by a second method")
    ap.add_argument("--sample-temperature", type=float, default=None,
                    help="decoding temperature of the samples after the greedy first (default: the agent's)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--per-problem", action="store_true", help="print the agent's answer, rounds and cost per problem")
    ap.add_argument("--step-ms", default=None,
                    help="this machine's ms per decoding step by batch size, as bench/llm_batch.py prints them, "
                         "e.g. 1:36,2:73,4:139,8:258 (default: a memory-bound machine's, %s)" % STEP_DEFAULT_MS)
    args = ap.parse_args()

    from mathagent.agent import prompts
    from mathagent.agent.runner import solve_problem
    from mathagent.agent.state import AgentConfig, AgentContext
    from mathagent.datasets import load_dataset
    from mathagent.datasets.selection import Selection
    from mathagent.eval.metrics import wilson_interval
    from mathagent.tools.calculator import Calculator

    from mathagent.agent.prompts import resolve_prompts

    cfg = replace(AgentConfig(), prompts=tuple(resolve_prompts(args.prompt).items()))
    if args.schedule:
        cfg = replace(cfg, schedule=tuple((m, int(k)) for m, k in _pairs(args.schedule)))
    if args.stop_threshold is not None:
        cfg = replace(cfg, stop_threshold=args.stop_threshold)
    if args.min_agree is not None:
        cfg = replace(cfg, min_agree=args.min_agree)
    if args.max_samples is not None:
        cfg = replace(cfg, max_samples=args.max_samples)
    if args.no_verify:
        cfg = replace(cfg, verify=False)
    if args.sample_temperature is not None:
        cfg = replace(cfg, sample_temperature=args.sample_temperature)
    loaded = load_dataset(args.dataset, args.data)
    problems = Selection(order=args.order).apply(loaded.problems, args.limit)
    pool_path = args.pool or Path(f"/tmp/mathagent-bench-{args.dataset}-pool.jsonl")
    sizes = {"pot": args.pot, "cot": args.cot, "tir": args.tir}
    step_ms = dict(STEP_DEFAULT_MS)
    if args.step_ms:
        step_ms = {int(k): float(v) for k, v in _pairs(args.step_ms)}
    prompt_s = 1.5
    with Calculator(workers=1) as calc:
        drawn = {r["id"] for r in map(json.loads, pool_path.read_text().splitlines())} if pool_path.exists() else set()
        if any(p.id not in drawn for p in problems):
            import platformdirs

            from mathagent.agent.backends.local import LocalLLM
            from mathagent.agent.models import resolve_model_path

            llm = LocalLLM(resolve_model_path(None, Path(platformdirs.user_cache_dir("mathagent"))),
                           n_threads=args.threads)
            print(f"drawing the pool into {pool_path} ...")
            rows = _draw_pool(problems, llm, calc, cfg, sizes, pool_path)
        else:
            rows = _draw_pool(problems, None, calc, cfg, sizes, pool_path)
        systems = {prompts.get_prompt(cfg.prompt_name(m)).system: m for m in ("pot", "cot", "tir")}

        def method_of(messages):
            if messages[-1]["role"] == "user" and "corrected program" in messages[-1]["content"]:
                return "pot"
            return systems.get(messages[0]["content"], "pot")

        fixed: dict[tuple[str, int], list[bool]] = {}
        fixed_cost: dict[tuple[str, int], list[float]] = {}
        agent_ok, agent_cost, agent_n, agent_tokens, levels, conf, rounds = [], [], [], [], [], [], []
        for row in rows:
            for method in row["pools"]:
                pool = row["pools"][method]["samples"]
                for k in (1, 3, 5):
                    if k > len(pool):
                        continue
                    sub = {**row, "pools": {method: {"samples": pool[:k]}}}
                    llm = PoolLLM(sub, lambda m, method=method: method, step_ms, prompt_s)
                    one = replace(cfg, max_samples=k, schedule=((method, k),), stop_threshold=1.01, verify=False,
                                  max_repairs=0)
                    res = solve_problem(row["question"], AgentContext(llm=llm, calculator=calc, config=one))
                    fixed.setdefault((method, k), []).append(_grade(res.answer, row["gold"]))
                    fixed_cost.setdefault((method, k), []).append(llm.seconds)
            llm = PoolLLM(row, method_of, step_ms, prompt_s)
            res = solve_problem(row["question"], AgentContext(llm=llm, calculator=calc, config=cfg))
            ok = _grade(res.answer, row["gold"])
            agent_ok.append(ok)
            agent_cost.append(llm.seconds)
            agent_n.append(len(res.derivations))
            agent_tokens.append(llm.tokens)
            rounds.append(res.meta.get("rounds", 0))
            if args.per_problem:
                print(f"  {row['id']:22s} {'right' if ok else 'wrong'}  {res.answer!s:>12.12s} (gold {row['gold']})  "
                      f"rounds {rounds[-1]}  {len(res.derivations)} derivations  {llm.seconds:6.1f} s")
            levels.append((res.level, ok))
            conf.append((res.confidence or 0.0, ok))
    n = len(rows)

    def line(name, oks, costs, extra=""):
        lo, hi = wilson_interval(sum(oks), len(oks))
        print(f"  {name:14s} {sum(oks):4d}/{len(oks)}  {sum(oks) / len(oks):6.1%}  ({lo:.0%}-{hi:.0%})  "
              f"median {statistics.median(costs):6.1f} s  mean {statistics.mean(costs):6.1f} s{extra}")

    print(f"\n{args.dataset}: {n} problems ({args.order}), pool pot x{args.pot}, cot x{args.cot}; "
          f"schedule {cfg.schedule}, stop at {cfg.stop_threshold} with {cfg.min_agree} agreeing, "
          f"max {cfg.max_samples}, verify {cfg.verify}")
    print("accuracy against cost (modelled seconds per problem):")
    for (method, k), oks in sorted(fixed.items()):
        line(f"{method} maj@{k}", oks, fixed_cost[(method, k)])
    line("agent", agent_ok, agent_cost, f"  derivations {statistics.mean(agent_n):.1f}, "
                                        f"tokens {statistics.mean(agent_tokens):.0f}")
    print("agent rounds drawn (the first is one batch of programs; the median problem's cost sits here):")
    for r in sorted(set(rounds)):
        at = [i for i, x in enumerate(rounds) if x == r]
        print(f"  {r} round{'s' if r != 1 else ' '} {len(at):4d} problems ({len(at) / n:.0%}), "
              f"{sum(agent_ok[i] for i in at)} right, median {statistics.median(agent_cost[i] for i in at):6.1f} s")
    pot = [r["pools"]["pot"] for r in rows if "pot" in r["pools"]]
    if pot:  # the drawn batch: its longest sample sets its time
        longest = [max(s["tokens"] for s in p["samples"]) for p in pot]
        typical = [statistics.median(s["tokens"] for s in p["samples"]) for p in pot]
        print(f"program pool: median batch {statistics.median(p['seconds'] for p in pot):.1f} s drawn; "
              f"longest sample median {statistics.median(longest):.0f} tokens (max {max(longest)}), "
              f"median sample {statistics.median(typical):.0f} tokens")
    print("agent levels (gold-free) and their precision:")
    for level in ("formal", "consensus", "unverified"):
        got = [ok for lv, ok in levels if lv == level]
        if got:
            lo, hi = wilson_interval(sum(got), len(got))
            print(f"  {level:11s} {len(got):4d} answers ({len(got) / n:.0%} coverage), {sum(got)} right: "
                  f"precision {sum(got) / len(got):.1%} ({lo:.0%}-{hi:.0%})")
    print("confidence threshold -> precision / coverage:")
    for t in (0.5, 0.7, 0.8, 0.9, 0.95, 0.97):
        got = [ok for c, ok in conf if c >= t]
        if got:
            print(f"  >= {t:.2f}: {sum(got) / len(got):.1%} of {len(got)} ({len(got) / n:.0%})")


if __name__ == "__main__":
    main()
