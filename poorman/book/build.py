"""`poorman book`: run what the store lacks, execute the notebooks with papermill, build the book.

    notebooks/*.md --jupytext--> .ipynb --papermill(profile)--> book/*.ipynb --jupyter-book--> _build/html

This is the one place that runs anything: the sweep (missing runs) and the caches the chapters
read (layer scores, the size and latency table). The notebooks only read the store. A notebook
is re-executed only if its code changed, it ran with another profile or tasks, the store's runs
changed since (a resumed sweep added some), or --rerun is given.
"""

import ast
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..experiments.profiles import project_root
from ..experiments.store.records import default_root

# pages that never read the profile's run store (their own store, or a cost model): new runs
# do not make them stale
READS_NO_STORE = {"04_own_data", "running_at_scale"}
# pages whose profile is their own, not the book's: the cost model of the colab grid
OWN_PROFILE = {"running_at_scale"}


def notebook_order(root):
    """Chapter notebooks in the order of _toc.yml."""
    import yaml
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", [toc])
                              for c in part.get("chapters", [])]
    return [f for f in files if (root / "notebooks" / f"{Path(f).name}.md").exists()]


def code_cells(nb):
    """The code a notebook runs, less its parameters (is_current compares those on their own)."""
    skip = {"injected-parameters", "parameters"}
    return [c.source for c in nb.cells if c.cell_type == "code" and not skip & set(c.get("metadata", {}).get("tags", []))]


def store_runs(profile, tasks=None):
    """Which runs the chapters read: a digest of the run ids in the profile's store (of `tasks`).
    Records are never rewritten with other results, so the same ids mean the same numbers."""
    from ..experiments.profiles import load_profile
    from ..experiments.store.records import iter_runs, results_dir
    ids = sorted(r["run_id"] for r in iter_runs(results_dir(load_profile(profile).name))
                 if not tasks or r["config"]["task"] in tasks)
    return f"{len(ids)} runs, " + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def is_current(source_md, executed, profile, tasks=None, runs=None):
    """True if `executed` ran this exact code with this profile (and these tasks), on the store
    whose store_runs() is `runs` (when given)."""
    import jupytext
    import nbformat
    if not executed.exists():
        return False
    done = nbformat.read(executed, as_version=4)
    params = done.metadata.get("papermill", {}).get("parameters", {})
    failed = any(o.get("output_type") == "error" for c in done.cells for o in c.get("outputs", []))
    same_store = runs is None or done.metadata.get("poorman", {}).get("store_runs") == runs
    return (not failed and same_store and params == page_parameters(Path(source_md).stem, profile, tasks)
            and code_cells(jupytext.read(source_md)) == code_cells(done))


def fold_injected(executed, runs=None):
    """Fold papermill's injected parameters cell into the notebook's own parameters cell and drop
    it, so a reader who opens the page in Colab and edits `profile` there is not overruled by a
    cell below it. Papermill's record of where it read and wrote keeps only the file names (no
    local folders). runs: store_runs() of the store it was executed on, kept in its metadata."""
    import nbformat
    nb = nbformat.read(executed, as_version=4)
    if runs is not None:
        nb.metadata["poorman"] = {"store_runs": runs}
    paths = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if paths.get(key):
            paths[key] = Path(paths[key]).name
    tagged = [(c, c.get("metadata", {}).get("tags", [])) for c in nb.cells]
    own = next((c for c, tags in tagged if "parameters" in tags), None)
    if own is not None:
        own.source = with_values(own.source, paths.get("parameters", {}))
    nb.cells = [c for c, tags in tagged if "injected-parameters" not in tags]
    nbformat.write(nb, executed)


