"""The colab profile, its GPU-hour estimate (poorman.experiments.budget) and the Drive helper."""

import json
import os
import sys
import types
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import AutoConfig, AutoModelForSequenceClassification

from poorman.book import colab
from poorman.experiments import budget
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import results_dir

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- the FLOP count

@pytest.mark.parametrize("model_type, sizes, arch", [
    ("bert", dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=512),
     budget.Arch(2, 128, 512, 500)),
    ("xlnet", dict(d_model=128, n_layer=2, n_head=4, d_inner=512), budget.Arch(2, 128, 512, 500, relative_positions=True)),
    ("distilbert", dict(dim=128, n_layers=2, n_heads=4, hidden_dim=512), budget.Arch(2, 128, 512, 500)),
])
def test_flop_formula_matches_torchs_counter(model_type, sizes, arch):
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(AutoConfig.for_model(model_type, vocab_size=500, **sizes))
    batch, seq = 4, 48
    ids = torch.randint(5, 400, (batch, seq))
    counter = FlopCounterMode(display=False)
    with counter:
        model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.zeros(batch, dtype=torch.long)).loss.backward()
    formula = budget.step_flops(arch, 2, batch * seq, batch * seq ** 2)
    assert formula == pytest.approx(counter.get_total_flops(), rel=0.07)


# ----------------------------------------------------------------------------- the estimate

def test_colab_profile_states_the_computed_estimate():
    text = (ROOT / "poorman/profiles/colab.yaml").read_text()
    for line in budget.report("colab").splitlines():
        assert f"#   {line}\n" in text, f"colab.yaml's comment is stale; budget.report says: {line}"
    assert f"{budget.gpu_hours('colab'):.1f} GPU-hours by a FLOPs estimate" in (ROOT / "README.md").read_text()


def test_colab_profile_is_the_papers_recipe_on_a_smaller_grid():
    colab, paper = load_profile("colab"), load_profile("paper")
    recipe = ("max_length", "batch_size", "learning_rate", "epochs", "warmup_ratio", "weight_decay",
              "group_by_length", "max_train", "max_eval")
    assert {k: colab.train[k] for k in recipe} == {k: paper.train[k] for k in recipe}
    assert colab.precision == paper.precision == "auto"  # bf16 on a recent GPU, fp16 on a T4
    assert set(colab.strategies) <= set(paper.strategies) and colab.ks == [2, 4, 6]
    assert {"param-aggregation", "param-variance"} <= set(colab.strategies)
    assert set(colab.tasks) == {"cola", "mrpc", "stsb", "rte"} and colab.glue_dir is None
    assert {"bert-base-uncased", "xlnet-base-cased"} <= set(colab.prune_models) <= set(paper.prune_models)
    assert colab.reference_models == ["distilbert-base-uncased"]
    assert len(colab.baseline_seeds) == 3
    assert colab.calibration == paper.calibration


def test_estimate_counts_a_shared_training_once():
    # at K=1 of 12 layers, top and alternate-even both drop the last layer (one seed per cell)
    profile = load_profile("colab").with_overrides(ks=[1], cell_seeds=[])
    est = budget.estimate(profile)
    assert est.runs.sum() - len(est) == 2 * 4  # one shared training per pruned model and task
    assert (est.seconds > budget.OVERHEAD_S).all()
    full = budget.estimate("colab")
    assert len(full) == full.runs.sum() == 200


def test_pruning_cuts_the_estimated_cost():
    lengths, train = budget.glue_lengths(), load_profile("colab").train
    costs = [budget.training_cost("bert-base-uncased", k, "mrpc", train, lengths)["flops"] for k in (0, 2, 4, 6)]
    assert costs == sorted(costs, reverse=True)
    assert costs[0] / costs[3] == pytest.approx(2.0, rel=0.01)  # the layers are (nearly) all the FLOPs


def test_estimate_rejects_what_it_cannot_price():
    lengths, train = budget.glue_lengths(), load_profile("colab").train
    with pytest.raises(ValueError, match="no architecture on record for 'gpt2'"):
        budget.training_cost("gpt2", 0, "mrpc", train, lengths)
    with pytest.raises(ValueError, match="measured at max_length 128"):
        budget.training_cost("bert-base-uncased", 0, "mrpc", {**train, "max_length": 64}, lengths)
    with pytest.raises(ValueError, match="no measured lengths for mnli"):
        budget.training_cost("bert-base-uncased", 0, "mnli", train, lengths)


