"""The book: built from the committed notebooks, checked, and one chapter re-executed on smoke."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from set_repository import configured_url, notebook_urls  # noqa: E402


def test_colab_install_cells_name_the_configured_repository():
    url = configured_url()
    for name, urls in notebook_urls().items():
        assert urls, f"{name} has no Colab install cell"
        assert set(urls) == {url}, f"{name} installs from {urls}, _config.yml says {url}"


def test_committed_notebooks_are_clean_and_current():
    out = subprocess.run([sys.executable, ".ci/check_book.py"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_book_builds_and_renders_figures(tmp_path):
    jb = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", "book/", "--path-output", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True)  # into tmp_path/_build, not the repository's
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    html = tmp_path / "_build" / "html"
    for page in ("01_strategies", "02_bert_vs_xlnet", "03_distilbert", "appendix_reproducibility"):
        assert (html / f"{page}.html").exists()
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed (.ci/install_chromium.sh): rendered-page check skipped")
    check = subprocess.run([sys.executable, ".ci/check_book.py", "--html", str(html)], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


@pytest.mark.slow
def test_chapter_executes_end_to_end_on_smoke(tmp_path, monkeypatch):
    from poorman.book.build import execute
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("POORMAN_ROOT", str(ROOT))
    out = tmp_path / "01_strategies.ipynb"
    execute(ROOT / "notebooks/01_strategies.md", out, "smoke", cwd=ROOT / "book")
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4
    assert (tmp_path / "results/smoke/runs").is_dir()
