"""The package's layering: no import cycles, no private cross-module imports, data without plots.

The import graph is read from the source with ``ast``: every import of a
``flysim`` module, at module level or lazily inside a function, absolute or
relative, counts; imports under ``if TYPE_CHECKING:`` do not (they never run).
An edge goes to the module named (``from pkg import mod`` to ``pkg.mod`` when
that is a module), not to the packages above it, whose ``__init__`` re-exports
would otherwise tie every package into a cycle with itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import flysim

PACKAGE_DIR = Path(flysim.__file__).parent

#: Known cycles, as the set of modules in each: none.
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()
#: Known imports of another module's private names, as (importer, "module.name"): none.
KNOWN_PRIVATE_IMPORTS: frozenset[tuple[str, str]] = frozenset()


# --- the import graph ---------------------------------------------------------------------------


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``: dotted name to file."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([package, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all but those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def import_graph(root: Path, package: str) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """The package's runtime import edges, and its imports of other modules' private names.

    Returns
    -------
    edges : dict of str to set of str
        Module to the package modules it imports.
    private : set of (str, str)
        (importer, ``"module.name"``) for each ``from module import _name``
        where ``_name`` is not a module and ``module`` is not the importer.
    """
    modules = module_names(root, package)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    private: set[tuple[str, str]] = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _runtime_imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
                for target in targets:
                    if target in modules:
                        edges[name].add(target)
                continue
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source not in modules:
                continue
            for alias in node.names:
                child = f"{source}.{alias.name}"
                if child in modules:
                    edges[name].add(child)
                    continue
                edges[name].add(source)
                private_name = alias.name.startswith("_") and not alias.name.startswith("__")
                if private_name and source != name:
                    private.add((name, child))
    for name in edges:
        edges[name].discard(name)
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    return import_graph(PACKAGE_DIR, "flysim")


def test_the_package_has_no_import_cycle(graph):
    edges, _ = graph
    unexpected = [sorted(c) for c in cycles(edges) if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"


def test_no_module_imports_another_modules_private_names(graph):
    _, private = graph
    unexpected = sorted(private - KNOWN_PRIVATE_IMPORTS)
    assert not unexpected, f"private names imported across modules: {unexpected}"


@pytest.mark.parametrize(
    ("lower", "upper", "allowed"),
    [
        ("flysim.io", "flysim.plots", ()),
        # A result saves its figures on request, through one lazy import of the writer.
        ("flysim.result", "flysim.plots", ("flysim.plots.output",)),
        ("flysim.plots", "flysim.result", ()),
        ("flysim.plots", "flysim.study", ()),
        ("flysim.plots", "flysim.io", ()),
        ("flysim.engines", "flysim.metrics", ()),
        ("flysim.metrics", "flysim.plots", ()),
        # The report is a layer above results, studies and plots: none of them imports it.
        *(
            (lower, "flysim.report", ())
            for lower in (
                "flysim.result",
                "flysim.study",
                "flysim.plots",
                "flysim.io",
                "flysim.metrics",
                "flysim.engines",
                "flysim.pipeline",
                "flysim.simulate",
            )
        ),
    ],
)
def test_layers_import_only_downwards(graph, lower, upper, allowed):
    """Data never reaches for figures, plots never for results or studies, engines for metrics."""
    edges, _ = graph

    def within(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    offenders = sorted(
        (m, t)
        for m, targets in edges.items()
        if within(m, lower)
        for t in targets
        if within(t, upper) and t not in allowed
    )
    assert not offenders


# --- the checker itself, on a package made for it -----------------------------------------------


def write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "pkg"


def test_the_checker_sees_lazy_and_relative_imports_and_skips_type_checking(tmp_path):
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from pkg import b\n",
            "b.py": "from .sub import c\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import f\nfrom .. import a\n",
            "d.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.e import E\nelse:\n    import pkg.b\n"
            ),
            "e.py": "from pkg.d import _hidden, __all__\nimport pkg.d\n",
        },
    )
    edges, private = import_graph(root, "pkg")
    assert edges["pkg.a"] == {"pkg.b"}
    assert edges["pkg.b"] == {"pkg.sub.c"}
    assert edges["pkg.sub.c"] == {"pkg.a"}
    assert edges["pkg.d"] == {"pkg.b"}  # the TYPE_CHECKING import of pkg.e is not an edge
    assert cycles(edges) == [frozenset({"pkg.a", "pkg.b", "pkg.sub.c"})]
    assert private == {("pkg.e", "pkg.d._hidden")}


# --- saving data never imports matplotlib -------------------------------------------------------


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def test_importing_the_core_never_imports_matplotlib_nor_slow_scipy(tmp_path):
    proc = run_python(
        """
        import sys
        import flysim.engines, flysim.model, flysim.metrics, flysim.metrics.catalogue
        import flysim.io, flysim.result, flysim.study, flysim.cli
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        assert not loaded, loaded
        # Each takes a quarter to most of a second to import, which every
        # command line would pay; they are imported where they are used.
        slow = ("scipy.stats", "scipy.optimize", "scipy.interpolate")
        assert not [m for m in slow if m in sys.modules], [m for m in slow if m in sys.modules]
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr


def test_simulating_and_saving_data_never_imports_matplotlib(tmp_path):
    scenario = Path(flysim.__file__).parents[1] / "scenarios" / "startup.toml"
    proc = run_python(
        f"""
        import sys
        import flysim
        scenario = flysim.load_scenario({str(scenario)!r})
        result = flysim.simulate(scenario, runs=2, seed=1, months=2, workers=1)
        result.save("run", figures=False)
        assert "scipy.stats" not in sys.modules  # a scenario without uncertain inputs
        flysim.compare([scenario, scenario], runs=2, seed=1, months=2).save(
            "compare", figures=False
        )
        param = "attract.paid.budget_per_month=500:1000:2"
        flysim.sweep(scenario, [param], "mrr", runs=2, seed=1).save("sweep", figures=False)
        flysim.sensitivity(scenario, [param.rsplit(":", 1)[0]], "mrr", runs=2, seed=1).save(
            "sensitivity", figures=False
        )
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        assert not loaded, loaded
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    for folder in ("run", "compare", "sweep", "sensitivity"):
        assert (tmp_path / folder / "manifest.json").is_file()
        assert (tmp_path / folder / "runs.parquet").is_file()
        assert not list((tmp_path / folder).glob("*.png"))