@pytest.mark.real
def test_shipped_lengths_are_what_the_script_measures(full_glue):
    from transformers import AutoTokenizer
    try:
        tokenizer = AutoTokenizer.from_pretrained(budget.glue_lengths()["tokenizer"])
    except OSError:
        pytest.skip("MPNet's tokenizer is not in the offline cache (scripts/offline_models.py)")
    shipped = json.loads((ROOT / "poorman/experiments/glue_lengths.json").read_text())["tasks"]["rte"]
    assert budget.measure_lengths("rte", tokenizer, full_glue) == pytest.approx(shipped)


# ----------------------------------------------------------------------------- the Drive helper

@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("POORMAN_RESULTS", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    return monkeypatch


def test_use_results_moves_the_store(clean_env, tmp_path):
    assert colab.use_results() is None  # not in Colab, nothing set: the project's results/ stays
    root = colab.use_results(tmp_path / "drive" / "store")
    assert root.is_dir() and results_dir("colab") == root / "colab"


def test_use_results_rejects_a_file(clean_env, tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        colab.use_results(tmp_path / "f")
    assert "POORMAN_RESULTS" not in colab.os.environ


def test_mount_drive_results_needs_colab(clean_env):
    with pytest.raises(RuntimeError, match="Colab only"):
        colab.mount_drive_results()


def test_in_colab_the_store_goes_to_drive(clean_env, tmp_path):
    mounted = []
    drive = types.SimpleNamespace(mount=lambda point: (mounted.append(point), Path(point, "MyDrive").mkdir(parents=True)))
    clean_env.setitem(sys.modules, "google.colab", types.SimpleNamespace(drive=drive))
    clean_env.setitem(sys.modules, "google", types.SimpleNamespace(colab=sys.modules["google.colab"]))
    clean_env.setattr(colab, "DRIVE", str(tmp_path / "content/drive"))
    clean_env.setattr(colab.mount_drive_results, "__defaults__", (colab.DRIVE_FOLDER, colab.DRIVE))
    root = colab.use_results()
    assert mounted == [str(tmp_path / "content/drive")]
    assert root == (tmp_path / "content/drive/MyDrive/poorman/results").resolve()
    assert results_dir("colab") == root / "colab"
    assert colab.use_results() == root  # a second call (run all again) keeps the same store


CHAPTERS = ["01_strategies", "02_bert_vs_xlnet", "03_distilbert", "04_own_data", "appendix_reproducibility",
            "claims"]


SETS_THE_STORE = ("chapter.setup(profile, tasks, results)", "chapter.prepare(results)")


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_offers_drive_before_its_sweep(name):
    """The results parameter, then the set-up call that passes it to use_results, before anything
    reads or writes the store."""
    import jupytext
    cells = [c for c in jupytext.read(ROOT / "notebooks" / f"{name}.md").cells if c.cell_type == "code"]
    assert "parameters" in cells[0].metadata.get("tags", []) and "\nresults = None" in "\n" + cells[0].source
    first_use = next(i for i, c in enumerate(cells) if any(call in c.source for call in SETS_THE_STORE))
    store_uses = [i for i, c in enumerate(cells) if any(k in c.source for k in ("sweep(", "chapter.load(", "compare("))]
    assert not store_uses or first_use < min(store_uses)


def test_setup_passes_results_to_the_store_before_it_loads(clean_env, tmp_path, monkeypatch):
    """chapter.setup: the results folder becomes the store before the runs are read; outside Colab
    it sweeps nothing."""
    from poorman.book import chapter
    seen = {}
    monkeypatch.setenv("TQDM_DISABLE", "1")
    monkeypatch.setattr(chapter.palette, "use", lambda: None)   # the session's matplotlib stays as it is
    monkeypatch.setattr(chapter, "load", lambda profile, tasks: seen.setdefault("root", os.environ["POORMAN_RESULTS"]))
    chapter.setup("smoke", None, tmp_path / "store")
    assert seen["root"] == str((tmp_path / "store").resolve())
