"""Entry point of a verifier worker process (``python -m mathagent.verifiers._worker``).

Protocol: length-prefixed pickle frames.  The parent sends ``(target, args)``
on stdin; the worker answers ``("ok", value)`` or ``("err", text)`` on the
file descriptor that was stdout when it started (library prints are diverted
to stderr, so they can never corrupt a frame).  The first frame it sends is
``("ready", None)`` after its imports and a warm-up call (``WARM_UP``).  It exits on end of input, and asks the
kernel to kill it if its parent dies.
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import sys

from mathagent import processes

MEMORY_LIMIT_ENV = "MATHAGENT_VERIFIER_MEMORY_BYTES"
# Called once before "ready": the first parse and comparison pay lazy initialisation (the LaTeX grammar,
# math-verify's patterns, SymPy's solvers) that would otherwise count against the first call's deadline.
WARM_UP = ("mathagent.verifiers.equivalence.symbolic:warm_up",)


def _limit_memory() -> None:
    try:
        import resource

        limit = int(os.environ.get(MEMORY_LIMIT_ENV, str(2 * 1024**3)))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def _read_exact(stream, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _send(out, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack(">Q", len(data)) + data)
    out.flush()


def main() -> None:
    parent = os.environ.get("MATHAGENT_VERIFIER_PARENT", "")
    processes.die_with_parent(expected_parent=int(parent) if parent.isdigit() else None)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, never into a frame
    sys.stdout = sys.stderr
    _limit_memory()
    for name in ("sympy", "latex2sympy2_extended", "math_verify"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    for target in WARM_UP:
        module, _, name = target.partition(":")
        try:
            getattr(importlib.import_module(module), name)()
        except Exception:  # noqa: BLE001 - a failed warm-up only makes the first call slower
            pass
    _send(out, ("ready", None))
    inp = sys.stdin.buffer
    while True:
        header = _read_exact(inp, 8)
        if header is None:
            return
        payload = _read_exact(inp, struct.unpack(">Q", header)[0])
        if payload is None:
            return
        try:
            target, args = pickle.loads(payload)
            module, _, name = target.partition(":")
            reply = ("ok", getattr(importlib.import_module(module), name)(*args))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as data
            reply = ("err", f"{type(exc).__name__}: {exc}"[:500])
        try:
            _send(out, reply)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            _send(out, ("err", f"result could not be sent back: {type(exc).__name__}"))


if __name__ == "__main__":
    main()
