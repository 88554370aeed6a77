"""The package's layers point one way: core -> experiments -> book -> own, and no module imports
itself through others.

core (surgery, strategies, measure) imports neither experiments nor book; experiments never
imports book; the book never imports own (your own data's commands, which draw with the book's
plots). poorman/__init__.py and poorman/cli.py are the front door and may import any layer.
experiments/data imports nothing else of experiments. Imports inside functions count too: a circle
that only closes at call time is still a circle.
"""

import ast
from pathlib import Path

import poorman

PACKAGE = Path(poorman.__file__).parent
LAYERS = {"core": 0, "experiments": 1, "book": 2, "own": 3}


def _layer(module):
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 and parts[0] == "poorman" else None


def module_name(path, root=PACKAGE):
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, root=PACKAGE):
    """Absolute names of the modules that a file imports, at any depth (relative imports resolved;
    `from package import submodule` names the submodule)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
            target = ".".join(base + [node.module]) if node.level and node.module else \
                ".".join(base) if node.level else node.module
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield sub if _exists(sub, root) else target


def _exists(module, root):
    path = root.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph(root=PACKAGE):
    """{module: the modules of the same package it imports}."""
    top = root.name
    graph = {}
    for path in sorted(root.rglob("*.py")):
        targets = {name for name in _imports(path, root) if name and name.split(".")[0] == top}
        graph[module_name(path, root)] = targets - {module_name(path, root)}
    return graph


def import_circles(graph):
    """Each circle of imports once, as a list of modules [a, b, ..., a] (Tarjan's strongly
    connected components, then a shortest way round each)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_way_round(graph, sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _way_round(graph, component):
    start, inside = component[0], set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w == start:
                    return paths[v] + [start]
                if w in inside and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return component


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        own = LAYERS.get(rel.parts[0]) if len(rel.parts) > 1 else None
        if own is None:  # the front door: __init__.py, cli.py
            continue
        for name in _imports(path):
            target = _layer(name or "")
            if target is not None and target > own:
                upward.append(f"{rel} imports {name}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_every_module_belongs_to_a_layer():
    top = {p.name for p in PACKAGE.iterdir() if not p.name.startswith(("_", "."))}
    assert top - {"cli.py", "profiles"} == set(LAYERS), top


def test_no_import_circle():
    circles = import_circles(import_graph())
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_experiment_data_imports_nothing_else_of_experiments():
    graph = import_graph()
    data = "poorman.experiments.data"
    outside = sorted(f"{m} imports {t}" for m, targets in graph.items() if m.startswith(data)
                     for t in targets if t.startswith("poorman.experiments") and not t.startswith(data))
    assert not outside, "\n".join(outside)


def test_the_circle_test_finds_a_circle_closed_inside_a_function(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .b import g\n")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def g():\n    from ..a import f\n")
    (pkg / "c.py").write_text("from . import a\n")
    assert import_circles(import_graph(pkg)) == [["pkg.a", "pkg.sub.b", "pkg.a"]]
    (pkg / "sub" / "b.py").write_text("def g():\n    pass\n")
    assert import_circles(import_graph(pkg)) == []
