"""No module of the app imports itself back through others, counting imports inside functions too.

A lazy (function-level) import only hides a cycle from the interpreter: the two modules still cannot be read
or changed one without the other. The graph is built from the source (ast), so nothing is imported here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rope_core", "explorer", "bench")


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((ROOT / "pages").glob("*.py")):
        modules[f"pages.{path.stem}"] = path
    modules["streamlit_app"] = ROOT / "streamlit_app.py"
    return modules


def _imported_names(name: str, path: Path) -> set[str]:
    """Every dotted name an import statement anywhere in the file (functions included) refers to."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    return names


def import_graph() -> dict[str, set[str]]:
    """module -> the app's modules it imports (a name resolves to its longest known module prefix)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imported_names(name, path):
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                targets.add(".".join(parts))
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search for a back edge)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_itself_back():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()))


def test_the_graph_sees_lazy_relative_and_from_package_imports():
    graph = import_graph()
    assert "rope_core.hf_config" in graph["rope_core.config"]  # top-level relative import
    assert "rope_core.fields" in graph["rope_core.mrope"]
    assert "explorer.frames" in graph["pages.10_models"] or any(
        target.startswith("explorer.frames.") for target in graph["pages.10_models"])
    assert len(graph) > 60


def test_a_function_level_relative_import_closes_a_cycle(tmp_path):
    (tmp_path / "a.py").write_text("from . import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from .a import g  # lazy\n    return g\n")
    assert "pkg.a.g" in _imported_names("pkg.b", tmp_path / "b.py")
    graph = {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
