"""nanoGPT style: no function in poorman/ is longer than 40 lines (decorators and docstring included)."""

import ast
from pathlib import Path

import poorman

PACKAGE = Path(poorman.__file__).parent
LIMIT = 40


def long_functions(root=PACKAGE, limit=LIMIT):
    """'path:line name (n lines)' for every function or method over `limit` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                n = node.end_lineno - first + 1
                if n > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({n} lines)")
    return found


def test_no_function_is_longer_than_40_lines():
    assert not long_functions(), "\n".join(long_functions())


def test_the_check_sees_a_long_method(tmp_path):
    body = "\n".join(f"        x{i} = {i}" for i in range(40))
    (tmp_path / "m.py").write_text(f"class A:\n    @staticmethod\n    def f():\n{body}\n")
    assert long_functions(tmp_path) == [f"{tmp_path.name}/m.py:3 f (42 lines)"]
