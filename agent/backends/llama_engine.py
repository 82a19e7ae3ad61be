"""Batched decoding for llama.cpp: n samples of one prompt in one batch, the prompt's KV cache reused.

Why.  On a CPU, generating one token of one sequence is bound by reading the
weights from memory; a batch of n tokens reads them once.  So n samples of the
same prompt, decoded together, cost little more than one (bench/llm_batch.py
measures it).  And consecutive requests share long prefixes (the same system
prompt; a repair turn extends the previous conversation), so the prompt's KV
cache is kept and only the new suffix is evaluated.

How (llama.cpp's low-level API through llama-cpp-python):

* one context with ``n_seq_max`` sequences and a unified KV cache;
* the prompt is evaluated once into sequence 0 (only the part not already
  cached), then copied to sequences 1..n-1 (``llama_memory_seq_cp``: the
  cells are shared, not duplicated);
* each step decodes one token of every unfinished sequence in one
  ``llama_decode`` call; each sequence has its own sampler chain
  (top-k, top-p, temperature, a seeded distribution; greedy at temperature 0);
* a sequence stops at an end-of-generation token, a stop string,
  ``max_tokens`` or the call's wall-clock deadline (``finish_reason``
  ``stop`` / ``length`` / ``timeout``).

Everything generated is removed from the cache afterwards, so the cache always
holds exactly one prompt (``cached_tokens``).  Not thread-safe: the caller
(:class:`~mathagent.agent.backends.local.LocalLLM`) serializes calls.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Sequence
from dataclasses import dataclass

# Qwen2.5's published sampling settings (generation_config.json: top_k 20, top_p 0.8); top-k also prunes the
# 151k-token vocabulary before top-p sorts it (a full sort per token is slow)
TOP_K = 20
TOP_P = 0.8


@dataclass(frozen=True)
class Generated:
    """One decoded sequence: its text, token count and why it stopped."""

    text: str
    tokens: int
    finish_reason: str  # stop | length | timeout


class BatchEngine:
    """Decodes ``n`` continuations of one token prompt together (``n <= n_seq_max``)."""

    def __init__(self, model, *, n_ctx: int, n_seq_max: int, n_threads: int, n_batch: int = 512):
        import llama_cpp
        from llama_cpp import _internals

        self._lc = llama_cpp
        self.model = model  # llama_cpp._internals.LlamaModel
        self.n_seq_max = n_seq_max
        self.n_batch = n_batch
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_seq_max = n_seq_max
        params.kv_unified = True  # sequences share cells: a copied prompt costs nothing
        params.n_threads = n_threads
        params.n_threads_batch = n_threads
        params.no_perf = True
        self.n_ctx = n_ctx
        self._ctx = _internals.LlamaContext(model=model, params=params, verbose=False)
        self._batch = _internals.LlamaBatch(n_tokens=max(n_batch, n_seq_max), embd=0, n_seq_max=n_seq_max,
                                            verbose=False)
        self._vocab = llama_cpp.llama_model_get_vocab(model.model)
        self.cached_tokens: list[int] = []

    # ------------------------------------------------------------ helpers

    def _decode(self) -> None:
        rc = self._lc.llama_decode(self._ctx.ctx, self._batch.batch)
        if rc != 0:
            raise RuntimeError(f"llama_decode failed with code {rc}")

    def _add(self, token: int, pos: int, seq: int, logits: bool) -> None:
        b = self._batch.batch
        i = b.n_tokens
        b.token[i] = token
        b.pos[i] = pos
        b.seq_id[i][0] = seq
        b.n_seq_id[i] = 1
        b.logits[i] = logits
        b.n_tokens = i + 1

    def _clear_generated(self, prompt_len: int) -> None:
        mem = self._ctx.memory
        self._lc.llama_memory_seq_rm(mem, 0, prompt_len, -1)
        for s in range(1, self.n_seq_max):
            self._lc.llama_memory_seq_rm(mem, s, -1, -1)

    def _eval_prompt(self, tokens: Sequence[int]) -> int:
        """Make sequence 0 hold ``tokens``; returns the batch index of the last token's logits."""
        lc, mem = self._lc, self._ctx.memory
        common = 0
        for a, b in zip(self.cached_tokens, tokens):
            if a != b:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # the last token is always evaluated: its logits are needed
        lc.llama_memory_seq_rm(mem, 0, common, -1)
        for s in range(1, self.n_seq_max):
            lc.llama_memory_seq_rm(mem, s, -1, -1)
        self.cached_tokens = list(tokens[:common])
        last_index = 0
        for start in range(common, len(tokens), self.n_batch):
            chunk = tokens[start:start + self.n_batch]
            self._batch.reset()
            for j, tok in enumerate(chunk):
                self._add(tok, start + j, 0, start + j == len(tokens) - 1)
            self._decode()
            last_index = len(chunk) - 1
            self.cached_tokens.extend(chunk)
        return last_index

    def _sampler(self, temperature: float, seed: int):
        lc = self._lc
        chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
        if temperature <= 0.0:
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_greedy())
        else:
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_k(TOP_K))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_p(TOP_P, 1))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_temp(temperature))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_dist(seed & 0xFFFFFFFF))
        return chain

    def _piece(self, token: int) -> bytes:
        buf = ctypes.create_string_buffer(64)
        n = self._lc.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self._lc.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
        return buf.raw[:n]

    # ------------------------------------------------------------ generation

    def generate(self, prompt: Sequence[int], *, n: int, max_tokens: int, temperatures: Sequence[float],
                 seeds: Sequence[int], stop: Sequence[str] = (), deadline: float | None = None) -> list[Generated]:
        """``n`` continuations of ``prompt`` (token ids).  ``temperatures``/``seeds``: one per sequence.

        Raises ValueError when the prompt plus ``max_tokens`` per sequence cannot fit the context.

        Length: the batched decoding loop of llama.cpp's low-level API (one step decodes every live
        sequence), kept in one piece so its KV-cache bookkeeping reads in one place.
        """
        lc = self._lc
        if not 1 <= n <= self.n_seq_max:
            raise ValueError(f"n must be between 1 and {self.n_seq_max}, got {n}")
        if not prompt:
            raise ValueError("empty prompt")
        if len(prompt) + n * max_tokens > self.n_ctx:
            max_tokens = (self.n_ctx - len(prompt)) // n
            if max_tokens < 1:
                raise ValueError(f"the prompt ({len(prompt)} tokens) does not fit the context ({self.n_ctx})")
        samplers = [self._sampler(temperatures[i], seeds[i]) for i in range(n)]
        try:
            last = self._eval_prompt(prompt)
            for s in range(1, n):
                lc.llama_memory_seq_cp(self._ctx.memory, 0, s, -1, -1)
            out = [bytearray() for _ in range(n)]
            counts = [0] * n
            finish: list[str | None] = [None] * n
            index = [last] * n  # where each sequence's next logits are in the last batch
            pos = len(prompt)
            max_stop = max((len(s.encode()) for s in stop), default=0)
            for step in range(max_tokens):
                active = [i for i in range(n) if finish[i] is None]
                if not active:
                    break
                self._batch.reset()
                for i in active:
                    tok = lc.llama_sampler_sample(samplers[i], self._ctx.ctx, index[i])
                    if lc.llama_vocab_is_eog(self._vocab, tok):
                        finish[i] = "stop"
                        continue
                    counts[i] += 1
                    out[i] += self._piece(tok)
                    if stop and _hit_stop(out[i], stop, max_stop):
                        finish[i] = "stop"
                        continue
                    if counts[i] >= max_tokens:
                        finish[i] = "length"
                        continue
                    index[i] = self._batch.batch.n_tokens
                    self._add(tok, pos, i, True)
                if self._batch.batch.n_tokens == 0:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    for i in range(n):
                        if finish[i] is None:
                            finish[i] = "timeout"
                    break
                self._decode()
                pos += 1
            results = []
            for i in range(n):
                text = out[i].decode("utf-8", errors="ignore")
                for s in stop:
                    cut = text.find(s)
                    if cut >= 0:
                        text = text[:cut]
                results.append(Generated(text=text, tokens=counts[i], finish_reason=finish[i] or "length"))
            return results
        finally:
            for smpl in samplers:
                lc.llama_sampler_free(smpl)
            self._clear_generated(len(self.cached_tokens))

    def close(self) -> None:
        self._batch.close()
        self._ctx.close()


def _hit_stop(buf: bytearray, stop: Sequence[str], max_stop: int) -> bool:
    tail = bytes(buf[-(max_stop + 8):]).decode("utf-8", errors="ignore")
    return any(s in tail for s in stop)
