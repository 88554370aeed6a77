"""The second bad-input catalogue (issue 22): messy user files, crafted profiles and model folders,
damaged stores and checkpoints, a full disk, kill -9 leftovers. One test (or more) per item of the
issue, numbered as there; each fails on the code before the fix. The lock items (1) are in
test_locks.py beside the lock's other tests, and one compare-level check is here.
"""

import ast
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from safetensors import SafetensorError
from transformers import BertConfig

import poorman.cli
import poorman.own.api as own_data
from poorman.cli import main
from poorman.core.strategies import STRATEGIES
from poorman.experiments.run.planning import fix_layers
from poorman.experiments.sweep import schedule
from poorman.experiments.data.own_task import describe
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import locks, records
from poorman.experiments.sweep import expand_grid, sweep

ROOT = Path(__file__).resolve().parents[1]
QUIET = dict(log=lambda *_: None)
TRAIN = ["good film,pos", "bad film,neg", "fine film,pos", "dull film,neg", "great,pos", "awful,neg"]
EVAL = ["nice,pos", "poor,neg"]


def csv(path, rows, header="text,label"):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def files(tmp_path, train_rows=TRAIN, eval_rows=EVAL, header="text,label"):
    return csv(tmp_path / "train.csv", train_rows, header), csv(tmp_path / "eval.csv", eval_rows, header)


def mistake(tmp_path, train_rows=TRAIN, eval_rows=EVAL, header="text,label", **desc):
    train, eval_ = files(tmp_path, train_rows, eval_rows, header)
    with pytest.raises(ValueError) as err:
        describe({"train": str(train), "eval": str(eval_), "text": "text", "label": "label", **desc}, **QUIET)
    return str(err.value)


def refused(argv, match):
    """main(argv) stops with one message matching `match`, no traceback behind it."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    message = exc.value.code
    assert isinstance(message, str) and re.search(match, message), message
    return message


def finetune_argv(tmp_path, *extra, model="tiny-random/bert", out="out"):
    train, eval_ = files(tmp_path)
    return ["finetune", model, "--train", str(train), "--eval", str(eval_), "--text", "text", "--label",
            "label", "--out", str(tmp_path / out), "--store", str(tmp_path / "store"), "--epochs", "1",
            "--profile", "smoke", *extra]  # smoke: tiny settings, and a built-in file this branch leaves as it is


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a finetune or compare gets as far as loading a model to train."""
    def fail(*args, **kwargs):
        raise AssertionError("a model was loaded for training before the bad input was found")
    monkeypatch.setattr("poorman.experiments.run.finetune.load_for_classification", fail)
    monkeypatch.setattr("poorman.experiments.run.finetune.train_and_evaluate", fail)
    monkeypatch.setattr(own_data, "train_one", fail)



def copy_model(src, dst):
    dst.mkdir()
    for f in Path(src).iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# 1. a lock left by a killed compare, rewritten with a live pid (pid 1): the rerun goes on

@pytest.mark.slow
def test_compare_rerun_is_not_hung_by_a_left_lock_naming_pid_1(tmp_path, monkeypatch, capsys):
    argv = finetune_argv(tmp_path)[1:]
    common = [a for a in argv if a not in ("--out", str(tmp_path / "out"))]
    monkeypatch.setattr(schedule, "_wait_for_other_sweeps",
                        lambda: pytest.fail("compare waited for a lock no process holds"))
    train, eval_ = tmp_path / "train.csv", tmp_path / "eval.csv"
    spec_task = describe({"train": str(train), "eval": str(eval_), "text": "text", "label": "label"}, **QUIET)
    prof = own_data.recipe("smoke", epochs=1).with_overrides(tasks=[spec_task], prune_models=["tiny-random/bert"],
                                                          strategies=["top"], ks=[1], seeds=[42], baseline_seeds=[42])
    for spec in expand_grid(prof):  # as kill -9 leaves them, then rewritten with pid 1
        path = locks.lock_path(tmp_path / "store", fix_layers(spec, prof, tmp_path / "store").training_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"pid": 1, "host": os.uname().nodename, "token": "left"}))
    quietly(main, ["compare", *common, "--strategies", "top", "--ks", "1", "--out", str(tmp_path / "report")])
    assert len(pd.read_csv(tmp_path / "report" / "compare.csv")) == 2
    assert not list((tmp_path / "store" / "runs").glob("*.lock"))


# 2. rows with more fields than the header

