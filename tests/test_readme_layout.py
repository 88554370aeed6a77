"""The README's Layout section names only paths that exist, and every top-level package and
folder of the project is in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def layout_paths():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"^## Layout\n.*?^```\n(.*?)^```", text, flags=re.M | re.S).group(1)
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def test_every_path_in_the_layout_exists():
    paths = layout_paths()
    assert len(paths) >= 10
    missing = [p for p in paths if not (ROOT / p.replace("<profile>", "cpu")).exists()]
    assert not missing, f"README's Layout names paths that do not exist: {missing}"


def test_the_layout_names_every_part_of_the_package_and_the_project():
    named = {p.rstrip("/") for p in layout_paths()}
    parts = {"poorman/core/surgery", "poorman/core/strategies", "poorman/core/measure.py", "poorman/experiments",
             "poorman/book", "poorman/cli.py", "notebooks", "book", "tests", ".ci", "scripts", "benchmarks"}
    assert parts <= named, f"README's Layout leaves out {sorted(parts - named)}"


def test_the_readme_calls_measure_as_a_function():
    import poorman
    assert callable(poorman.measure)
    assert "poorman.core.measure(" not in (ROOT / "README.md").read_text()   # a module, not a function
