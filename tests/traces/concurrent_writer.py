"""Child process of test_concurrency: write every key once (rotated by OFFSET), print how many were new.

usage: python concurrent_writer.py URL WORKER OFFSET
"""

from __future__ import annotations

import sys

from mathagent.traces.db import open_database
from mathagent.traces.records import Derivation, Step, ToolCall, TraceRecord
from mathagent.traces.store import add_trace_once

KEYS = [(f"p{i}", strategy) for i in range(12) for strategy in ("agent", "cot")]


def record(problem_id: str, strategy: str, worker: str) -> TraceRecord:
    return TraceRecord(problem=f"problem {problem_id}", model="m", backend="local", status="answered", answer="1",
                       run_id="run1", problem_id=problem_id, strategy=strategy, meta={"worker": worker},
                       steps=[Step(0, "pot", "print(1)", "1", "ok")],
                       tool_calls=[ToolCall(0, "calculator", "print(1)", "1\n", "", "ok", 1.0)],
                       derivations=[Derivation(0, "pot", "pot-plain@1", "1", True, cluster=0)])


def write_all(url: str, worker: str, offset: int) -> int:
    written = 0
    with open_database(url) as f:
        for k in range(len(KEYS)):
            problem_id, strategy = KEYS[(k + offset) % len(KEYS)]
            written += add_trace_once(f, record(problem_id, strategy, worker))
    return written


if __name__ == "__main__":
    print(write_all(sys.argv[1], sys.argv[2], int(sys.argv[3])))
