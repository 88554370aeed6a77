"""Profiles: built-in and user YAML files, clear errors, and the paper profile's code path on tiny models."""

import re
import warnings
from importlib import resources

import pytest
import torch
import yaml

from poorman.experiments.run.planning import run_spec
from poorman.experiments.sweep.schedule import train_one
from poorman.experiments.models import load_for_classification
from poorman.experiments.profiles import TRAIN_DEFAULTS, Profile, builtin_profiles, load_profile
from poorman.experiments.sweep import sweep
from poorman.core.strategies import STRATEGIES

quiet = dict(log=lambda *a: None)


def raw(name):
    return yaml.safe_load((resources.files("poorman.profiles") / f"{name}.yaml").read_text())


def write_profile(tmp_path, base="smoke", **changes):
    data = {**raw(base), **changes}
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ----------------------------------------------------------------------------- loading

def test_builtin_profiles():
    assert {"cpu", "paper", "quick", "smoke"} <= set(builtin_profiles())


@pytest.mark.parametrize("name", ["smoke", "cpu", "paper"])
def test_builtin_profiles_load(name):
    p = load_profile(name)
    r = raw(name)
    assert isinstance(p, Profile) and p.name == name
    assert set(p.strategies) <= set(STRATEGIES) and p.strategies == r["strategies"]
    assert p.tasks == r["tasks"] and p.ks == r["ks"] and p.seeds == r["seeds"]
    assert set(r["train"]) <= set(p.train) == set(TRAIN_DEFAULTS)  # the YAML's, plus defaults
    assert all(p.train[k] == v for k, v in r["train"].items())
    assert p.prune_models and all(isinstance(m, str) for m in p.prune_models)
    assert load_profile(p) is p


def test_profile_values():
    cpu, paper, smoke = load_profile("cpu"), load_profile("paper"), load_profile("smoke")
    assert cpu.ks_for("sentence-transformers/all-mpnet-base-v2") == [2, 4, 6]
    assert cpu.reference_models == ["sentence-transformers/all-MiniLM-L6-v2"] and "rte" in cpu.excluded_tasks
    assert paper.train["learning_rate"] == 5e-5 and paper.train["batch_size"] == 8
    assert paper.train["max_length"] == 128 and paper.train["epochs"] == 3 and paper.seeds == [42]
    assert paper.train["group_by_length"] is False
    assert smoke.prune_models == ["tiny-random/bert", "tiny-random/xlnet"]


@pytest.mark.parametrize("name", builtin_profiles())
def test_profiles_carry_no_machine_paths(name, monkeypatch):
    assert load_profile(name).glue_dir is None
    monkeypatch.delenv("POORMAN_GLUE_DIR")
    assert load_profile(name).resolved_glue_dir() is None  # the Hub


def test_poorman_glue_dir_overrides_the_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("POORMAN_GLUE_DIR", str(tmp_path))
    assert load_profile("smoke").resolved_glue_dir() == tmp_path
    assert load_profile("paper").with_overrides(glue_dir="/elsewhere").resolved_glue_dir() == tmp_path
    monkeypatch.delenv("POORMAN_GLUE_DIR")
    monkeypatch.chdir(tmp_path)  # a profile's relative glue_dir is taken from the current folder
    assert load_profile("paper").with_overrides(glue_dir="glue").resolved_glue_dir() == tmp_path / "glue"


def test_a_copied_and_edited_yaml_loads(tmp_path):
    text = (resources.files("poorman.profiles") / "cpu.yaml").read_text()
    text = text.replace("name: cpu", "name: mine").replace("ks: [2, 4, 6]", "ks: [3]")
    text = re.sub(r"tasks: \[sst2, stsb, mrpc.*", "tasks: [cola, SST-2, mrpc]", text)
    text = re.sub(r"  learning_rate: \S+", "  learning_rate: 2.0e-5", text)
    path = tmp_path / "mine.yaml"
    path.write_text(text)  # comments and all, as a user would edit it
    p = load_profile(path)
    assert p.name == "mine" and p.ks == [3] and p.tasks == ["cola", "SST-2", "mrpc"]
    assert p.train["learning_rate"] == 2e-5 and p.train["max_train"] == 2000
    assert p.train_for("cola") == {**p.train, **p.task_train["cola"]} and p.train_for("sst2")["max_train"] == 1500
    assert load_profile(str(path)).name == "mine"  # a str path works too
    assert p.ks_for("sentence-transformers/all-mpnet-base-v2") == [3]


def test_a_minimal_yaml_gets_the_defaults(tmp_path):
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump({"name": "tiny", "models": {"prune": ["tiny-random/bert"]},
                                    "strategies": ["top"], "ks": [1], "tasks": ["rte"], "seeds": [1]}))
    p = load_profile(path)
    assert p.reference_models == [] and p.baseline_seeds == [1] and p.glue_dir is None
    assert p.train["learning_rate"] == 5e-5 and p.train["max_length"] == 128


