"""The shape of the packages, asserted so that it cannot rot.

Imports are read from the source (every ``import``, at module level or inside a
function; only ``if TYPE_CHECKING:`` blocks, which never run, are left out).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scipy", "matplotlib", "pytest", "torch", "jax", "hypothesis")

#: gradcheck's layers, bottom first: a module may import only from its own layer or
#: below. report.text renders results by their attributes, so results can use it.
LAYERS = [
    {"errors", "defaults", "report.text", "report.writer", "report"},
    {"report.figures"},
    {"protocols", "result"},
    {"contract", "contract.inputs", "contract.calls", "numeric", "numeric.phi"},
    {"numeric.noise", "numeric.differences", "numeric.quantum"},
    {"verdict", "verdict.judge", "verdict.plan", "verdict.flat"},
    {"verdict.probe"},
    {"verdict.outcome", "verdict.full", "verdict.fast", "verdict.diagnose", "verdict.joint"},
    {"verdict.assemble", "verdict.run"},
    {"localize", "optimum", "strategies"},
    {"check"},
    {"adapters.adapted"},
    {"adapters.stateful", "adapters.torch", "adapters.jax", "adapters.cache"},
    {"adapters", "demo", "plugin", "plugin.checks"},
    {"discover", "plugin.summary", "plugin.generated"},
    {"cli"},
    {"__init__", "__main__"},
]


def _is_type_checking(node):
    test = node.test
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _imports(path, known=()):
    """Return the modules ``path`` imports at run time (``from p import m`` counts as m
    where m is one of the ``known`` modules, else as p)."""
    found = set()

    def visit(node):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def _graph(package):
    modules = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return {
        name: {m for m in _imports(path, modules) if m in modules and m != name}
        for name, path in modules.items()
    }


def _cycle(graph):
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt]
            if nxt not in state:
                found = visit(nxt, [*stack, nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


@pytest.mark.parametrize("package", ["gradcheck", "nets"])
def test_imports_have_no_cycles_lazy_imports_included(package):
    assert _cycle(_graph(package)) is None


def test_gradcheck_imports_run_one_way_down_its_layers():
    rank = {}
    for level, names in enumerate(LAYERS):
        rank.update({f"gradcheck.{n}" if n != "__init__" else "gradcheck": level for n in names})
    graph = _graph("gradcheck")
    assert set(graph) == set(rank), "a new module: give it a layer in LAYERS"
    upward = [(a, b) for a, targets in graph.items() for b in targets if rank[b] > rank[a]]
    assert upward == []


def test_numeric_knows_phi_not_backward():
    """phi is built on forward; the hand-written backward reaches numeric as a function."""
    for path in (ROOT / "gradcheck" / "numeric").glob("*.py"):
        imported = _imports(path)
        assert not any(m.startswith(("gradcheck.contract", "gradcheck.verdict")) for m in imported)
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        assert not {name for name in names if "backward" in name}, path.name


def test_nets_core_imports_nothing_from_gradcheck():
    """Only the demo (``python -m nets``) and the reports, which check themselves, do."""
    for path in (ROOT / "nets").glob("*.py"):
        if path.name != "__main__.py":
            assert not any(m.startswith("gradcheck") for m in _imports(path)), path.name


def test_import_gradcheck_loads_no_heavy_package():
    code = (
        "import sys, gradcheck, gradcheck.report.text; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_top_level_is_small_and_no_module_is_long():
    top = [p for p in (ROOT / "gradcheck").glob("*.py")]
    assert len(top) <= 16
    subpackages = [p for p in (ROOT / "gradcheck").iterdir() if (p / "__init__.py").exists()]
    assert len(subpackages) >= 3
    for folder in ("gradcheck", "nets", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            assert len(path.read_text().splitlines()) <= 400, path
