"""The eval-run policy: which run an evaluation writes to and which problems it covers.

One function, :func:`plan_run`, used by ``mathagent eval`` and by :func:`mathagent.evaluate`:

* a new run: every spec field the caller did not give takes the :class:`EvalSpec` default (the one
  source of defaults), the dataset file and model are hashed into the spec, and an ``eval_runs`` row
  is created;
* ``resume``: the stored spec is authoritative; the dataset file must hash the same; a given value
  that contradicts the stored one is refused (:class:`InputError`), except a larger ``limit``, which
  extends the run to the first N problems (the first rows stay valid: same order, longer prefix);
* the problems: loaded with the dataset's loader, selected by the spec (order, subjects, levels,
  limit); malformed records are skipped and reported (``strict`` stops at the first), duplicate ids
  and a selection that matches nothing are bad input.

``given`` maps :class:`EvalSpec` field names to the caller's values, ``None`` meaning "not given".
Errors: :class:`~mathagent.errors.InputError` with a one-line fix, never a traceback.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any

from mathagent.errors import InputError
from mathagent.eval import runs
from mathagent.eval.spec import EvalSpec, file_sha256

ANSWER_DATASETS = ("gsm8k", "math")
DEFAULT_STRATEGIES = ("agent",)

# spec field -> the command-line option that sets it (named in error messages); the fields a caller may give
OPTION_NAMES: dict[str, str] = {
    "strategies": "--strategy", "samples": "--samples", "limit": "--limit", "temperature": "--temperature",
    "seed": "--seed", "max_samples": "--max-samples", "max_repairs": "--max-repairs",
    "sample_temperature": "--sample-temperature", "calc_timeout_s": "--calc-timeout",
    "verify": "--verify/--no-verify", "time_budget_s": "--time-budget", "prompts": "--prompt",
    "backend": "--backend", "model": "--model", "prefill": "--prefill", "fewshot": "--fewshot", "order": "--order",
    "order_seed": "--order-seed", "subjects": "--subject", "levels": "--level",
}


@dataclass(frozen=True)
class PlannedRun:
    """A run ready to execute: its row, its spec, the selected problems, and the records skipped on load."""

    info: runs.RunInfo
    spec: EvalSpec
    problems: list[Any]
    skipped: list[str]
    data_path: Path


def parse_strategies(text: str) -> tuple[str, ...]:
    """``"pot, agent"`` -> ``("pot", "agent")``; an unknown or empty list is an InputError."""
    from mathagent.agent.state import STRATEGIES

    names = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    bad = [s for s in names if s not in STRATEGIES]
    if not names or bad:
        raise InputError(f"unknown strategy {', '.join(bad) or '(none given)'}",
                         f"use a comma-separated list of {', '.join(STRATEGIES)}")
    return names


def plan_run(factory, dataset: str, *, data: Path | None, given: dict[str, Any], resume: str | None = None,
             strict: bool = False) -> PlannedRun:
    """Create (or reopen, with ``resume``) the run and select its problems; see the module docstring."""
    check_request(dataset, data, resume, given)
    given = {k: given.get(k) for k in OPTION_NAMES}
    from mathagent.eval import runner

    if resume is not None:
        info = runs.load_run(factory, resume)
        path = data if data is not None else Path(info.config.get("data_path", ""))
        _check_data_path(path)
        spec = runner.resume_spec(info, dataset, file_sha256(path))
        spec, given = _extend_limit(factory, info, spec, given)
        _refuse_conflicts(spec, given)
    else:
        _check_data_path(data)
        spec = _new_spec(dataset, data, given)
        path = data
    problems, skipped = load_problems(dataset, path, spec, strict)
    if resume is None:
        info = runner.start_run(factory, spec)
    return PlannedRun(info=info, spec=spec, problems=problems, skipped=skipped, data_path=path)


def check_request(dataset: str, data: Path | None, resume: str | None, given: dict[str, Any] | None = None) -> None:
    """What can be refused before the database is opened (so a refused command creates no database): an unknown
    dataset, neither a file nor a run, a dataset file that does not exist, an unknown setting."""
    if dataset not in ANSWER_DATASETS:
        raise InputError(f"unknown dataset {dataset!r}", "use gsm8k, math or minif2f (mathagent eval minif2f)")
    if resume is None and data is None:
        raise InputError("no dataset file given", f"pass --data PATH (the {dataset} file), or --resume RUN_ID")
    if data is not None:
        _check_data_path(data)
    unknown = set(given or {}) - set(OPTION_NAMES)
    if unknown:
        raise InputError(f"unknown evaluation setting(s) {sorted(unknown)}", f"use {', '.join(OPTION_NAMES)}")


def _check_data_path(path: Path | None) -> None:
    if path is None or not str(path) or not path.exists():
        raise InputError(f"dataset file not found: {path}", "pass an existing file with --data")


def _spec_default(name: str) -> Any:
    if name == "strategies":
        return DEFAULT_STRATEGIES
    f = next(f for f in fields(EvalSpec) if f.name == name)
    return None if f.default is MISSING else f.default


def _new_spec(dataset: str, data: Path, given: dict[str, Any]) -> EvalSpec:
    from mathagent.agent.prompts import prompts_version, resolve_prompts
    from mathagent.eval.spec import code_version, model_identity

    values = {k: (given[k] if given[k] is not None else _spec_default(k)) for k in OPTION_NAMES}
    if values["backend"] not in ("local", "openai"):
        raise InputError(f"unknown backend {values['backend']!r}", "use --backend local or --backend openai")
    from mathagent.agent.llm import PREFILLS

    if values["prefill"] not in PREFILLS:
        raise InputError(f"unknown prefill {values['prefill']!r}", f"use --prefill {' | '.join(PREFILLS)}")
    if values["prefill"] != "none" and values["backend"] != "openai":
        raise InputError(f"--prefill {values['prefill']} applies to --backend openai",
                         "drop --prefill: the local backend always decodes from the reply start")
    return EvalSpec(dataset=dataset, data_path=str(data.resolve()), dataset_sha256=file_sha256(data),
                    model_sha256=model_identity(values["backend"], values["model"]),
                    prompts_version=prompts_version(resolve_prompts(values["prompts"])), code_version=code_version(),
                    **values)


def _extend_limit(factory, info: runs.RunInfo, spec: EvalSpec,
                  given: dict[str, Any]) -> tuple[EvalSpec, dict[str, Any]]:
    """A resumed run with a larger ``limit`` extends to the first N problems; the raised limit and when it was
    raised are stored with the run.  A smaller N would leave rows outside the stated subset: a contradiction."""
    new = given.get("limit")
    if new is None or spec.limit is None or new <= spec.limit:
        return spec, given
    runs.set_limit(factory, info.id, new, previous=spec.limit)
    return replace(spec, limit=new), {**given, "limit": None}


def _refuse_conflicts(spec: EvalSpec, given: dict[str, Any]) -> None:
    for name, option in OPTION_NAMES.items():
        value = given[name]
        if name == "prompts" and value is not None:
            if _prompts_conflict(spec, value):
                raise InputError(f"{option} {', '.join(value)} contradicts the resumed run's prompts "
                                 f"({spec.prompts_version or ', '.join(spec.prompts)})",
                                 f"drop {option} when resuming (the run keeps its prompts), or start a new run")
        elif value is not None and value != getattr(spec, name):
            raise InputError(f"{option} {value!r} contradicts the resumed run's recorded {getattr(spec, name)!r}",
                             f"drop {option} when resuming (the run keeps its configuration), or start a new run")


def _prompts_conflict(spec: EvalSpec, given: tuple[str, ...]) -> bool:
    """Whether a ``--prompt`` name given on resume is not the prompt the run uses for that name's method (the run's
    prompts may have been pinned to what it recorded: eval.runner.resume_spec)."""
    from mathagent.agent.prompts import get_prompt, resolve_prompts

    chosen = resolve_prompts(spec.prompts)
    return any(chosen[get_prompt(name).method] != name for name in given)


def load_problems(dataset: str, path: Path, spec: EvalSpec, strict: bool) -> tuple[list[Any], list[str]]:
    """The spec's selection of the file's problems, and one message per skipped record."""
    from mathagent.datasets import load_dataset
    from mathagent.datasets.selection import SelectionError

    selection = spec.selection
    # the whole-file order can stop reading at the limit; any other selection needs every record first
    loaded = load_dataset(dataset, path, limit=spec.limit if selection.is_whole_file else None, strict=strict)
    if loaded.file_sha256 != spec.dataset_sha256:
        raise InputError(f"{path} changed while it was being read", "run the command again")
    try:
        chosen = selection.apply(loaded.problems, spec.limit)
    except SelectionError as exc:
        raise InputError(str(exc), "check --subject and --level against the file (subjects are MATH's types, "
                         "e.g. Algebra; levels 1-5)") from None
    seen: set[str] = set()
    for p in chosen:
        if p.id in seen:
            raise InputError(f"duplicate problem id {p.id!r} in {path}", "give every record a unique id")
        seen.add(p.id)
    problems, errors = usable_problems(chosen, path, [str(err) for err in loaded.errors])
    if not problems:
        first = f" ({len(errors)} records skipped; the first: {' '.join(errors[0].split())[:200]})" if errors else ""
        raise InputError(f"no usable problems in {path}{first}", f"check that it is a {dataset} file")
    return problems, errors


def usable_problems(problems: list[Any], path: Path | str, errors: list[str]) -> tuple[list[Any], list[str]]:
    """The problems whose text the agent accepts (``validate_problem``), and ``errors`` plus one message per
    problem left out (``"PATH: problem ID: why"``)."""
    from mathagent.agent.problem import validate_problem

    kept, errors = [], list(errors)
    for p in problems:
        try:
            validate_problem(p.question)
        except InputError as exc:
            errors.append(f"{path}: problem {p.id}: {exc.message}")
            continue
        kept.append(p)
    return kept, errors