def test_rows_with_more_fields_than_the_header_are_an_error(tmp_path):
    rows = ['"a fine review",fresh,web', '"a dull review",rotten,print']
    msg = mistake(tmp_path, rows, header="text,label")
    assert "train.csv, row 2 (the header is row 1): 3 fields, but the header names 2 ('text', 'label')" in msg
    msg = mistake(tmp_path, ["a,pos", "b,neg", "c,pos,extra"], header="text,label")
    assert "train.csv, row 4 (the header is row 1): 3 fields" in msg


# 3. label text that means "missing"

@pytest.mark.parametrize("gap", ["n/a", "N/A", "NaN", "null", "-"])
def test_missing_value_labels_are_named_not_made_classes(tmp_path, gap):
    rows = [f"t{i},{x}" for i, x in enumerate(["0.5", "1.25", gap, "3.5", "2.0", "4.75"])]
    msg = mistake(tmp_path, rows, eval_rows=["u,1.5", "v,2.5"])
    assert f"train.csv, column 'label', row 4 (the header is row 1): label {gap!r} marks a missing value" in msg


# 4. --epochs 0 or -1

@pytest.mark.parametrize("epochs", ["0", "-1"])
def test_no_epochs_is_refused_before_loading(tmp_path, no_training, epochs):
    argv = finetune_argv(tmp_path)
    argv[argv.index("--epochs") + 1] = epochs
    refused(argv, rf"training settings: `epochs` \(--epochs\) should be greater than 0, got {epochs}")
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


# 5. no code from a model folder, and no question at the terminal

def evil_folder(tmp_path, model_type):
    folder = tmp_path / f"evil-{model_type}"
    folder.mkdir()
    (folder / "evil.py").write_text(f"open({str(tmp_path / 'RAN')!r}, 'w').write('evil.py ran')\n"
                                    "from transformers import BertConfig as EvilConfig, BertModel as EvilModel\n")
    config = {"model_type": model_type, "auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}}
    if model_type == "bert":
        config |= dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.mark.parametrize("model_type", ["evil", "bert"])
def test_info_refuses_a_folder_with_custom_code_in_process(tmp_path, monkeypatch, model_type):
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("asked at the terminal"))
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    refused(["info", str(evil_folder(tmp_path, model_type))],
            r"names custom code in the model folder; poorman never runs a model's own code \(trust_remote_code=False\)")
    assert not (tmp_path / "RAN").exists()


@pytest.mark.slow
@pytest.mark.parametrize("model_type", ["evil", "bert"])
@pytest.mark.parametrize("command", ["info", "drop"])
def test_a_folder_with_custom_code_is_refused_with_no_prompt(tmp_path, model_type, command):
    folder = evil_folder(tmp_path, model_type)
    argv = ["info", str(folder)] if command == "info" else ["drop", str(folder), "--k", "1", "--out", str(tmp_path / "o")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "poorman.cli", *argv], stdin=subprocess.DEVNULL, env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "names custom code in the model folder; poorman never runs a model's own code" in proc.stderr
    assert "Traceback" not in proc.stderr and "[y/N]" not in proc.stdout + proc.stderr
    assert not (tmp_path / "RAN").exists() and not (tmp_path / "o").exists()


def test_finetune_refuses_a_folder_with_custom_code(tmp_path, no_training):
    refused(finetune_argv(tmp_path, model=str(evil_folder(tmp_path, "bert"))), "names custom code")
    assert not (tmp_path / "RAN").exists()


def test_every_from_pretrained_says_trust_remote_code_false():
    calls = []
    for path in (ROOT / "poorman").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "from_pretrained":
                given = {k.arg: getattr(k.value, "value", k.value) for k in node.keywords}
                ok = given.get("trust_remote_code") is False or None in given  # None: **kwargs, checked below
                calls.append((f"{path.name}:{node.lineno}", ok))
    assert calls and all(ok for _, ok in calls), calls
    from poorman.core.surgery import load
    assert "\"trust_remote_code\": False" in Path(load.__file__).read_text()  # the **kwargs of its two loads


# 6. a read-only store: refused before the model loads

def test_a_read_only_store_is_refused_before_loading(tmp_path, no_training, monkeypatch):
    real = records.tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):
        if str(dir).startswith(str(tmp_path / "store")) or Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)
    monkeypatch.setattr(records.tempfile, "mkstemp", read_only)
    refused(finetune_argv(tmp_path), r"the run store .*store is not writable \(.*Permission denied")
    assert not (tmp_path / "out").exists()


# 7 and 21. a full disk, and a safetensors file cut short

def full_disk(monkeypatch):
    """save_pretrained's weights file: half written, then the disk is full."""
    import transformers.modeling_utils as mu
    real = mu.safe_save_file

    def fail(tensors, filename, *args, **kwargs):
        real(tensors, filename, *args, **kwargs)
        Path(filename).write_bytes(Path(filename).read_bytes()[:100])
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")
    monkeypatch.setattr(mu, "safe_save_file", fail)


