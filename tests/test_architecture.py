"""The shape of the code, as docs/ARCHITECTURE.md draws it: imports run one way, no cycle,
one mkdocs adapter, pure page functions, imports inside functions only for CLI dispatch."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "generator"

# Lower layers never import higher ones. A module takes the layer of its longest prefix here.
LAYERS = {
    # leaves: import nothing of ours but other leaves
    "generator": 0,
    "generator.errors": 0,
    "generator.options": 0,
    "generator.problems": 0,
    "generator.store": 0,
    "generator.workers": 0,
    "generator.sanitize": 0,
    "generator.safe_yaml": 0,
    "generator.descriptor": 1,
    "generator.rules": 1,
    # data
    "generator.model": 2,
    "generator.schedule": 3,
    "generator.figures": 4,
    "generator.charts": 4,
    # pure: problems and pages from data
    "generator.validate": 5,
    "generator.dictionary": 6,
    "generator.pages": 7,
    # consumers of pages
    "generator.search": 8,
    "generator.outputs": 9,
    "generator.site_adapter": 9,
    # orchestration and entry points
    "generator.pipeline": 10,
    "generator.plugin": 11,
    "generator.staff": 11,
    "generator.cli": 12,
    "generator.__main__": 13,
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _group(mod: str) -> str:
    return max((k for k in LAYERS if mod == k or mod.startswith(k + ".")), key=len)


def _layer(mod: str) -> int:
    return LAYERS[_group(mod)]


def _imports(mod: str, path: Path) -> list[tuple[str, bool, int]]:
    """(imported module of ours, inside a function?, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
        if isinstance(n, ast.Import | ast.ImportFrom)
    }
    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    out = []
    for n in ast.walk(tree):
        names = []
        if isinstance(n, ast.ImportFrom):
            base = ".".join(pkg[: len(pkg) - n.level + 1] + ([n.module] if n.module else [])) if n.level else n.module
            names = [f"{base}.{a.name}" for a in n.names]
        elif isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        for name in names:
            while name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in MODULES and name != mod:
                out.append((name, id(n) in inner, n.lineno))
    return out


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if not any(m == k or m.startswith(k + ".") for k in LAYERS)] == []


def test_imports_run_one_way():
    """Down the layers only; within a layer, only inside one package (cycles: next test)."""
    wrong = []
    for m, edges in GRAPH.items():
        for target, _inner, line in edges:
            if _group(target) == _group(m):
                continue
            if _layer(target) >= _layer(m):
                wrong.append(f"{m}:{line} imports {target}")
    assert wrong == []


def test_no_import_cycle():
    graph = {m: {t for t, _i, _l in e} for m, e in GRAPH.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t) :] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_imports_inside_functions_only_for_cli_dispatch():
    inner = [f"{m}:{line} {t}" for m, e in GRAPH.items() for t, i, line in e if i and m != "generator.cli"]
    assert inner == []


def test_only_the_adapter_and_entry_points_import_mkdocs():
    users = set()
    for m, p in MODULES.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            name = n.module if isinstance(n, ast.ImportFrom) else None
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else [name or ""]
            if any(x == "mkdocs" or x.startswith("mkdocs.") for x in names):
                users.add(m)
    assert users == {"generator.site_adapter", "generator.plugin", "generator.pipeline.serve"}


def test_page_functions_write_nothing():
    writes = {"write_text", "write_bytes", "mkdir", "unlink", "rename", "symlink_to", "touch"}
    os_writes = {"replace", "link", "rename", "makedirs", "remove", "unlink", "symlink"}
    calls = []
    for m, p in MODULES.items():
        if not m.startswith("generator.pages"):
            continue
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(n, ast.Call):
                continue
            f = n.func
            if isinstance(f, ast.Name) and f.id == "open":
                calls.append(f"{m}:{n.lineno} open")
            elif isinstance(f, ast.Attribute) and (
                f.attr in writes or (f.attr in os_writes and getattr(f.value, "id", "") in ("os", "shutil"))
            ):
                calls.append(f"{m}:{n.lineno} {f.attr}")
    assert calls == []


def test_nothing_but_the_cli_imports_the_staff_tools():
    users = {
        m
        for m, e in GRAPH.items()
        for t, _i, _l in e
        if t.startswith("generator.staff") and not m.startswith("generator.staff")
    }
    assert users == {"generator.cli"}
