"""The import graph points one way: CLI -> pipelines -> eval -> agent -> datasets -> tools | verifiers -> traces.

Every module of the package is parsed with :mod:`ast` (every import, including those inside functions and
under ``TYPE_CHECKING``, plus ``importlib.import_module("...")`` with a literal name), assigned to a layer,
and no import may point to a higher layer, nor sideways between two different layers of the same rank
(``tools`` and ``verifiers`` do not know each other).  The kernel of the root package (``mathagent.errors``,
``mathagent.files``, ``mathagent.config``, ...) may be imported from anywhere and
imports nothing above itself.  Three more rules keep logic where it belongs:

* no module of ``mathagent.cli.commands`` imports a command (a module with ``register(app)``): logic two
  commands share lives below the CLI (a command's own helper module, like ``eval_formal``, is fine);
* the pipelines never import the agent's runner, session or graph: synthesis is handed a solver;
* below eval (tools, verifiers, datasets, agent) nothing touches the ORM (``mathagent.traces.models``,
  ``sqlalchemy``): their queries are functions of ``mathagent.traces.store``.

Layers, lowest first:

* ``kernel`` - the root package ``mathagent`` minus the CLI;
* ``traces`` - the trace records, the ORM and the store;
* ``tools``, ``verifiers`` - the sandboxed calculator; the answer, SMT and Lean checks;
* ``datasets`` - the benchmark loaders and the problem selection (they read answers with the verifiers);
* ``agent`` - the solver graph, its LLM backends, prompts and few-shot retrieval;
* ``eval`` - runs, grading, reports;
* ``pipelines`` - the dataset modules that *consume* traces or the agent: exports (which read traces and
  reuse eval's levels and metrics) and synthesis (which grades through eval and is handed a solver);
* ``cli`` - the subpackage ``mathagent.cli`` (the Typer app, ``commands.*``, ``options``, rendering) and
  ``__main__``; it only calls the layers below.

A module placed in a new file gets the layer of its folder; a new dataset module that needs eval or the
agent belongs under ``datasets/export/`` or ``datasets/synth/`` (:data:`PIPELINES`), on purpose.  Known debt
goes into :data:`ALLOWED` with the reason; a stale entry (the import is gone) fails too, so the list can only
shrink.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "mathagent"

RANKS = {"kernel": 0, "traces": 1, "tools": 2, "verifiers": 2, "datasets": 3, "agent": 4, "eval": 5,
         "pipelines": 6, "cli": 7}
CLI = ("mathagent.cli", "mathagent.__main__")
COMMANDS = "mathagent.cli.commands"
ORM = ("mathagent.traces.models", "sqlalchemy")
NO_ORM = ("tools", "verifiers", "datasets", "agent")
# lower modules a layer still may not import: the pipelines are handed a solver, they never build or run one
NOT_RUN_BY = {"pipelines": ("mathagent.agent.runner", "mathagent.agent.session", "mathagent.agent.graph")}
EXTERNAL = ("sqlalchemy",)  # third-party packages the rules name; every other third-party import is ignored
PIPELINES = ("mathagent.datasets.export", "mathagent.datasets.synth")  # subpackages: every module under them

# (importer, imported): an upward import that is known and not fixed yet, with the reason.  Empty is the goal.
ALLOWED: dict[tuple[str, str], str] = {}


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> str:
    """The layer of a module of the package (by its dotted name)."""
    if not _under(module, (PACKAGE,)):
        return "third-party"
    if _under(module, CLI):
        return "cli"
    if _under(module, PIPELINES):
        return "pipelines"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANKS and parts[1] not in ("kernel", "pipelines", "cli"):
        return parts[1]
    return "kernel"


# ------------------------------------------------------------------ the graph


def package_roots(pyproject: Path = REPO / "pyproject.toml") -> dict[str, Path]:
    """Dotted package name -> folder, from ``[tool.setuptools] package-dir`` (the folders are the architecture)."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {name: pyproject.parent / folder for name, folder in mapping.items()}