def test_drop_onto_a_full_disk_is_a_message(tiny, tmp_path, monkeypatch):
    full_disk(monkeypatch)
    refused(["drop", str(tiny), "--k", "1", "--out", str(tmp_path / "out")],
            r"cannot write the checkpoint for .*out \(.*No space left on device.*\); is the disk full\?")
    assert list(tmp_path.iterdir()) == []


def test_finetune_onto_a_full_disk_keeps_no_record(tmp_path, monkeypatch):
    full_disk(monkeypatch)
    quiet = lambda argv: quietly(refused, argv, r"cannot write the checkpoint into .*is the disk full\? No record")
    quiet(finetune_argv(tmp_path, "--max-train", "4", "--max-eval", "2"))
    assert not list((tmp_path / "store").glob("runs/*.json")) and not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


@pytest.mark.parametrize("command", ["info", "drop", "finetune"])
def test_a_truncated_safetensors_file_is_named(tiny, tmp_path, command, no_training):
    model = copy_model(tiny, tmp_path / "model")
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    argv = {"info": ["info", str(model)], "drop": ["drop", str(model), "--k", "1", "--out", str(tmp_path / "o")],
            "finetune": finetune_argv(tmp_path, model=str(model))}[command]
    refused(argv, rf"{re.escape(str(weights))}: not a complete safetensors file \(.*\); the checkpoint was cut short")
    assert not (tmp_path / "o").exists() and not (tmp_path / "out").exists()


# 8. --name is a plain name, never a path

@pytest.mark.parametrize("name", ["../../../x", "/tmp/elsewhere", "a/b", ".."])
def test_a_task_name_that_is_a_path_is_refused(tmp_path, no_training, name):
    refused(finetune_argv(tmp_path, "--name", name), rf"task name {re.escape(repr(name))} is not a plain name")
    assert not (tmp_path / "x").exists() and not Path("/tmp/elsewhere").exists()


def test_a_derived_task_name_never_leaves_results_own():
    with pytest.raises(ValueError, match="would put the run store outside results/own/"):
        own_data.default_store("..")


# 9. a record without config: reported and skipped by sweep and compare

def test_a_record_without_config_is_skipped_with_a_warning(tmp_path):
    profile = load_profile("smoke").with_overrides(prune_models=["tiny-random/bert"], reference_models=[],
                                                   baseline_seeds=[], strategies=["top"], ks=[1], model_ks={})
    bad = records.run_path(tmp_path, "0123456789abcdef")
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"run_id": "0123456789abcdef", "metrics": {"score": 0.5}, "dropped": []}))
    with pytest.warns(UserWarning, match=r"0123456789abcdef.json has no config; it is not reused"):
        (rec,) = sweep(profile, store_dir=tmp_path, log=lambda *a: None)
    assert rec.run_id == records.run_id(expand_grid(profile)[0])


# 10. profiles: one schema, errors that name the file, the key and the expected type

def profile_file(tmp_path, **changes):
    data = {"name": "mine", "models": {"prune": ["tiny-random/bert"]}, "strategies": ["top"], "ks": [1],
            "tasks": ["rte"], "seeds": [42], "train": {"learning_rate": 2.0e-5, "epochs": 1}, **changes}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}, sort_keys=False))
    return path


@pytest.mark.parametrize("changes,message", [
    (dict(trian={"epochs": 1}), r"unknown key `trian` \(did you mean `train`\?\); known here: name, models"),
    (dict(models={"prune": ["tiny-random/bert"], "refrence": ["x"]}),
     r"unknown key `models.refrence` \(did you mean `reference`\?\)"),
    (dict(kss=[2]), r"unknown key `kss` \(did you mean `ks`\?\)"),
    (dict(ks=2), r"`ks` should be a valid list, got 2"),
    (dict(seeds=42), r"`seeds` should be a valid list, got 42"),
    (dict(ks="two"), r"`ks` should be a valid list, got 'two'"),
    (dict(ks=[1, "two"]), r"`ks.1` should be a valid integer, got 'two'"),
    (dict(train={"learning_rate": "1e-3"}),
     r"`train.learning_rate` should be a valid number, got '1e-3' \(YAML reads a number like 1e-3 as text"),
    (dict(train={"epochs": 0}), r"`train.epochs` should be greater than 0, got 0"),
    (dict(train={"bf16": True}), r"`train.bf16`: train.bf16 is no longer a setting: use the top-level "
                                 r"`precision:` key \(auto\|fp32\|bf16\|fp16\)"),
    (dict(precision="fp8"), r"`precision` should be 'auto', 'fp32', 'bf16' or 'fp16', got 'fp8'"),
    (dict(jobs="2"), r"`jobs` should be a valid integer, got '2'"),
    (dict(cell_seeds=[{"ks": [2]}]), r"`cell_seeds.0.seeds` is missing \(required\)"),
    (dict(cell_seeds=[{"seeds": [1], "k": [2]}]), r"unknown key `cell_seeds.0.k` \(did you mean `ks`\?\)"),
    (dict(models={"prune": [{"id": "tiny-random/bert", "ks": 1}]}), r"`models.prune.0.ks` should be a valid list"),
    (dict(strategies=["top", "middle-out"]), r"`strategies`: unknown strategies \['middle-out'\]; known: top"),
])
def test_a_profile_mistake_names_the_file_the_key_and_the_type(tmp_path, changes, message):
    path = profile_file(tmp_path, **changes)
    with pytest.raises(ValueError) as err:
        load_profile(path)
    assert str(err.value).startswith(f"profile {path}: ") and "\n" not in str(err.value), str(err.value)
    assert re.search(message, str(err.value)), str(err.value)


