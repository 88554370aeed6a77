"""Fast checks of the book's configuration: no build, no notebook execution."""

import csv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CLAIMS = ROOT / "poorman" / "book" / "paper_claims.csv"


def load_yaml(path):
    with open(path, encoding="utf8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def config():
    return load_yaml(ROOT / "_config.yml")


@pytest.fixture(scope="module")
def toc():
    return load_yaml(ROOT / "_toc.yml")


def toc_files(toc):
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return files


def test_config_parses_and_builds_from_committed_notebooks(config):
    assert config["title"]
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["only_build_toc_files"] is True
    assert "_build" in config["exclude_patterns"]


def test_repository_and_colab_settings(config):
    repo = config["repository"]
    assert repo["url"].startswith("https://github.com/")
    assert repo["path_to_book"] == "book"
    assert repo["branch"]
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["html"]["use_repository_button"] is True


def test_repository_url_is_one_setting(config):
    url = config["repository"]["url"].rstrip("/")
    for page in BOOK.glob("*.md"):
        assert url not in page.read_text(encoding="utf8"), f"{page.name} repeats repository.url"


def test_bibliography_resolves_relative_to_book(config):
    # Sphinx runs without conf.py, so confdir == srcdir == book/.
    for bib in config["bibtex_bibfiles"]:
        assert (BOOK / bib).is_file(), f"book/{bib} missing"


def test_toc_parses(toc):
    assert toc["format"] == "jb-book"
    assert toc["root"] == "intro"
    assert len(toc_files(toc)) == len(set(toc_files(toc))), "duplicate toc entries"


def test_book_toc_is_the_top_level_toc():
    # `jupyter-book build book/` reads book/_toc.yml only; it must be the top-level one.
    inner = BOOK / "_toc.yml"
    assert inner.exists(), "book/_toc.yml (a symlink to ../_toc.yml) is missing"
    assert inner.read_text(encoding="utf8") == (ROOT / "_toc.yml").read_text(encoding="utf8")


def test_every_toc_entry_exists(toc):
    missing = [f for f in toc_files(toc)
               if not any((BOOK / f"{f}{ext}").is_file() for ext in (".md", ".ipynb"))]
    assert not missing, f"toc entries without book/<name>.md or .ipynb: {missing}"


def test_every_source_notebook_is_in_the_toc(toc):
    entries = set(toc_files(toc))
    sources = [p.stem for p in (ROOT / "notebooks").glob("*.md") if p.name.lower() != "readme.md"]
    orphans = [s for s in sources if s not in entries]
    assert not orphans, f"notebooks/*.md with no toc entry: {orphans}"


def test_paper_claims_have_source_and_quote():
    with open(CLAIMS, newline="", encoding="utf8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["id", "claim", "value", "unit", "source", "quote"]
        rows = list(reader)
    assert rows
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate claim ids"
    for r in rows:
        assert r["id"].strip() and r["claim"].strip(), r
        assert r["source"].strip(), f"{r['id']}: empty source"
        assert r["quote"].strip(), f"{r['id']}: empty quote"
        if r["value"].strip():
            float(r["value"])  # numeric when present
            assert r["value"] in r["quote"], f"{r['id']}: value not in its verbatim quote"


HIDDEN = {"remove-cell", "remove-input", "hide-cell"}
PENDING: set = set()   # notebooks being rewritten elsewhere (none now)


def is_colab_install(source):
    return "google.colab" in source and '"pip", "install"' in source


def code_lines(path):
    """(code lines, hidden code lines) of a notebook, the Colab install cell aside; blank lines
    and comments do not count."""
    import jupytext
    total = hidden = 0
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code" or is_colab_install(cell.source):
            continue
        n = sum(1 for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#"))
        total += n
        hidden += n if HIDDEN & set(cell.metadata.get("tags", [])) else 0
    return total, hidden


def test_hidden_code_is_at_most_15_percent_of_the_notebooks_code():
    """The code teaches: a reader sees how each table and figure is computed; hidden cells are plumbing."""
    counts = {p.name: code_lines(p) for p in sorted((ROOT / "notebooks").glob("*.md")) if p.name != "README.md"}
    total, hidden = (sum(c[i] for c in counts.values()) for i in (0, 1))
    over = {name: f"{h}/{t}" for name, (t, h) in counts.items() if t and h / t > 0.15}
    if hidden / total > 0.15 and set(over) <= PENDING:
        pytest.xfail(f"hidden code {hidden}/{total}; over 15% only in {over}, rewritten on another branch")
    assert hidden / total <= 0.15, f"hidden code is {hidden}/{total} of the code lines; over 15%: {over}"


def test_the_colab_install_cell_is_recognised_in_every_notebook():
    import jupytext
    for p in sorted((ROOT / "notebooks").glob("*.md")):
        if p.name != "README.md":
            assert sum(is_colab_install(c.source) for c in jupytext.read(p).cells) == 1, p.name
