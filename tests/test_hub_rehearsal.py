"""A rehearsal of "open in Colab and run all", offline: the colab profile through the real Hub calls.

tests/fake_hub.py seeds a temporary HF_HOME with tiny random models under the paper's Hub ids
(each with a tokenizer of its real kind) and a tiny nyu-mll/glue. With HF_HUB_OFFLINE=1 and no
local GLUE folder, `poorman sweep --profile colab` (shrunk: one task, one K, a few dozen
examples) then goes through the very `load_dataset("nyu-mll/glue", ...)` and
`from_pretrained("bert-base-uncased")` calls a Colab runtime makes, and `poorman book` executes
every chapter on that store and builds the book.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from poorman.book import build
from poorman.experiments.store import records

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
TASK = "rte"
pytestmark = pytest.mark.slow


def shrunk_colab(path):
    """The colab profile with one task, one K (6: its seed plan's K where every strategy runs), one
    baseline seed and a few dozen examples; same name, same cell_seeds."""
    raw = yaml.safe_load((ROOT / "poorman/profiles/colab.yaml").read_text())
    raw.update(tasks=[TASK], ks=[6], seeds=[42], baseline_seeds=[42])
    raw["train"].update(max_train=24, max_eval=24, max_length=64, epochs=1)
    raw["calibration"]["examples"] = 16
    raw["latency"] = {"batch_size": 2, "seq_len": 16, "repeats": 1, "warmup": 0}
    path.write_text(yaml.safe_dump(raw))
    return path


def offline_env(tmp, hf_home):
    env = {k: v for k, v in os.environ.items() if k != "POORMAN_GLUE_DIR"}  # GLUE must come from the "Hub"
    env.update(HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", PYTHONPATH=str(ROOT),
               POORMAN_RESULTS=str(tmp / "results"), TOKENIZERS_PARALLELISM="false", TQDM_DISABLE="1",
               OMP_NUM_THREADS="1")  # tiny models: threads only spin-wait on a shared machine
    env.pop("HF_HUB_CACHE", None)
    env.pop("HF_DATASETS_CACHE", None)
    return env


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory, glue_dir):
    """Seed the fake Hub from the GLUE fixture, then `poorman sweep` the shrunk colab profile."""
    from fake_hub import glue_texts, seed_glue, seed_models
    tmp = tmp_path_factory.mktemp("rehearsal")
    seed_glue(tmp / "hf", [TASK], glue_dir)
    seed_models(tmp / "hf", glue_texts(glue_dir))
    profile, env = shrunk_colab(tmp / "colab.yaml"), offline_env(tmp, tmp / "hf")
    out = subprocess.run([sys.executable, "-m", "poorman.cli", "sweep", "--profile", str(profile)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    return tmp, profile, env


def grid_ids(profile, env):
    """The profile's run ids as the sweep saw them: they name the data source (the fake Hub's
    GLUE and its revision), so they are computed in the sweep's environment, not this one's."""
    code = ("import sys\nfrom poorman.experiments.profiles import load_profile\n"
            "from poorman.experiments.store import records\nfrom poorman.experiments.sweep import expand_grid\n"
            "print(' '.join(records.run_id(s) for s in expand_grid(load_profile(sys.argv[1]))))")
    out = subprocess.run([sys.executable, "-c", code, str(profile)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return set(out.stdout.split())


def test_sweep_resolves_the_hub_ids_and_glue_offline(rehearsal):
    tmp, profile, env = rehearsal
    store = tmp / "results" / "colab"
    found = {r["run_id"]: r for r in records.iter_runs(store)}
    assert grid_ids(profile, env) == set(found)
    models = {r["config"]["model"] for r in found.values()}
    assert models == {"bert-base-uncased", "xlnet-base-cased", "distilbert-base-uncased"}
    cells = {}
    for r in found.values():
        cfg = r["config"]
        cells.setdefault((cfg["model"], cfg["strategy"]), set()).add(cfg["seed"])
    assert cells[("bert-base-uncased", "top")] == cells[("xlnet-base-cased", "bottom")] == {42, 43, 44}
    assert cells[("distilbert-base-uncased", "none")] == {42, 43, 44}   # the seed plan, through the CLI
    assert cells[("bert-base-uncased", "param-variance")] == {42} and ("xlnet-base-cased", "symmetric") not in cells
    for rec in found.values():
        assert rec["num_eval_examples"] == {"validation": 24} and rec["num_train_examples"] == 24
        assert math.isfinite(rec["metrics"]["score"])
        assert rec["original_layers"] == (6 if rec["config"]["model"].startswith("distil") else 12)
    # the dataset really came from the (fake) Hub's Arrow cache, not a TSV folder
    assert (tmp / "hf/datasets/nyu-mll___glue" / TASK).is_dir()


def copy_book_sources(dest):
    """What `poorman book` reads and writes, in a scratch copy: it writes executed notebooks to book/."""
    dest.mkdir()
    for name in ("_config.yml", "_toc.yml", "notebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    shutil.copytree(ROOT / "book", dest / "book", symlinks=True,
                    ignore=shutil.ignore_patterns("*.ipynb", "_build"))
    (dest / "poorman").symlink_to(ROOT / "poorman")  # the intro includes the profiles and the claims file
    return dest


def test_book_executes_every_chapter_on_the_fake_hub_store(rehearsal):
    tmp, profile, env = rehearsal
    root = copy_book_sources(tmp / "project")
    env = dict(env, POORMAN_ROOT=str(root))
    out = subprocess.run([sys.executable, "-m", "poorman.cli", "book", "--profile", str(profile), "--tasks", TASK],
                         cwd=root, env=env, capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    for page in pages:
        assert (root / "_build/html" / f"{page}.html").is_file(), f"{page} not built"
    for source in (root / "notebooks").glob("*.md"):
        if source.name == "README.md":
            continue
        nb = json.loads((root / "book" / f"{source.stem}.ipynb").read_text())
        errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{source.stem}: {errors[0]['ename']}: {errors[0]['evalue']}"
        if source.stem not in build.OWN_PROFILE:   # those pages keep a profile of their own
            assert nb["metadata"]["papermill"]["parameters"]["profile"] == str(profile)