def test_the_new_top_level_keys_load(tmp_path, monkeypatch):
    rules = [{"models": ["tiny-random/bert"], "ks": [1], "seeds": [1, 2, 3]}, {"strategies": ["top"], "seeds": [7]}]
    p = load_profile(profile_file(tmp_path, precision="bf16", cell_seeds=rules))
    assert p.precision == "bf16" and p.cell_seeds == rules and not hasattr(p, "compare")
    p = load_profile(profile_file(tmp_path))
    assert p.precision == "auto" and p.cell_seeds == [] and p.train["epochs"] == 1
    monkeypatch.setitem(STRATEGIES, "new-one", "a strategy another module registers later")
    assert load_profile(profile_file(tmp_path, strategies=["new-one"])).strategies == ["new-one"]


# 11. --max-length past the model's positions, or 0

def test_max_length_is_checked_against_the_model(tmp_path, tiny, no_training):
    refused(finetune_argv(tmp_path, "--max-length", "1024", model=str(tiny)),
            r"max_length \(--max-length\) 1024: .* takes at most 64 tokens \(its position table\); give 64 or less")
    refused(finetune_argv(tmp_path, "--max-length", "0"), r"`max_length` \(--max-length\) should be greater than or equal to 1")


# 12. Parquet list columns

def test_parquet_list_cells_are_named(tmp_path):
    good = pd.DataFrame({"text": ["a", "b", "c", "d"], "label": ["x", "y", "x", "y"]})
    good.to_parquet(tmp_path / "eval.parquet")
    lists = [["a"], ["b", "c"], ["d"], ["e"]]  # a Parquet list column: numpy arrays once read
    pd.DataFrame({"text": lists, "label": ["x", "y", "x", "y"]}).to_parquet(tmp_path / "t1.parquet")
    pd.DataFrame({"text": ["a", "b", "c", "d"], "label": lists}).to_parquet(tmp_path / "t2.parquet")
    for name, column in (("t1", "text"), ("t2", "label")):
        with pytest.raises(ValueError) as err:
            describe({"train": str(tmp_path / f"{name}.parquet"), "eval": str(tmp_path / "eval.parquet"),
                      "text": "text", "label": "label"}, **QUIET)
        assert f"{name}.parquet, column '{column}', row 1: a list or object, not" in str(err.value)
        assert "(4 such rows: 1, 2, 3, 4)" in str(err.value)


# 13. a header naming a column twice

def test_duplicate_header_names_are_an_error(tmp_path):
    msg = mistake(tmp_path, ["a,pos,b", "c,neg,d"], header="text,label,text")
    assert "train.csv, row 1 (the header): column name(s) 'text' appear more than once" in msg


# 14. a regression eval whose correlation is undefined

@pytest.mark.parametrize("eval_rows", [["u,1.5"], ["u,2.0", "v,2.0"]], ids=["one-row", "constant"])
def test_a_regression_eval_without_a_defined_correlation_is_refused(tmp_path, eval_rows):
    msg = mistake(tmp_path, ["a,0.5", "b,1.25", "c,3.5"], eval_rows=eval_rows)
    assert "eval.csv, column 'label': " in msg and "undefined unless the eval labels vary" in msg


# 15. eval identical to train, and --text-pair equal to --text

def test_eval_identical_to_train_warns(tmp_path):
    train, _ = files(tmp_path)
    with pytest.warns(UserWarning, match=r"the eval data is the train data .*train.csv"):
        describe({"train": str(train), "eval": str(train), "text": "text", "label": "label"}, **QUIET)