# ----------------------------------------------------------------------------- errors

def test_unknown_profile_name_lists_the_builtin_ones():
    with pytest.raises(ValueError, match="unknown profile 'nope'") as err:
        load_profile("nope")
    for name in ("smoke", "cpu", "paper"):
        assert name in str(err.value)
    with pytest.raises(ValueError, match="unknown profile"):
        load_profile("/no/such/profile.yaml")


def test_unknown_strategy_in_a_profile(tmp_path):
    path = write_profile(tmp_path, strategies=["top", "middle-out"])
    with pytest.raises(ValueError, match=r"unknown strategies \['middle-out'\]") as err:
        load_profile(path)
    assert str(path) in str(err.value) and "alternate-even" in str(err.value)


def test_unknown_task_in_a_profile(tmp_path):
    path = write_profile(tmp_path, tasks=["rte", "squad"])
    with pytest.raises(ValueError, match="unknown task 'squad'") as err:
        load_profile(path)
    assert "sst2" in str(err.value)


def test_unknown_train_setting_in_a_profile(tmp_path):
    path = write_profile(tmp_path, train={**raw("smoke")["train"], "lr": 1e-3})
    with pytest.raises(ValueError, match=r"unknown key `train.lr`; known here: max_train") as err:
        load_profile(path)
    assert "learning_rate" in str(err.value)


def test_missing_keys_in_a_profile(tmp_path):
    data = raw("smoke")
    del data["ks"], data["seeds"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match=r"`ks` is missing \(required\) \(and 1 more problem\)"):
        load_profile(path)


def test_sweep_with_a_model_not_in_the_profile(tmp_path):
    with pytest.raises(ValueError, match=r"models \['bert-base-uncased'\] are not in profile 'smoke'") as err:
        sweep("smoke", models=["bert-base-uncased"], store_dir=tmp_path, **quiet)
    assert "tiny-random/bert" in str(err.value)
    assert not (tmp_path / "runs").exists()


