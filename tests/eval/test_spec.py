"""The stored run configuration: round trip, model identity, code version."""

from __future__ import annotations

import hashlib
import re

import pytest
from eval_fixtures import make_spec
from mathagent.agent.models import DEFAULT_MODEL
from mathagent.eval.spec import EvalSpec, code_version, file_sha256, model_identity

from mathagent.errors import InputError


def test_config_round_trip_ignores_history_and_unknown_keys():
    spec = make_spec(samples=3, limit=10, seed=None)
    config = spec.to_config()
    assert config["strategies"] == ["agent", "cot", "pot"] and "api_key" not in config
    config["history"] = [{"event": "start"}]
    assert EvalSpec.from_config(config) == spec
    with pytest.raises(InputError, match="lacks"):
        EvalSpec.from_config({"dataset": "gsm8k"})


def test_runs_of_the_earlier_agent_are_read_but_never_resumed():
    from mathagent.eval.runner import resume_spec
    from mathagent.eval.runs import RunInfo

    config = make_spec().to_config()
    assert config["schema"] == 2 and config["max_samples"] == make_spec().max_samples
    old = {**config, "schema": 1, "tie_break": True, "max_turns": 4}
    del old["max_samples"]
    assert EvalSpec.from_config(old).strategies == ("agent", "cot", "pot")  # readable (report, compare, export)
    info = RunInfo("run-old", "gsm8k", "finished", old, None, None)
    with pytest.raises(InputError, match="earlier agent"):
        resume_spec(info, "gsm8k", old["dataset_sha256"])


def resumed(prompts_version: str, prompts: tuple[str, ...] = ()):
    from mathagent.eval.runner import resume_spec
    from mathagent.eval.runs import RunInfo

    config = make_spec(prompts=prompts).to_config() | {"prompts_version": prompts_version}
    return resume_spec(RunInfo("run-p", "gsm8k", "running", config, None, None), "gsm8k", config["dataset_sha256"])


def test_a_resumed_run_keeps_the_prompts_it_started_with_when_a_default_changed(monkeypatch):
    from mathagent.agent import prompts

    started = prompts.prompts_version(prompts.resolve_prompts([]))
    boxed = prompts.prompts_version(prompts.resolve_prompts(["cot-boxed"]))  # a run started with --prompt cot-boxed
    assert resumed(started).prompts == ()  # nothing changed: the run's own (empty) choice stays
    original = prompts.DEFAULT_PROMPTS["pot"]
    for default in [name for name in ("pot-plain", "pot-code", "pot-steps") if name != original]:
        monkeypatch.setitem(prompts.DEFAULT_PROMPTS, "pot", default)  # the default changes after the run started
        chosen = dict(resumed(started).agent_config().prompts)
        assert chosen["pot"] == original and prompts.prompts_version(chosen) == started
        chosen = dict(resumed(boxed, ("cot-boxed",)).agent_config().prompts)
        assert chosen["cot"] == "cot-boxed" and chosen["pot"] == original


def test_a_run_whose_prompts_this_version_lacks_or_reworded_cannot_be_resumed():
    from mathagent.agent import prompts

    started = prompts.prompts_version(prompts.resolve_prompts([]))
    pot = prompts.PROMPTS[prompts.DEFAULT_PROMPTS["pot"]].tag
    assert pot in started
    for recorded in (started.replace(pot, pot.split("@")[0] + "@9"),  # a version this code does not have
                     started.replace(pot, "pot-gone@1"),               # a prompt since removed
                     started.split("#")[0] + "#00000000"):            # same names, other words
        with pytest.raises(InputError, match="does not have"):
            resumed(recorded)
    with pytest.raises(InputError, match="cannot continue"):
        resumed(started, ("pot-gone",))  # the run's own --prompt is gone
    assert prompts.recorded_prompts("") is None and prompts.recorded_prompts("pot-plain@1") is None


def test_the_selection_round_trips_and_older_runs_took_the_file_order():
    spec = make_spec(order="stratified", order_seed=3, subjects=("Algebra", "Geometry"), levels=(4, 5), limit=20)
    config = spec.to_config()
    assert config["subjects"] == ["Algebra", "Geometry"] and config["levels"] == [4, 5]
    back = EvalSpec.from_config(config)
    assert back == spec and back.selection.describe() == (
        "order stratified (seed 3); subjects Algebra, Geometry; levels 4, 5")
    for key in ("order", "order_seed", "subjects", "levels"):
        del config[key]
    assert EvalSpec.from_config(config).selection.is_whole_file


def test_model_identity(tmp_path):
    assert model_identity("local", None) == DEFAULT_MODEL.sha256
    assert model_identity("openai", "qwen") is None
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 100)
    assert model_identity("local", str(gguf)) == hashlib.sha256(gguf.read_bytes()).hexdigest()
    with pytest.raises(InputError, match="not found"):
        model_identity("local", str(tmp_path / "missing.gguf"))


def test_code_version_and_dataset_hash(tmp_path):
    assert re.fullmatch(r"mathagent \S+( git [0-9a-f]{40})?", code_version())
    f = tmp_path / "d.jsonl"
    f.write_text("{}\n")
    assert file_sha256(f) == hashlib.sha256(b"{}\n").hexdigest()
