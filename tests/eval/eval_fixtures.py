"""Shared test data for the eval tests: the small problem set and what the fake model gets right."""

from __future__ import annotations

from dataclasses import dataclass

from fake_brain import BrainLLMFactory
from mathagent.agent.backends import BackendSettings
from mathagent.agent.prompts import prompts_version, resolve_prompts
from mathagent.agent.session import SessionSettings
from mathagent.eval import runner
from mathagent.eval.spec import EvalSpec

SMALL = [  # the problems of data/gsm8k_small.jsonl, as the runner sees them
    ("p1", "Tom has 12 apples and buys 6 more. How many apples does he have?", "18"),
    ("p2", "A tricky one: a box holds 7 red and 5 blue balls. How many balls are in the box?", "12"),
    ("p3", "A crash course costs 30 dollars plus 10 dollars for books. What is the total?", "40"),
    ("p4", "Sam walks 3 km, then 4 km, then 5 km. How far does he walk?", "12"),
    ("p5", "A mute parrot ate 2 seeds and then 9 seeds. How many seeds did it eat?", "11"),
    ("p6", "Ann read 20 pages on Monday and 25 on Tuesday. How many pages did she read?", "45"),
]
# with fake_brain: which problems each strategy gets right
EXPECTED_CORRECT = {"agent": {"p1", "p2", "p3", "p4", "p6"}, "cot": {"p1", "p3", "p4", "p6"},
                    "pot": {"p1", "p2", "p4", "p6"}}


@dataclass(frozen=True)
class P:
    """The fields of mathagent.datasets.Problem that the runner uses."""

    id: str
    question: str
    answer: str
    level: str | None = None
    subject: str | None = None


PROMPTS_VERSION = prompts_version(resolve_prompts([]))  # what a run with the default prompts records


def make_spec(**kw) -> EvalSpec:
    base = {"dataset": "gsm8k", "data_path": "/x/test.jsonl", "dataset_sha256": "ab" * 32,
            "strategies": ("agent", "cot", "pot"), "prompts_version": PROMPTS_VERSION, "code_version": "test",
            # the agent confirms a one-method vote with another method: what the consensus level needs
            "verify": True,
            # never the local model: a test that ran a spec by mistake fails fast for want of a server URL
            "backend": "openai", "model": "fake"}
    base.update(kw)
    return EvalSpec(**base)


def execution(db_url, tmp_path, workers=1, **kw) -> runner.Execution:
    settings = SessionSettings(backend=BackendSettings(backend="openai", base_url="http://unused"), db_url=db_url,
                               cache_dir=tmp_path / "cache")
    return runner.Execution(session=settings, workers=workers, llm_factory=BrainLLMFactory(), **kw)