def test_sweep_with_an_unknown_task(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        sweep("smoke", tasks=["nope"], store_dir=tmp_path, **quiet)


def test_k_too_large_for_the_model(tmp_path):
    # 6-layer tiny BERT, K = 6 would leave no layer: select_layers refuses, the sweep surfaces it.
    path = write_profile(tmp_path, name="too-deep", ks=[6], strategies=["top"], baseline_seeds=[],
                         models={"prune": ["tiny-random/bert"], "reference": []})
    with pytest.raises(ValueError, match=r"k must be in 0\.\.5 for a 6-layer model .*got k=6"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sweep(path, store_dir=tmp_path / "store", **quiet)
    assert not list((tmp_path / "store").glob("runs/*.json"))


def test_missing_glue_dir_names_the_path_and_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("POORMAN_GLUE_DIR", "/nonexistent")
    with pytest.raises(FileNotFoundError) as err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sweep("smoke", models=["tiny-random/distilbert"], store_dir=tmp_path, **quiet)
    message = str(err.value)
    assert "/nonexistent" in message and "download_glue_data.py layout" in message
    assert "/nonexistent/RTE/train.tsv" in message and "sentence1" in message  # the expected file and columns
    assert "named by $POORMAN_GLUE_DIR" in message
    assert not (tmp_path / "runs").exists()


def test_cli_glue_dir_flag_names_the_folder(tmp_path, monkeypatch):
    from poorman.cli import main
    monkeypatch.setenv("POORMAN_GLUE_DIR", "restored-after-the-test")  # --glue-dir sets it
    gone = tmp_path / "nowhere"
    with pytest.raises(SystemExit) as err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            main(["sweep", "--profile", "smoke", "--models", "tiny-random/distilbert", "--glue-dir", str(gone)])
    assert f"GLUE directory {gone} (named by $POORMAN_GLUE_DIR) does not exist" in str(err.value.code)


def test_cli_unknown_task_is_a_message_not_a_traceback(capsys):
    from poorman.cli import main
    with pytest.raises(SystemExit) as err:
        main(["sweep", "--profile", "smoke", "--tasks", "nope"])
    message = str(err.value.code)
    assert message.startswith("poorman sweep: unknown task 'nope'") and "rte" in message
    assert "Traceback" not in capsys.readouterr().err


def test_cli_unknown_profile_is_a_message(capsys):
    from poorman.cli import main
    with pytest.raises(SystemExit) as err:
        main(["sweep", "--profile", "nope", "--dry-run"])
    assert "unknown profile 'nope'" in str(err.value.code) and "smoke" in str(err.value.code)


# ----------------------------------------------------------------------------- the paper profile, tiny

PAPER = load_profile("paper")
FAMILIES = {m: m.split("-")[0] for m in PAPER.prune_models + PAPER.reference_models}


def test_paper_profile_families():
    assert sorted(FAMILIES.values()) == ["albert", "bert", "distilbert", "roberta", "xlnet"]


@pytest.mark.parametrize("model_id", sorted(FAMILIES))
def test_paper_code_path_on_tiny_models(model_id, tmp_path, glue_dir):
    """One run per paper architecture, with the paper's hyperparameters on a tiny random model."""
    family = FAMILIES[model_id]
    tiny = f"tiny-random/{family}"
    profile = PAPER.with_overrides(
        train={**PAPER.train, "max_train": 16, "max_eval": 16},  # lr, batch, length, epochs: the paper's
        glue_dir=str(glue_dir), prune_models=[tiny] if model_id in PAPER.prune_models else [],
        reference_models=[tiny] if model_id in PAPER.reference_models else [])
    pruned = model_id in PAPER.prune_models
    spec = run_spec(profile, tiny, "pruned" if pruned else "reference", "top" if pruned else "none",
                    2 if pruned else 0, "rte", PAPER.seeds[0])
    assert spec.train["learning_rate"] == 5e-5 and spec.train["max_length"] == 128
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = train_one(spec, profile, tmp_path).to_json()
    messages = [str(w.message) for w in caught]
    if family == "albert":  # dropping a shared layer only shortens the loop over one set of weights
        assert any(re.search("ALBERT shares one set of layer weights", m) for m in messages)
    assert rec["original_layers"] == 6
    assert rec["dropped"] == ([4, 5] if pruned else []) and rec["num_layers"] == (4 if pruned else 6)
    assert 0 <= rec["metrics"]["score"] <= 1 and rec["num_eval_examples"] == {"validation": 16}
    assert rec["num_train_examples"] == 16
    assert (tmp_path / "runs" / f"{rec['run_id']}.json").is_file()
    if family == "xlnet":  # XLNet summarises with its last token, so its tokenizer pads on the left
        _, tokenizer = load_for_classification(tiny, 2)
        assert tokenizer.padding_side == "left"
        batch = tokenizer(["a", "abc"], padding=True)
        assert batch["attention_mask"][0][0] == 0 and batch["attention_mask"][0][-1] == 1


@pytest.mark.parametrize("family", ["roberta"])
def test_tiny_roberta_takes_the_paper_max_length(family):
    """RoBERTa numbers positions from pad + 1: a full 128-token batch must fit its position table."""
    model, tokenizer = load_for_classification(f"tiny-random/{family}", 2)
    batch = tokenizer(["x" * 300, "short"], truncation=True, max_length=128, padding=True, return_tensors="pt")
    assert batch["input_ids"].shape[1] == 128
    with torch.no_grad():
        assert model(**batch).logits.shape == (2, 2)
    assert model.config.pad_token_id == tokenizer.pad_token_id


# ----------------------------------------------------------------------------- per-task settings

def test_task_train_changes_only_its_task(tmp_path):
    path = write_profile(tmp_path, name="pertask", tasks=["rte", "mrpc"],
                         task_train={"MRPC": {"epochs": 3, "batch_size": 4}})
    p = load_profile(path)
    assert p.train_for("mrpc") == {**p.train, "epochs": 3, "batch_size": 4}
    assert p.train_for("rte") == p.train
    assert run_spec(p, "tiny-random/bert", "baseline", "none", 0, "mrpc", 42).train["epochs"] == 3


@pytest.mark.parametrize("task_train,message", [
    ({"sst2": {"epochs": 3}}, "not in its tasks"),
    ({"rte": {"epochz": 3}}, "unknown key `task_train.rte.epochz` \\(did you mean `epochs`\\?\\)"),
])
def test_bad_task_train_is_refused(tmp_path, task_train, message):
    with pytest.raises(ValueError, match=message):
        load_profile(write_profile(tmp_path, name="bad", task_train=task_train))


def test_excluded_tasks_are_kept_with_their_reason(tmp_path):
    p = load_profile(write_profile(tmp_path, name="excl", excluded_tasks={"qnli": "too slow"}))
    assert p.excluded_tasks == {"qnli": "too slow"}
    with pytest.raises(ValueError, match="both run and listed"):
        load_profile(write_profile(tmp_path, name="excl2", excluded_tasks={"rte": "no"}))


@pytest.mark.parametrize("name", ["../../../x", "/tmp/elsewhere", "a/b", "..", "", "has space", 42, 1.5, None,
                                  ["smoke"], {"a": 1}, True])
def test_a_profile_name_must_be_a_plain_name(tmp_path, name):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({**raw("smoke"), "name": name}))
    with pytest.raises(ValueError, match="name .* is not a plain name: use letters, digits, - and _") as err:
        load_profile(path)
    assert str(path) in str(err.value)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["smoke", "my_profile-2", "A1"])
def test_plain_profile_names_load(tmp_path, name):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({**raw("smoke"), "name": name}))
    assert load_profile(path).name == name
