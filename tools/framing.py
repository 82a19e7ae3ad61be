"""Length-prefixed JSON frames over pipes.

Used on both sides of the sandbox boundary: by the client
(``mathagent.tools.calculator``) and by the worker inside bubblewrap, which
imports this file as a plain top-level module.  It must therefore depend on the
standard library only.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8
JSON.  Reads take an absolute ``time.monotonic()`` deadline so a silent peer
can never block the caller forever.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


class FrameError(Exception):
    """The peer closed the pipe, timed out or sent a malformed frame."""

    def __init__(self, message: str, *, eof: bool = False, timeout: bool = False):
        super().__init__(message)
        self.eof = eof
        self.timeout = timeout


def encode(obj: object) -> bytes:
    body = json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    if len(body) > MAX_FRAME:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(body)) + body


def write_frame(fd: int, obj: object, deadline: float | None = None) -> None:
    """Write one frame; with an absolute ``deadline``, a peer that stops reading cannot block us forever.

    With a deadline the frame goes out in ``select.PIPE_BUF`` pieces, each only
    once the pipe has room, since a blocking write of more may wait for the reader.
    """
    data = memoryview(encode(obj))
    step = len(data) if deadline is None else select.PIPE_BUF
    while data:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                raise FrameError("timed out writing to the peer", timeout=True)
        n = os.write(fd, data[:step])
        data = data[n:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    got = 0
    while got < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FrameError("timed out waiting for the peer", timeout=True)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise FrameError("timed out waiting for the peer", timeout=True)
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise FrameError("peer closed the pipe", eof=True)
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_size: int = MAX_FRAME) -> object:
    """Read one frame; ``deadline`` is absolute ``time.monotonic()`` or None (block)."""
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if size > max_size:
        raise FrameError(f"frame of {size} bytes exceeds {max_size}")
    body = _read_exact(fd, size, deadline)
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8/JSON, too-long int literal, nesting too deep
        raise FrameError(f"malformed frame: {type(exc).__name__}: {str(exc)[:200]}") from None