def with_values(source, values):
    """A parameters cell's `name = value  # comment` lines with `values` in place of the defaults
    (a line whose default already equals its value stays as written)."""
    lines = []
    for line in source.splitlines():
        m = re.match(r"^(\w+)(\s*=\s*)(.*?)(\s+#.*)?$", line)
        if m and m.group(1) in values and _literal(m.group(3)) != values[m.group(1)]:
            value = values[m.group(1)]
            text = json.dumps(value) if isinstance(value, (str, list)) else repr(value)
            line = f"{m.group(1)}{m.group(2)}{text}{m.group(4) or ''}"
        lines.append(line)
    return "\n".join(lines)


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return object()   # equal to no value: the line is rewritten


@contextlib.contextmanager
def page_environment():
    """The environment a page's kernel starts with: no progress bars (tqdm reads TQDM_DISABLE when
    it is imported, so it must be set before the kernel starts); as it was afterwards."""
    before = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["TQDM_DISABLE"]
        else:
            os.environ["TQDM_DISABLE"] = before


def page_parameters(stem, profile, tasks=None):
    """What papermill passes a page: the profile (and the tasks, if any), except to a page whose
    profile is its own (its parameters cell says which)."""
    if stem in OWN_PROFILE:
        return {}
    return {"profile": profile, **({"tasks": tasks} if tasks else {})}


def execute(source_md, executed, profile, tasks=None, kernel="python3", cwd=None, runs=None):
    """jupytext -> papermill with the page's parameters, into `executed` (runs: store_runs())."""
    import jupytext
    import papermill
    nb = jupytext.read(source_md)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (source_md.stem + ".ipynb")
        jupytext.write(nb, src)
        with page_environment():
            papermill.execute_notebook(str(src), str(executed), parameters=page_parameters(source_md.stem, profile, tasks),
                                       kernel_name=kernel, cwd=str(cwd or executed.parent), progress_bar=False)
    fold_injected(executed, runs)


def fill_caches(profile, tasks=None):
    """Compute what the chapters read besides the runs: every model's layer scores on every task,
    its weight scores, and the side-by-side size and latency table."""
    from ..experiments.run.planning import calibration_scores, model_weight_scores
    from ..experiments.profiles import load_profile
    from ..experiments.speed import variant_table
    prof = load_profile(profile).with_overrides(tasks=tasks)
    for model in prof.prune_models + prof.reference_models:
        model_weight_scores(model, prof)
        for task in prof.tasks:
            calibration_scores(model, task, prof)
    variant_table(prof)


def build_book(profile="cpu", rerun=False, only=None, tasks=None, sweep_first=True, build=True):
    """Sweep what the store lacks and fill the caches (not for `paper`: that is for a GPU),
    execute stale notebooks, build."""
    root = project_root()
    t0 = time.perf_counter()
    # the notebooks run in book/: point them (and this sweep) at the store under the caller's folder
    os.environ.setdefault("POORMAN_RESULTS", str(default_root().resolve()))
    if sweep_first and profile != "paper":
        from ..experiments.sweep import sweep
        sweep(profile, tasks=tasks)
        fill_caches(profile, tasks)
    runs = store_runs(profile, tasks)
    for name in notebook_order(root):
        stem = Path(name).name
        if only and stem not in only:
            continue
        src, out = root / "notebooks" / f"{stem}.md", root / "book" / f"{stem}.ipynb"
        read = None if stem in READS_NO_STORE else runs
        if not rerun and is_current(src, out, profile, tasks, read):
            print(f"{stem}: up to date with profile {profile}" + (f" and its store ({read})" if read else ""))
            continue
        print(f"{stem}: executing with {page_parameters(stem, profile, tasks) or 'its own parameters'}"
              + (f" on its store ({read})" if read else "") + " ...")
        execute(src, out, profile, tasks, runs=read)
    if build:
        jb = Path(sys.executable).parent / "jupyter-book"  # the one beside this python, venv or not
        subprocess.run([str(jb) if jb.exists() else "jupyter-book", "build", "book/"], cwd=root, check=True)
    print(f"book ready in {time.perf_counter() - t0:.0f}s: {root / '_build/html/index.html'}")
