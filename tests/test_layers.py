"""The package's layers point one way: core -> experiments -> book.

core (surgery, strategies, measure) imports neither experiments nor book; experiments never
imports book. poorman/__init__.py and poorman/cli.py are the front door and may import any layer.
"""

import ast
from pathlib import Path

import poorman

PACKAGE = Path(poorman.__file__).parent
LAYERS = {"core": 0, "experiments": 1, "book": 2, "own": 3}


def _layer(module):
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 and parts[0] == "poorman" else None


def _imports(path):
    """Absolute names of the poorman modules that a file imports (relative imports resolved)."""
    module = "poorman." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module


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
