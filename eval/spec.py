"""What an evaluation run is: its configuration, stored with the run.

An :class:`EvalSpec` holds everything that decides the *results* (dataset and
its file hash, strategies, samples, decoding, agent bounds, model identity,
prompts and code versions).  It is stored as the eval run's ``config`` JSON
and read back by ``--resume``, so a resumed run cannot silently change what it
measures.  How the work is executed (workers, executor, server URL, API key)
is not part of it: those may differ between the first try and a resume, and
the API key is never stored.
"""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from mathagent.agent.state import AgentConfig
from mathagent.datasets.selection import Selection
from mathagent.errors import InputError

CONFIG_SCHEMA = 2  # 2: the voting agent (max_samples, prompts); 1: programs with a tie-break
_AGENT = AgentConfig()
GIT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class EvalSpec:
    dataset: str
    data_path: str
    dataset_sha256: str
    strategies: tuple[str, ...]
    samples: int = 1
    limit: int | None = None
    order: str = "file"               # which problems --limit takes: file | shuffled | stratified (by subject)
    order_seed: int = 0
    subjects: tuple[str, ...] = ()    # MATH: only these subjects (empty: all)
    levels: tuple[int, ...] = ()      # MATH: only these levels (empty: all)
    temperature: float = _AGENT.temperature
    seed: int | None = _AGENT.seed
    max_samples: int = _AGENT.max_samples          # agent: derivations drawn at most
    max_repairs: int = _AGENT.max_repairs
    sample_temperature: float = _AGENT.sample_temperature  # agent: samples after the greedy first
    calc_timeout_s: float = _AGENT.calc_timeout_s
    verify: bool = _AGENT.verify                   # agent: confirm an undisputed programs-settled vote with a CoT
    time_budget_s: float | None = _AGENT.time_budget_s  # agent: stop drawing after this many seconds
    prompts: tuple[str, ...] = ()                  # --prompt names (others: each method's default)
    backend: str = "local"
    model: str | None = None          # local: .gguf path (None = embedded); openai: model name
    model_sha256: str | None = None   # local backends only; an openai server's weights are not visible to us
    prefill: str = "none"             # openai: how a prompt's reply start is sent (agent/llm.py PREFILLS); runs
    # stored before it existed sent none
    fewshot: int = 0                  # agent strategy: examples retrieved from verified traces of other runs
    prompts_version: str = ""
    code_version: str = ""

    def to_config(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("strategies", "subjects", "levels", "prompts"):
            d[key] = list(d[key])
        d["schema"] = CONFIG_SCHEMA
        return d

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EvalSpec:
        names = {f.name for f in fields(cls)}
        missing = {"dataset", "data_path", "dataset_sha256", "strategies"} - set(config)
        if missing:
            raise InputError(f"the run's stored configuration lacks {sorted(missing)}",
                             "this run was not created by `mathagent eval`; start a new run")
        kwargs = {k: v for k, v in config.items() if k in names}
        for key in ("strategies", "subjects", "levels", "prompts"):
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)

    def agent_config(self, sample_index: int = 0):
        """The agent's configuration for sample ``sample_index`` of every problem (its own seed)."""
        from mathagent.agent.prompts import resolve_prompts

        return replace(_AGENT, max_samples=self.max_samples, max_repairs=self.max_repairs,
                       calc_timeout_s=self.calc_timeout_s, verify=self.verify, temperature=self.temperature,
                       time_budget_s=self.time_budget_s,
                       sample_temperature=self.sample_temperature, seed=self.sample_seed(sample_index),
                       prompts=tuple(resolve_prompts(self.prompts).items()))

    @property
    def selection(self) -> Selection:
        """Which problems of the file the run covers (runs stored before selections existed: the file order)."""
        return Selection(order=self.order, order_seed=self.order_seed, subjects=self.subjects, levels=self.levels)

    def sample_seed(self, sample_index: int) -> int | None:
        """Each sample gets its own seed (base + index), so samples differ at temperature > 0
        and the same (problem, sample) is reproducible on resume."""
        return None if self.seed is None else self.seed + sample_index


def file_sha256(path: Path) -> str:
    """The dataset hash, computed exactly as the loaders report it (a file, or a folder's files)."""
    from mathagent.datasets.loaders.reading import sha256_of

    return sha256_of(Path(path))


def package_version() -> str:
    """``mathagent.__version__``; the installed distribution's version if the package object lacks it
    (as when a folder named ``mathagent`` on sys.path turns it into a namespace package)."""
    import mathagent

    version = getattr(mathagent, "__version__", None)
    if isinstance(version, str):
        return version
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("mathagent")
    except PackageNotFoundError:
        return "unknown"


def code_version() -> str:
    """``mathagent <version>`` plus the git commit of the source tree when it is a checkout."""
    version = f"mathagent {package_version()}"
    repo = Path(__file__).resolve().parents[1]  # the checkout root (this file is eval/spec.py)
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return version
    commit = proc.stdout.strip()
    if proc.returncode == 0 and len(commit) == 40:
        return f"{version} git {commit}"
    return version


def model_identity(backend: str, model: str | None) -> str | None:
    """The SHA-256 of the local model file (pinned for the embedded default), else None."""
    if backend != "local":
        return None
    from mathagent.agent.models import DEFAULT_MODEL, sha256_file

    if not model:
        return DEFAULT_MODEL.sha256
    path = Path(model).expanduser()
    if not path.is_file():
        raise InputError(f"model file not found: {path}", "pass an existing .gguf file with --model")
    return sha256_file(path)
