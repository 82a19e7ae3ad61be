"""Batched decoding and llama.cpp threads, measured: what n samples cost, and 1 vs 2 threads when a core is busy.

Prints, for the embedded model (or ``--model PATH.gguf``):

* seconds per decoding step and tokens/s for n = 1, 2, 4, 8 (``--sizes``) sequences decoded together
  (:class:`mathagent.agent.backends.llama_engine.BatchEngine`), so the cost of k samples relative to one;
* prompt-prefix reuse: the time to evaluate a prompt the first time and again with a new suffix;
* threads 1 vs 2 (or ``--threads``), on a quiet machine and with a competing process that keeps one core
  busy (a Python busy loop at normal priority), each the median of ``--repeats`` runs.

Run it on a quiet machine: ``python bench/llm_batch.py``.  The default ``--threads`` of ``mathagent`` is
chosen from this table (docs/models.md).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from pathlib import Path

PROMPT = ("<|im_start|>system\nYou are a careful math assistant.<|im_end|>\n<|im_start|>user\n"
          "Write the numbers from 1 to 300 separated by commas.<|im_end|>\n<|im_start|>assistant\n")


def _busy(stop) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1_000_003


def _engine(path: Path, threads: int):
    from llama_cpp import Llama

    from mathagent.agent.backends.llama_engine import BatchEngine

    llama = Llama(model_path=str(path), n_ctx=256, n_threads=threads, verbose=False)
    return llama, BatchEngine(llama._model, n_ctx=4096, n_seq_max=16, n_threads=threads)


def step_ms(engine, prompt, n: int, tokens: int) -> float:
    t0 = time.perf_counter()
    out = engine.generate(prompt, n=n, max_tokens=tokens, temperatures=[0.8] * n, seeds=list(range(n)))
    steps = max(g.tokens for g in out)
    return (time.perf_counter() - t0) / max(1, steps) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="a .gguf file (default: the embedded model)")
    ap.add_argument("--threads", default="1,2", help="thread counts to compare (default 1,2)")
    ap.add_argument("--tokens", type=int, default=48, help="tokens decoded per measurement (default 48)")
    ap.add_argument("--sizes", default="1,2,4,8", help="batch sizes n to time (default 1,2,4,8)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is printed (default 3)")
    args = ap.parse_args()
    if args.model is None:
        import platformdirs

        from mathagent.agent.models import resolve_model_path

        args.model = resolve_model_path(None, Path(platformdirs.user_cache_dir("mathagent")))
    threads = [int(t) for t in args.threads.split(",")]

    llama, engine = _engine(args.model, max(threads))
    prompt = llama.tokenize(PROMPT.encode(), add_bos=False, special=True)
    engine.generate(prompt, n=1, max_tokens=4, temperatures=[0.0], seeds=[0])  # warm up
    print(f"batched decoding, {max(threads)} threads ({args.tokens} tokens, median of {args.repeats}):")
    base = None
    for n in (int(x) for x in args.sizes.split(",")):
        ms = statistics.median(step_ms(engine, prompt, n, args.tokens) for _ in range(args.repeats))
        base = base or ms
        print(f"  n={n}: {ms:6.1f} ms/step  {n * 1000 / ms:5.1f} tok/s  cost of n samples = {ms / base:.2f} x one")
    long_prompt = llama.tokenize((PROMPT * 6).encode(), add_bos=False, special=True)
    engine.cached_tokens = []
    t0 = time.perf_counter()
    engine.generate(long_prompt, n=1, max_tokens=1, temperatures=[0.0], seeds=[0])
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.generate(long_prompt + prompt[-3:], n=1, max_tokens=1, temperatures=[0.0], seeds=[0])
    warm = time.perf_counter() - t0
    print(f"prompt of {len(long_prompt)} tokens: {cold * 1000:.0f} ms cold, {warm * 1000:.0f} ms with its prefix cached")
    engine.close()

    print("threads, quiet vs one core busy (n=1 and n=4):")
    for t in threads:
        llama, engine = _engine(args.model, t)
        engine.generate(prompt, n=1, max_tokens=4, temperatures=[0.0], seeds=[0])
        for busy in (False, True):
            stop = mp.Event()
            proc = mp.Process(target=_busy, args=(stop,), daemon=True) if busy else None
            if proc:
                proc.start()
                time.sleep(0.5)
            try:
                one = statistics.median(step_ms(engine, prompt, 1, args.tokens) for _ in range(args.repeats))
                four = statistics.median(step_ms(engine, prompt, 4, args.tokens) for _ in range(args.repeats))
            finally:
                if proc:
                    stop.set()
                    proc.join(timeout=5)
            print(f"  threads={t} {'busy core' if busy else 'quiet    '}: n=1 {one:6.1f} ms/step, "
                  f"n=4 {four:6.1f} ms/step")
        engine.close()


if __name__ == "__main__":
    main()
