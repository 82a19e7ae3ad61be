"""kill -9 in the middle of `mathagent eval`, then --resume: no lost or duplicated rows, same table.

The model is a real HTTP server in this test process (OpenAI-compatible,
answering by prompt through ``fake_brain``), reached with ``--backend openai``;
the CLI runs as a subprocess with the real sandboxed calculator.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import fake_brain
from fault_server import FaultServer

MATHAGENT = str(Path(sys.executable).with_name("mathagent"))
DATA = Path(__file__).parent / "data" / "gsm8k_small.jsonl"
TOTAL = 6 * 3


def cli_env(tmp: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
    env.update({"MATHAGENT_DB_URL": f"sqlite:///{db}", "XDG_DATA_HOME": str(tmp / "data"),
                "XDG_CACHE_HOME": str(tmp / "cache")})
    return env


def eval_args(url: str) -> list[str]:
    return ["eval", "gsm8k", "--data", str(DATA), "--strategy", "agent,cot,pot", "--backend", "openai",
            "--base-url", url, "--workers", "2", "--llm-retries", "1", "--json"]


def query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        con.close()


def run_to_end(args: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run([MATHAGENT, *args], capture_output=True, env=env, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return json.loads(proc.stdout)


def results(db: Path, run_id: str) -> dict[tuple, tuple]:
    rows = query(db, "SELECT problem_id, strategy, sample_index, answer, correct, verified, level, agent_level, status "
                     "FROM traces "
                     f"WHERE run_id = '{run_id}'")
    return {r[:3]: r[3:] for r in rows}


def comparable(summary: dict) -> dict:
    out = {"n": summary["n"], "status": summary["status"], "strategies": {}}
    for name, m in summary["strategies"].items():
        out["strategies"][name] = {k: v for k, v in m.items() if k != "mean_seconds"}
    return out


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path):
    with FaultServer([], reply=fake_brain.reply, delay_s=0.15) as server:
        db = tmp_path / "crash.db"
        env = cli_env(tmp_path, db)
        proc = subprocess.Popen([MATHAGENT, *eval_args(server.url)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and proc.poll() is None:
                rows = query(db, "SELECT count(*) FROM traces")
                if rows and rows[0][0] >= 4:
                    break
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, f"not killed mid-run (rc {proc.returncode}): {err.decode()[-2000:]}"
        ((run_id, status),) = query(db, "SELECT id, status FROM eval_runs")
        after_kill = results(db, run_id)
        assert status == "running" and 4 <= len(after_kill) < TOTAL, len(after_kill)
        assert f"--resume {run_id}" in err.decode()

        resumed = run_to_end(["eval", "gsm8k", "--resume", run_id, "--base-url", server.url, "--workers", "2",
                              "--json"], env)
        assert resumed["run_id"] == run_id and resumed["items"]["this_call"] == TOTAL - len(after_kill)
        keys = query(db, f"SELECT problem_id, strategy, sample_index FROM traces WHERE run_id = '{run_id}'")
        assert len(keys) == len(set(keys)) == TOTAL
        crashed = results(db, run_id)
        assert all(crashed[k] == v for k, v in after_kill.items())  # nothing done was redone or changed

        clean_db = tmp_path / "clean.db"
        clean = run_to_end(eval_args(server.url), cli_env(tmp_path, clean_db))
        assert comparable(resumed) == comparable(clean)
        assert crashed == results(clean_db, clean["run_id"])
        assert {k: v["correct"] for k, v in clean["strategies"].items()} == {"agent": 5, "cot": 4, "pot": 4}
        ((final_status,),) = query(db, "SELECT status FROM eval_runs")
        assert final_status == "finished"


def test_twenty_kills_at_random_points_lose_and_duplicate_nothing(tmp_path):
    """A loop of kill -9 at random moments (start-up included), each followed by --resume; bounded in time."""
    import random

    rng = random.Random(20261128)
    rounds, min_rounds, budget_s = 0, 20, 300
    data = tmp_path / "many.jsonl"  # 25 problems x 3 strategies: enough work to be interrupted 20 times
    data.write_text("".join(json.dumps({"question": f"Tom has {a} apples and buys {a + 3} more. How many apples?",
                                        "answer": f"He has {2 * a + 3}.\n#### {2 * a + 3}"}) + "\n"
                            for a in range(1, 26)))
    total = 25 * 3
    with FaultServer([], reply=fake_brain.reply, delay_s=0.1) as server:
        db = tmp_path / "kills.db"
        env = cli_env(tmp_path, db)
        args = eval_args(server.url)
        args[args.index(str(DATA))] = str(data)
        run_id = None
        started = time.monotonic()
        snapshots: list[dict] = []
        while rounds < min_rounds and time.monotonic() - started < budget_s:
            if run_id is None:
                ids = query(db, "SELECT id FROM eval_runs")
                run_id = ids[0][0] if ids else None
            cmd = args if run_id is None else ["eval", "gsm8k", "--resume", run_id, "--base-url", server.url,
                                               "--workers", "2", "--json"]
            proc = subprocess.Popen([MATHAGENT, *cmd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            if rounds % 5 == 4:  # now and then during start-up
                time.sleep(rng.uniform(0.1, 1.0))
            else:  # otherwise at a random moment after the run's rows start to move (start-up is slow under load)
                base = len(results(db, run_id)) if run_id else 0
                wait_until = time.monotonic() + 60
                while proc.poll() is None and time.monotonic() < wait_until:
                    ids = query(db, "SELECT id FROM eval_runs")
                    if ids and (run_id is None or len(results(db, ids[0][0])) > base):
                        break
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.0, 0.6))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                rounds += 1
            proc.wait(timeout=30)
            if run_id is not None:
                snapshots.append(results(db, run_id))
            if run_id is not None and len(snapshots[-1]) == total:
                break  # finished between kills: nothing left to interrupt
        if run_id is None:
            run_id = query(db, "SELECT id FROM eval_runs")[0][0]
        final = run_to_end(["eval", "gsm8k", "--resume", run_id, "--base-url", server.url, "--workers", "2",
                            "--json"], env)
        keys = query(db, f"SELECT problem_id, strategy, sample_index FROM traces WHERE run_id = '{run_id}'")
        duplicated = len(keys) - len(set(keys))
        lost = total - len(set(keys))
        end = results(db, run_id)
        for snap in snapshots:  # a row, once written, is never changed or removed by a later round
            assert all(end[k] == v for k, v in snap.items())
        orphans = query(db, "SELECT count(*) FROM steps WHERE trace_id NOT IN (SELECT id FROM traces)")[0][0]
        figures_dir = os.environ.get("RELIABILITY_FIGURES_DIR")
        if figures_dir:
            Path(figures_dir, "crash.json").write_text(json.dumps(
                {"kill_rounds": rounds, "rows_lost": lost, "rows_duplicated": duplicated}))
        assert rounds >= min_rounds or len(snapshots[-1]) == total, rounds
        assert duplicated == 0 and lost == 0 and orphans == 0
        assert {k: v["correct"] for k, v in final["strategies"].items()} == {"agent": 25, "cot": 25, "pot": 25}