def discover(roots: dict[str, Path]) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    modules: dict[str, Path] = {}
    for package, folder in roots.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            modules[".".join((package, *rel))] = path
    return modules


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    to_command: bool = False  # the imported module is a command (it defines ``register(app)``)


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest known module that ``name`` starts with (``a.b.func`` -> ``a.b``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    """The package modules ``module`` imports, anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    out: list[Edge] = []

    def add(name: str, node: ast.AST) -> None:
        if _under(name, (PACKAGE,)):
            out.append(Edge(module, _resolve(name, modules), node.lineno))
        elif _under(name, EXTERNAL):
            out.append(Edge(module, name.split(".")[0], node.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:  # `from mathagent.cli import options` imports the module mathagent.cli.options
                sub = f"{target}.{alias.name}"
                add(sub if sub in modules else target, node)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            add(node.args[0].value, node)
    return out


def is_command(path: Path) -> bool:
    """A command module defines ``register(app)`` at its top level (``mathagent.cli`` calls it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body)


def graph(roots: dict[str, Path]) -> list[Edge]:
    modules = discover(roots)
    commands = {name for name, path in modules.items() if _under(name, (COMMANDS,)) and is_command(path)}
    return [replace(edge, to_command=edge.imported in commands)
            for name, path in modules.items() for edge in imports_of(name, path, modules)]


def broken_rule(e: Edge, layer=layer_of) -> str | None:
    """Why the import ``e`` is not allowed, or ``None``."""
    src = layer(e.importer)
    if _under(e.imported, ORM):
        return "uses the ORM below eval (add a function to mathagent.traces.store)" if src in NO_ORM else None
    if _under(e.imported, NOT_RUN_BY.get(src, ())):
        return f"{src} may not run the agent (take the solver as a parameter)"
    dst = layer(e.imported)
    if src != dst and RANKS[dst] >= RANKS[src]:
        return "points upward" if RANKS[dst] > RANKS[src] else "points sideways"
    if _under(e.importer, (COMMANDS,)) and e.to_command and e.imported != e.importer:
        return "a command imports another command (move the shared logic below the CLI)"
    return None


def violations(edges: list[Edge], layer=layer_of) -> list[Edge]:
    """The imports that break a rule of the architecture."""
    return [e for e in edges if broken_rule(e, layer) is not None]


def describe(e: Edge, layer=layer_of) -> str:
    return (f"{e.importer} ({layer(e.importer)}) imports {e.imported} ({layer(e.imported)}) at line {e.line}: "
            f"{broken_rule(e, layer)}")


# ------------------------------------------------------------------ the package


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return graph(package_roots())


def test_every_folder_of_the_package_is_scanned(edges):
    modules = discover(package_roots())
    for name in ("mathagent.errors", "mathagent.cli.commands.eval", "mathagent.agent.runner",
                 "mathagent.tools.calculator", "mathagent.verifiers.formal.audit", "mathagent.eval.plan",
                 "mathagent.datasets.synth", "mathagent.eval.items",
                 "mathagent.traces.store"):
        assert name in modules
    assert len(edges) > 200  # the scan sees imports inside functions, not only the module heads


def test_no_import_points_upward(edges):
    bad = [e for e in violations(edges) if (e.importer, e.imported) not in ALLOWED]
    assert not bad, "upward imports (move the logic down, or inject it from above):\n" + \
        "\n".join(describe(e) for e in bad)


def test_the_allow_list_names_only_real_debt(edges):
    current = {(e.importer, e.imported) for e in violations(edges)}
    stale = sorted(set(ALLOWED) - current)
    assert not stale, f"fixed, remove from ALLOWED: {stale}"


def test_pipelines_and_cli_modules_exist():
    modules = discover(package_roots())
    for name in PIPELINES:
        assert name in modules, f"PIPELINES names a module that does not exist: {name}"


# ------------------------------------------------------------------ the checker itself


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def synthetic(tmp_path):
    """A small package laid out like the real one: folders mapped to subpackages of ``mathagent``."""
    _write(tmp_path, {
        "pyproject.toml": '[tool.setuptools]\npackage-dir = { "mathagent" = "mathagent", '
                          '"mathagent.traces" = "traces", "mathagent.agent" = "agent", "mathagent.tools" = "tools", '
                          '"mathagent.verifiers" = "verifiers", "mathagent.eval" = "eval" }\n',
        "mathagent/__init__.py": "",
        "mathagent/errors.py": "",
        "mathagent/cli/__init__.py": "",
        "mathagent/cli/commands/__init__.py": "",
        "mathagent/cli/commands/solve.py": "from mathagent.agent.runner import solve\n"
                                           "from mathagent.cli import options\n"
                                           "from mathagent.cli.commands import solve_helpers\ndef register(app): ...\n",
        "mathagent/cli/commands/solve_helpers.py": "",
        "mathagent/cli/options.py": "",
        "traces/__init__.py": "",
        "traces/records.py": "from mathagent.errors import InputError\n",
        "traces/models.py": "from sqlalchemy.orm import DeclarativeBase\n",
        "traces/store.py": "from sqlalchemy import select\nfrom mathagent.traces.models import Trace\n",
        "agent/__init__.py": "",
        "agent/runner.py": "from mathagent.traces.records import X\nfrom .helpers import y\n",
        "agent/helpers.py": "",
        "tools/__init__.py": "",
        "tools/calc.py": "from mathagent.traces import records\n",
        "verifiers/__init__.py": "",
        "verifiers/check.py": "",
        "eval/__init__.py": "",
        "eval/run.py": "import mathagent.agent.runner\nfrom sqlalchemy import select\n",
    })
    return tmp_path


def _pairs(edges: list[Edge]) -> set[tuple[str, str]]:
    return {(e.importer, e.imported) for e in edges}


def test_checker_accepts_a_clean_graph(synthetic):
    edges = graph(package_roots(synthetic / "pyproject.toml"))
    assert ("mathagent.agent.runner", "mathagent.agent.helpers") in _pairs(edges)   # relative import resolved
    assert ("mathagent.tools.calc", "mathagent.traces.records") in _pairs(edges)    # `from pkg import module`
    assert ("mathagent.cli.commands.solve", "mathagent.cli.options") in _pairs(edges)
    assert violations(edges) == []


@pytest.mark.parametrize("rel, text, expected", [
    ("traces/store.py", "def f():\n    from mathagent.agent.runner import solve\n", "mathagent.agent.runner"),
    ("tools/bad.py", "import mathagent.eval.run as r\n", "mathagent.eval.run"),
    ("verifiers/bad.py", "from ..agent import runner\n", "mathagent.agent.runner"),
    ("verifiers/side.py", "from mathagent.tools.calc import run\n", "mathagent.tools.calc"),
    ("eval/bad.py", "import importlib\nimportlib.import_module('mathagent.cli.commands.solve')\n",
     "mathagent.cli.commands.solve"),
    ("mathagent/files.py", "from mathagent.cli import options\n", "mathagent.cli.options"),
    ("mathagent/cli/commands/other.py", "from mathagent.cli.commands.solve import f\n",
     "mathagent.cli.commands.solve"),
    ("agent/orm.py", "from sqlalchemy import select\n", "sqlalchemy"),
    ("verifiers/orm.py", "def f():\n    from mathagent.traces.models import Trace\n", "mathagent.traces.models"),
    ("agent/typed.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mathagent.eval.run import R\n",
     "mathagent.eval.run"),
])
def test_checker_fails_on_a_new_upward_import(synthetic, rel, text, expected):
    _write(synthetic, {rel: text})
    bad = violations(graph(package_roots(synthetic / "pyproject.toml")))
    assert [e.imported for e in bad] == [expected], [describe(e) for e in bad]
    assert "line" in describe(bad[0])


def test_layers_of_real_names():
    assert layer_of("mathagent.errors") == "kernel" and layer_of("mathagent") == "kernel"
    assert layer_of("mathagent.cli.commands.audit") == "cli" and layer_of("mathagent.cli.options") == "cli"
    assert layer_of("mathagent.datasets.loaders.gsm8k") == "datasets"
    assert layer_of("mathagent.datasets.export") == "pipelines"
    assert layer_of("mathagent.verifiers.formal.loader") == "verifiers"


def test_pipelines_are_handed_a_solver():
    assert "run the agent" in broken_rule(Edge("mathagent.datasets.synth", "mathagent.agent.runner", 1))
    assert broken_rule(Edge("mathagent.datasets.synth", "mathagent.eval.items", 1)) is None
    assert broken_rule(Edge("mathagent.cli.commands.synth", "mathagent.agent.runner", 1)) is None
    assert "upward" in broken_rule(Edge("mathagent.datasets.loaders.gsm8k", "mathagent.agent.parsing", 1))


if __name__ == "__main__":  # a quick look at the debt: python tests/test_architecture.py
    for edge in violations(graph(package_roots())):
        print(describe(edge), file=sys.stderr)
