"""Every name a module of poorman/ reads is defined in it (imported, assigned, a parameter or a
builtin): a merge that drops an import fails here, not at the first cell of a chapter."""

import ast
import builtins
from pathlib import Path

import poorman

PACKAGE = Path(poorman.__file__).parent
ALWAYS = set(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__"}


def _bound(node):
    """Names a node binds anywhere in its module (scopes are not told apart: a cheap, safe check)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return {node.id}
    if isinstance(node, ast.arg):
        return {node.arg}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return {node.name}
    if isinstance(node, ast.Global):
        return set(node.names)
    return set()


def undefined_names(path):
    tree = ast.parse(Path(path).read_text())
    bound = set(ALWAYS)
    for node in ast.walk(tree):
        bound |= _bound(node)
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return sorted(read - bound)


def test_every_name_read_is_defined():
    missing = {str(p.relative_to(PACKAGE)): undefined_names(p) for p in sorted(PACKAGE.rglob("*.py"))}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, missing


def test_the_check_sees_a_dropped_import(tmp_path):
    (tmp_path / "m.py").write_text("import warnings\n\ndef f():\n    os.environ['X'] = '1'\n    warnings.warn('x')\n")
    assert undefined_names(tmp_path / "m.py") == ["os"]
