"""The floor plan (docs/architecture.md): each app imports only the floors below it, the kernel imports
no app, only the project wiring (orglife) imports every app, and no modules import each other in a circle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"core": 0, "branches": 1, "members": 2, "meetings": 3, "reviews": 4, "inspections": 5, "orglife": 6}


def _modules() -> dict[str, Path]:
    found = {}
    for package in FLOORS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Project modules `path` imports, anywhere in it (a function-level import is still a dependency)."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                     for alias in node.names]
        else:
            continue
        targets |= {name for name in names if name.split(".")[0] in FLOORS}
    return targets


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, known) for name, path in known.items()}


def test_no_module_imports_a_higher_floor():
    upward = [f"{module} → {target}" for module, targets in _graph().items() for target in targets
              if FLOORS[target.split(".")[0]] > FLOORS[module.split(".")[0]]]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    graph = _graph()
    state, stack, circles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == "open":
                circles.append(" → ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The walk above can fail: an import of a higher floor in a lower app is reported."""
    module = tmp_path / "bad.py"
    module.write_text("from meetings.compliance import State\n", encoding="utf-8")
    assert _imports(module, {"meetings.compliance": module}) == {"meetings.compliance"}
