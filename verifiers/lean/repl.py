"""Client for the Lean community REPL (`lake exe repl`), JSON lines protocol.

Requests are one JSON object followed by a blank line: `{"cmd": src, "env": n}`
for commands, `{"tactic": t, "proofState": n}` for tactic mode.  Replies are a
JSON object (possibly pretty-printed over several lines) followed by a blank
line: `{"env": m, "messages": [...], "sorries": [...]}` or
`{"proofState": k, "goals": [...]}`.

The REPL has no timeout of its own, so each request has one here: on timeout
the process is killed and restarted (its environments are lost; the optional
`header`, e.g. `import Mathlib`, is re-run so `base_env` stays valid).  A
crash (EOF) or malformed output also restarts the process.  Memory is capped
with RLIMIT_AS in the child.  Expected failures come back as data
(`ReplTimeout`, `ReplCrash`, `ReplMalformed`), never as exceptions.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from mathagent import processes
from mathagent.verifiers.lean.errors import ReplError

MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ReplResponse:
    data: dict[str, Any]
    elapsed_ms: float = 0.0
    kind: str = "ok"

    @property
    def env(self) -> int | None:
        return self.data.get("env")

    @property
    def proof_state(self) -> int | None:
        return self.data.get("proofState")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.data.get("messages") or [])

    @property
    def errors(self) -> list[str]:
        return [m.get("data", "") for m in self.messages if m.get("severity") == "error"]

    @property
    def sorries(self) -> list[dict[str, Any]]:
        return list(self.data.get("sorries") or [])

    @property
    def goals(self) -> list[str]:
        return list(self.data.get("goals") or [])


@dataclass(frozen=True)
class ReplTimeout:
    timeout_s: float
    kind: str = "timeout"


@dataclass(frozen=True)
class ReplCrash:
    reason: str
    kind: str = "crash"


@dataclass(frozen=True)
class ReplMalformed:
    raw: str
    kind: str = "malformed"


ReplOutcome = Union[ReplResponse, ReplTimeout, ReplCrash, ReplMalformed]


def _child_setup(mem_bytes: int, owner_pid: int) -> Any:
    """Runs in the child between fork and exec: memory cap, own session, die with the owner.

    REPLs are started by :func:`mathagent.processes.spawn` (one long-lived thread), so the parent-death
    signal means the owner process died: a REPL busy in a long elaboration (not reading its stdin, so blind
    to EOF) still dies when its owner is killed with ``kill -9``.
    """

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        os.setsid()
        processes.die_with_parent(expected_parent=owner_pid)

    return apply


@dataclass
class ReplConfig:
    command: list[str] = field(default_factory=lambda: ["lake", "exe", "repl"])
    cwd: str | None = None
    header: str | None = None  # e.g. "import Mathlib"; re-run after each restart
    timeout_s: float = 60.0
    header_timeout_s: float = 600.0
    memory_mb: int = 8192
    max_restarts: int = 1000


class LeanRepl:
    """One REPL process.  Use as a context manager; not thread-safe (use ReplPool)."""

    def __init__(self, config: ReplConfig | None = None, **kw: Any):
        self.config = config or ReplConfig(**kw)
        self.proc: subprocess.Popen[bytes] | None = None
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.base_env: int | None = None
        self.restarts = 0
        self.stderr_tail: list[str] = []

    # -- lifecycle --------------------------------------------------------
    def __enter__(self) -> LeanRepl:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        cfg = self.config
        try:
            setup = _child_setup(cfg.memory_mb * 1024 * 1024, os.getpid())
            self.proc = processes.spawn(cfg.command, cwd=cfg.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, preexec_fn=setup)
        except OSError as e:
            raise ReplError(f"cannot start {' '.join(cfg.command)}: {e.strerror}") from None
        self.lines = queue.Queue()
        proc = self.proc
        threading.Thread(target=self._pump, args=(proc, self.lines), daemon=True).start()
        threading.Thread(target=self._drain_stderr, args=(proc,), daemon=True).start()
        self.base_env = None
        if cfg.header:
            out = self._request({"cmd": cfg.header}, cfg.header_timeout_s, restart_on_failure=False)
            if not isinstance(out, ReplResponse) or out.errors:
                why = out.errors[0] if isinstance(out, ReplResponse) and out.errors else getattr(out, "kind", "?")
                self.close()
                raise ReplError(f"the REPL header failed: {why}", "check that the project builds (lake build)")
            self.base_env = out.env

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            processes.stop(proc, group=True)
        for stream in (proc.stdout, proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass

    def restart(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc, group=True)
            self.close()
        self.restarts += 1
        if self.restarts > self.config.max_restarts:
            raise ReplError("the REPL keeps failing (restart limit reached)")
        self.start()

    @staticmethod
    def _pump(proc: subprocess.Popen[bytes], out: queue.Queue[bytes | None]) -> None:
        assert proc.stdout is not None
        try:
            for line in iter(proc.stdout.readline, b""):
                out.put(line)
        except (OSError, ValueError):
            pass
        out.put(None)

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        try:
            for line in iter(proc.stderr.readline, b""):
                self.stderr_tail = (self.stderr_tail + [line.decode("utf-8", "replace").rstrip()])[-20:]
        except (OSError, ValueError):
            pass

    # -- requests ---------------------------------------------------------
    def command(self, code: str, env: int | None = None, timeout_s: float | None = None) -> ReplOutcome:
        """Elaborate `code` in `env` (default: the header's environment)."""
        req: dict[str, Any] = {"cmd": code}
        env = self.base_env if env is None else env
        if env is not None:
            req["env"] = env
        return self._request(req, timeout_s or self.config.timeout_s)

    def tactic(self, tactic: str, proof_state: int, timeout_s: float | None = None) -> ReplOutcome:
        return self._request({"tactic": tactic, "proofState": proof_state}, timeout_s or self.config.timeout_s)

    def _request(self, req: dict[str, Any], timeout_s: float, restart_on_failure: bool = True) -> ReplOutcome:
        if self.proc is None:
            self.start()
        proc = self.proc
        assert proc is not None and proc.stdin is not None
        start = time.monotonic()
        try:
            proc.stdin.write((json.dumps(req, ensure_ascii=False) + "\n\n").encode())
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            out: ReplOutcome = ReplCrash(self._crash_reason(proc))
            if restart_on_failure:
                self.restart()
            return out
        out = self._read_reply(proc, start + timeout_s, timeout_s)
        if isinstance(out, ReplResponse):
            return ReplResponse(out.data, (time.monotonic() - start) * 1000)
        if restart_on_failure:
            self.restart()
        return out

    def _read_reply(self, proc: subprocess.Popen[bytes], deadline: float, timeout_s: float) -> ReplOutcome:
        buf: list[bytes] = []
        size = 0
        for _ in range(10_000_000):
            left = deadline - time.monotonic()
            if left <= 0:
                return ReplTimeout(timeout_s)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return ReplTimeout(timeout_s)
            if line is None:
                return ReplCrash(self._crash_reason(proc))
            if not line.strip():
                if not buf:
                    continue
                text = b"".join(buf).decode("utf-8", "replace")
                return self._parse(text)
            buf.append(line)
            size += len(line)
            if size > MAX_REPLY_BYTES:
                return ReplMalformed("reply larger than the limit")
            text = b"".join(buf).decode("utf-8", "replace")
            if text.lstrip().startswith("{") and text.rstrip().endswith("}"):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict):
                    return ReplResponse(data)
            elif not text.lstrip().startswith("{"):
                return ReplMalformed(text[:500])
        return ReplMalformed("unterminated reply")

    @staticmethod
    def _parse(text: str) -> ReplOutcome:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return ReplMalformed(text[:500])
        return ReplResponse(data) if isinstance(data, dict) else ReplMalformed(text[:500])

    def _crash_reason(self, proc: subprocess.Popen[bytes]) -> str:
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        tail = "; ".join(self.stderr_tail[-3:])
        return f"REPL exited (status {code})" + (f": {tail}" if tail else "")


def repl_config_for_project(project: str | Path, **kw: Any) -> ReplConfig:
    """REPL started as `lake exe repl` inside a Lean project that depends on the REPL."""
    return ReplConfig(command=["lake", "exe", "repl"], cwd=str(project), **kw)
