"""Fuzzing the calculator's length-prefixed JSON framing (``mathagent.tools.framing``).

Every malformed input must end in a ``FrameError`` (never another exception)
and every read must return by its deadline: random bytes, truncated frames, a
silent peer, oversized length prefixes, deeply nested or huge-number JSON.
Bytes are written into a real pipe; inputs stay below the pipe buffer so the
writer never blocks and no thread is needed.
"""

from __future__ import annotations

import json
import os
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathagent.tools import framing

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
READ_BUDGET_S = 0.3  # per read; a hang would overrun it
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)


def _read(data: bytes, *, close: bool = True, max_size: int = framing.MAX_FRAME):
    """Feed ``data`` to a pipe and read one frame; returns (object or FrameError, seconds taken)."""
    assert len(data) < 60_000  # stays inside the pipe buffer
    r, w = os.pipe()
    try:
        os.write(w, data) if data else None
        if close:
            os.close(w)
            w = -1
        t0 = time.monotonic()
        try:
            out: object = framing.read_frame(r, time.monotonic() + READ_BUDGET_S, max_size=max_size)
        except framing.FrameError as exc:
            out = exc
        return out, time.monotonic() - t0
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def _same(a: object, b: object) -> bool:
    """Equal as JSON values (NaN, which random bytes can spell, is not equal to itself)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _within_deadline(elapsed: float) -> None:
    assert elapsed < READ_BUDGET_S + 1.0, f"read took {elapsed:.2f} s past a {READ_BUDGET_S} s deadline"


@FUZZ
@given(obj=JSON)
def test_round_trip(obj):
    out, elapsed = _read(framing.encode(obj))
    assert out == obj
    _within_deadline(elapsed)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_give_an_object_or_frame_error(data):
    out, elapsed = _read(data)
    _within_deadline(elapsed)
    if isinstance(out, framing.FrameError):
        return
    # only a well-formed frame decodes, and then to exactly what its body says
    (size,) = struct.unpack(">I", data[:4])
    assert _same(json.loads(data[4 : 4 + size].decode("utf-8")), out)


@FUZZ
@given(body=st.binary(max_size=2000))
def test_random_body_with_a_correct_length(body):
    out, elapsed = _read(struct.pack(">I", len(body)) + body)
    _within_deadline(elapsed)
    if not isinstance(out, framing.FrameError):
        assert _same(json.loads(body.decode("utf-8")), out)


@FUZZ
@given(obj=JSON, data=st.data())
def test_truncated_frame_is_eof_when_peer_closes(obj, data):
    frame = framing.encode(obj)
    cut = data.draw(st.integers(0, len(frame) - 1))
    out, elapsed = _read(frame[:cut])
    assert isinstance(out, framing.FrameError) and out.eof
    _within_deadline(elapsed)


@settings(max_examples=15, deadline=3000)
@given(obj=JSON, data=st.data())
def test_truncated_frame_times_out_when_peer_stays_silent(obj, data):
    frame = framing.encode(obj)
    cut = data.draw(st.integers(0, len(frame) - 1))
    out, elapsed = _read(frame[:cut], close=False)
    assert isinstance(out, framing.FrameError) and out.timeout
    _within_deadline(elapsed)


@FUZZ
@given(size=st.integers(1025, 2**32 - 1), tail=st.binary(max_size=100))
def test_oversized_length_prefix_is_refused_before_reading_the_body(size, tail):
    out, elapsed = _read(struct.pack(">I", size) + tail, close=False, max_size=1024)
    assert isinstance(out, framing.FrameError) and not out.timeout and "exceeds" in str(out)
    _within_deadline(elapsed)


def test_largest_length_prefix_against_the_default_limit():
    out, _ = _read(b"\xff\xff\xff\xff", close=False)
    assert isinstance(out, framing.FrameError) and "exceeds" in str(out)


@pytest.mark.parametrize("body", [
    b"[" * 50_000,                       # nesting deeper than the JSON decoder's recursion limit
    b"{\"a\":" * 10_000,
    b"1" * 5000,                          # an integer past Python's int-string conversion limit
    b"\xff\xfe",                          # not UTF-8
    b"\"\\ud800\"",                      # a lone surrogate escape decodes (JSON allows it)
    b"",
])
def test_hostile_bodies(body):
    out, elapsed = _read(struct.pack(">I", len(body)) + body)
    _within_deadline(elapsed)
    if body == b"\"\\ud800\"":
        assert out == "\ud800"
    else:
        assert isinstance(out, framing.FrameError), out


def test_encode_refuses_oversized_objects(monkeypatch):
    monkeypatch.setattr(framing, "MAX_FRAME", 16)
    with pytest.raises(framing.FrameError, match="exceeds"):
        framing.encode("x" * 100)


def test_write_to_a_peer_that_never_reads_times_out():
    r, w = os.pipe()
    try:
        t0 = time.monotonic()
        with pytest.raises(framing.FrameError) as info:
            framing.write_frame(w, "x" * 300_000, time.monotonic() + READ_BUDGET_S)  # > the 64 KiB pipe buffer
        assert info.value.timeout
        _within_deadline(time.monotonic() - t0)
    finally:
        os.close(r)
        os.close(w)


@settings(max_examples=30, deadline=5000)
@given(obj=JSON, pad=st.integers(0, 200_000))
def test_round_trip_through_a_chunked_write_with_deadline(obj, pad):
    import threading

    r, w = os.pipe()
    box: list = []
    reader = threading.Thread(target=lambda: box.append(framing.read_frame(r, time.monotonic() + 5)))
    reader.start()
    try:
        framing.write_frame(w, [obj, "p" * pad], time.monotonic() + 5)
        reader.join(10)
        assert box == [[obj, "p" * pad]]
    finally:
        os.close(r)
        os.close(w)
