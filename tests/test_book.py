"""The book: built from the committed notebooks, checked, and every chapter executed on the smoke
store (real tiny runs) and on a partial paper-shaped store (the paper's model ids)."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from set_repository import configured_url, notebook_urls  # noqa: E402

CHAPTERS = ["claims", "01_strategies", "02_bert_vs_xlnet", "03_distilbert", "appendix_reproducibility"]


def test_colab_install_cells_name_the_configured_repository():
    url = configured_url()
    for name, urls in notebook_urls().items():
        assert urls, f"{name} has no Colab install cell"
        assert set(urls) == {url}, f"{name} installs from {urls}, _config.yml says {url}"


def test_committed_notebooks_are_clean_and_current():
    out = subprocess.run([sys.executable, ".ci/check_book.py"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_notebooks_only_read_the_store():
    for name in CHAPTERS:
        text = (ROOT / "notebooks" / f"{name}.md").read_text()
        body = text   # in Colab, chapter.setup runs the missing runs; the notebook itself never does
        for call in ("sweep(", "run_one(", "Trainer("):
            assert call not in body, f"notebooks/{name}.md calls {call}: only `poorman book` runs things"


def test_committed_notebooks_keep_their_parameters_in_one_cell():
    """A reader in Colab edits the parameters cell; no injected cell below it may overrule that."""
    for name in CHAPTERS:
        nb = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
        tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
        assert not any("injected-parameters" in t for t in tags), f"book/{name}.ipynb keeps papermill's cell"
        assert sum("parameters" in t for t in tags) == 1, name


def test_the_injected_values_are_folded_into_the_parameters_cell():
    from poorman.book.build import with_values
    own = 'profile = "cpu"       # smoke | quick\ntasks = None          # None: all\nresults = None'
    assert with_values(own, {"profile": "cpu"}) == own
    assert with_values(own, {"profile": "quick", "tasks": ["sst2", "mrpc"]}).splitlines()[:2] == [
        'profile = "quick"       # smoke | quick', 'tasks = ["sst2", "mrpc"]          # None: all']


def test_committed_notebooks_name_no_local_folders():
    """Executed pages must not show (or record) the folders of the machine that executed them."""
    import re
    for page in sorted((ROOT / "book").glob("*.ipynb")):
        found = re.findall(r"(?:/work|/home|/root|/tmp|/Users)/[\w./-]+", page.read_text())
        assert not found, f"{page.name} names local paths: {sorted(set(found))[:3]}"


@pytest.mark.slow
def test_book_builds_and_renders_figures(tmp_path):
    jb = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", "book/", "--path-output", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True)  # into tmp_path/_build, not the repository's
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    html = tmp_path / "_build" / "html"
    for page in CHAPTERS:
        assert (html / f"{page}.html").exists()
    assert list((html / "_downloads").rglob("all_runs.csv")), "the CSV of every run is not in the book"
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed (.ci/install_chromium.sh): rendered-page check skipped")
    shots = tmp_path / "shots"
    check = subprocess.run([sys.executable, ".ci/check_book.py", "--html", str(html), "--screenshots",
                            str(shots)], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert "task grid" in check.stdout
    assert len(list(shots.glob("*.png"))) >= len(CHAPTERS)


def execute_all(tmp_path, profile):
    from poorman.book.build import execute
    outputs = {}
    for name in CHAPTERS:
        out = tmp_path / f"{name}.ipynb"
        execute(ROOT / "notebooks" / f"{name}.md", out, profile, cwd=tmp_path)
        nb = nbformat.read(out, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
        outputs[name] = nb
    return outputs


def glued(nb, key):
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("metadata", {}).get("scrapbook", {}).get("name") == key:
                data = o["data"]
                return data.get("application/papermill.record/text/markdown") or data["application/papermill.record/text/plain"]
    raise KeyError(key)


def shown(nb):
    """Every Markdown a notebook's cells display (the chapters' verdict lines are such outputs)."""
    return "\n".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))


def images(nb):
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.slow
def test_chapters_execute_on_the_smoke_store(tmp_path, monkeypatch):
    from poorman.experiments.sweep import sweep
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("POORMAN_ROOT", str(ROOT))
    sweep("smoke", log=lambda *a: None)
    nbs = execute_all(tmp_path, "smoke")
    assert images(nbs["01_strategies"]) >= 4
    assert "verdict on this store: **not testable with these models**" in shown(nbs["02_bert_vs_xlnet"])
    assert "verdict on this store: **not testable with these models**" in shown(nbs["03_distilbert"])
    assert (tmp_path / "all_runs.csv").read_text().count("\n") == 33   # header + 32 smoke runs


@pytest.mark.slow
def test_chapters_execute_on_a_partial_paper_shaped_store(tmp_path, monkeypatch):
    from paper_store import profile_yaml, write_store
    from poorman.experiments.profiles import load_profile
    glue_dir = load_profile("smoke").resolved_glue_dir()
    profile = profile_yaml(tmp_path, glue_dir)
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("POORMAN_ROOT", str(ROOT))
    write_store(tmp_path / "results", profile, partial=True)
    nbs = execute_all(tmp_path, str(profile))
    assert "verdict on this store: **not testable" not in shown(nbs["02_bert_vs_xlnet"])
    assert "verdict on this store: **not testable" not in shown(nbs["03_distilbert"])
    assert "partial" in str([o for c in nbs["01_strategies"].cells for o in c.get("outputs", [])])


def test_a_chapter_executed_before_the_sweep_added_runs_is_stale(tmp_path, monkeypatch):
    import jupytext
    from paper_store import profile_yaml, write_store
    from poorman.book.build import fold_injected, is_current, store_runs
    from poorman.experiments.profiles import load_profile
    from poorman.experiments.store.records import iter_runs, results_dir, run_path
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    profile = str(profile_yaml(tmp_path, load_profile("smoke").resolved_glue_dir()))
    write_store(tmp_path / "results", profile, partial=True)
    src, done = tmp_path / "chapter.md", tmp_path / "chapter.ipynb"
    src.write_text("---\njupyter:\n  jupytext:\n    text_representation:\n      format_name: myst\n---\n\n"
                   "```{code-cell} ipython3\nprint(1)\n```\n")
    nb = jupytext.read(src)
    nb.metadata["papermill"] = {"parameters": {"profile": profile}}
    nbformat.write(nb, done)
    before = store_runs(profile)
    fold_injected(done, before)   # as `poorman book` stamps what it executed
    assert is_current(src, done, profile, runs=before)
    write_store(tmp_path / "results", profile)   # the sweep resumed and finished the grid
    after = store_runs(profile)
    assert after != before and not is_current(src, done, profile, runs=after)
    # runs of a task the chapters were not executed on do not make them stale
    sst2 = store_runs(profile, ["sst2"])
    store = results_dir(load_profile(profile).name)
    run_path(store, next(r["run_id"] for r in iter_runs(store) if r["config"]["task"] == "mrpc")).unlink()
    assert store_runs(profile, ["sst2"]) == sst2 != store_runs(profile)


def test_committed_chapters_were_executed_on_the_committed_store(monkeypatch):
    from poorman.book.build import READS_NO_STORE, store_runs
    monkeypatch.setenv("POORMAN_RESULTS", str(ROOT / "results"))
    assert not READS_NO_STORE & set(CHAPTERS)
    for name in CHAPTERS:
        nb = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
        params = nb.metadata["papermill"]["parameters"]
        executed_on = nb.metadata.get("poorman", {}).get("store_runs")
        assert executed_on == store_runs(params["profile"], params.get("tasks")), \
            f"book/{name}.ipynb was executed on another store ({executed_on}): run poorman book"


def test_the_store_note_counts_only_other_recipes_of_the_chapters_tasks_as_foreign(tmp_path, monkeypatch):
    import json
    from paper_store import profile_yaml, write_store
    from poorman.book import chapter
    from poorman.experiments.profiles import load_profile
    from poorman.experiments.store.records import iter_runs, results_dir, run_id, write_run
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    profile = str(profile_yaml(tmp_path, load_profile("smoke").resolved_glue_dir()))
    write_store(tmp_path / "results", profile)
    assert chapter.load(profile, tasks=["sst2"]).foreign == 0   # mrpc and stsb runs: not read, not foreign
    store = results_dir(load_profile(profile).name)
    for task in ("sst2", "mrpc"):   # one record of another learning rate on each of two tasks
        rec = json.loads(json.dumps(next(r for r in iter_runs(store) if r["config"]["task"] == task)))
        rec["config"]["train"]["learning_rate"] = 1e-3
        rec["run_id"] = run_id(rec["config"])
        write_run(store, rec)
    ch = chapter.load(profile, tasks=["sst2"])
    assert ch.foreign == 1 and "1 record of another recipe in the same folder is ignored" in chapter.store_note(ch)


def test_a_task_under_way_waits_until_its_runs_are_all_in(tmp_path, monkeypatch):
    """A sweep over several sittings: one task half-done beside whole ones is held back and said;
    when no task is whole, nothing is held back and the page says partial."""
    from paper_store import profile_yaml, write_store
    from poorman.book import chapter
    from poorman.experiments.profiles import load_profile
    from poorman.experiments.store.records import iter_runs, results_dir, run_path
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    profile = str(profile_yaml(tmp_path, load_profile("smoke").resolved_glue_dir()))
    total = write_store(tmp_path / "results", profile)
    store = results_dir(load_profile(profile).name)
    mrpc = [r["run_id"] for r in iter_runs(store) if r["config"]["task"] == "mrpc"]
    for rid in mrpc[len(mrpc) // 2:]:
        run_path(store, rid).unlink()
    ch = chapter.load(profile)
    assert ch.tasks == ["sst2", "stsb"] and set(ch.runs.task) == {"sst2", "stsb"}
    assert ch.in_progress == {"mrpc": (len(mrpc) // 2, len(mrpc))} and len(ch.runs) == ch.shown_grid
    note = chapter.store_note(ch)
    assert f"holds **{total - len(mrpc) + len(mrpc) // 2} of the {total} runs**" in note and "partial" not in note
    assert f"mrpc is under way ({len(mrpc) // 2} of its {len(mrpc)} runs)" in note
    assert not [sentence for sentence in note.split(". ") if "left out" in sentence and "mrpc" in sentence]
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "stopped"))
    write_store(tmp_path / "stopped", profile, partial=True)   # every task lacks seed 44: none is whole
    ch = chapter.load(profile)
    assert ch.in_progress == {} and set(ch.tasks) == {"sst2", "mrpc", "stsb"} and "**partial**" in chapter.store_note(ch)


def test_a_store_of_another_data_source_says_which_setting_reads_it(tmp_path, monkeypatch):
    import pytest
    import yaml
    from paper_store import profile_yaml, write_store
    from poorman.book import chapter
    from poorman.experiments.profiles import load_profile
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    path = profile_yaml(tmp_path, load_profile("smoke").resolved_glue_dir())
    write_store(tmp_path / "results", str(path))   # trained on the local TSVs
    monkeypatch.delenv("POORMAN_GLUE_DIR", raising=False)
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "glue_dir": None}, sort_keys=False))
    with pytest.raises(ValueError, match="read GLUE from local TSV files and this session reads the Hub: set POORMAN_GLUE_DIR"):
        chapter.load(str(path))


def test_the_intro_counts_the_claims_as_the_claims_page_marks_them():
    from poorman.book import claims
    quoted, n = sum(bool(ids) for _, ids in claims.CLAIMS.values()), len(claims.CLAIMS)
    word = dict(enumerate(["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]))
    text = " ".join((ROOT / "book" / "intro.md").read_text().split())
    assert (f"This book tests {word[n]} claims of the paper, {word[quoted]} in the words of its abstracts and "
            f"{word[n - quoted]} in the book's own summary") in text