def test_a_text_pair_equal_to_the_text_is_refused(tmp_path, no_training):
    refused(finetune_argv(tmp_path, "--text-pair", "text"), r"the text pair names column 'text' twice")


# 16. YAML syntax errors and unknown tags: one line, with the file and line

@pytest.mark.parametrize("text,problem", [
    ("name: mine\nks: [1, 2\nseeds: [1]\n", r"line \d+, column \d+: not valid YAML \(.*\)$"),
    ("name: !!python/object:os.system x\n", r"line 1, column 7: not valid YAML \(could not determine a constructor"),
])
def test_a_yaml_mistake_is_one_line(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    message = refused(["sweep", "--profile", str(path), "--dry-run"], rf"^poorman sweep: profile {re.escape(str(path))}:")
    assert "\n" not in message and re.search(problem, message), message


# 17 and 18. the finetune's folders: the user's umask; a kill -9's hidden folder removed next time

def test_finetune_keeps_the_umask_and_removes_a_killed_runs_folder(tmp_path):
    import fcntl
    left = tmp_path / ".out.k3x9_q2z"  # as mkdtemp named it before
    left.mkdir()
    (left / "model.safetensors").write_bytes(b"half")
    mine = tmp_path / ".out.snapshot"  # the user's own: not a training's
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    live = tmp_path / ".out.partial-0badc0de"  # a finetune running now
    live.mkdir()
    held = os.open(live, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    mask = os.umask(0o022)
    try:
        quietly(main, finetune_argv(tmp_path, "--max-train", "4", "--max-eval", "2"))
    finally:
        os.umask(mask)
        os.close(held)
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert not left.exists() and live.exists() and mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [live.name, mine.name]


# 19. --max-train 0, --batch-size 0, --lr -0.5 before the model loads; compare --out FILE before training

@pytest.mark.parametrize("flag,value,setting", [("--max-train", "0", "max_train"), ("--batch-size", "0", "batch_size"),
                                                ("--lr", "-0.5", "learning_rate"), ("--max-eval", "0", "max_eval")])
def test_bad_training_settings_are_refused_before_loading(tmp_path, no_training, flag, value, setting):
    refused(finetune_argv(tmp_path, flag, value), rf"training settings: `{setting}` \({flag}\) should be greater")


def test_compare_out_that_is_a_file_is_refused_before_training(tmp_path, no_training, monkeypatch):
    monkeypatch.setattr(own_data, "sweep", lambda *a, **k: pytest.fail("trained before checking --out"))
    (tmp_path / "report").write_text("a file")
    argv = [a if a != "finetune" else "compare" for a in finetune_argv(tmp_path)]
    argv[argv.index("--out") + 1] = str(tmp_path / "report")
    refused(argv, r"--out .*report: is a file; compare writes compare.csv and tradeoff.png into a folder")


# 20. compare's outputs are written whole or not at all

def test_compare_outputs_are_written_atomically(tmp_path, monkeypatch):
    table = pd.DataFrame([dict(variant="full", strategy="none", k=0, layers="6/6", dropped="-", score=0.5,
                               ci_low=float("nan"), ci_high=float("nan"), seeds=1, params_m=1.0, latency_ms=1.0,
                               speedup=1.0, frontier=True)])
    table.attrs.update(task="t", model="m", store=str(tmp_path), latency={})
    monkeypatch.setattr(own_data, "compare", lambda *a, **k: table)

    class FullDisk:
        def savefig(self, path, **kwargs):
            Path(path).write_bytes(b"\x89PNG half")
            raise OSError(28, "No space left on device")
    monkeypatch.setattr("poorman.book.plots.tradeoff_plot", lambda table: FullDisk())
    argv = [a if a != "finetune" else "compare" for a in finetune_argv(tmp_path)]
    refused(argv, r"No space left on device")
    assert (tmp_path / "out" / "compare.csv").is_file()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["compare.csv"]  # no PNG, whole or partial


def test_max_positions_of_the_families():
    from transformers import GPT2Config, MPNetConfig, RobertaConfig, XLNetConfig
    from poorman.experiments.models import max_positions
    assert max_positions(BertConfig(max_position_embeddings=512)) == 512
    assert max_positions(MPNetConfig(max_position_embeddings=514, pad_token_id=1)) == 512  # MPNet-base
    assert max_positions(RobertaConfig(max_position_embeddings=514, pad_token_id=1)) == 512
    assert max_positions(GPT2Config(n_positions=1024)) == 1024
    assert max_positions(XLNetConfig()) is None
