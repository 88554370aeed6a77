"""Your own data: task descriptions, their checks, and `poorman finetune` / `poorman compare`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from poorman.cli import main
from poorman.experiments.data import load_split
from poorman.experiments.run.planning import run_spec
from poorman.own.api import sample_data
from poorman.experiments.data.own_task import describe
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import records
from poorman.experiments.sweep import expand_grid, plan, sweep
from poorman.experiments.data.tasks import get_task

ROOT = Path(__file__).resolve().parent.parent
QUIET = dict(log=lambda *_: None)


def csv(path, rows, header="text,label"):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def pair(tmp_path, train_rows, eval_rows=("good,pos", "bad,neg"), header="text,label"):
    return csv(tmp_path / "train.csv", train_rows, header), csv(tmp_path / "eval.csv", eval_rows, header)


TRAIN = ["great film,pos", "dull,neg", "fine,pos", "awful,neg"]


def desc(train, eval_, **kw):
    return {"name": "reviews", "train": str(train), "eval": str(eval_), "text": "text", "label": "label", **kw}


def mistake(tmp_path, train_rows, eval_rows=("good,pos", "bad,neg"), header="text,label", **kw):
    train, eval_ = pair(tmp_path, train_rows, eval_rows, header)
    with pytest.raises((ValueError, OSError)) as err:
        describe(desc(train, eval_, **kw), **QUIET)
    return str(err.value)


# ----------------------------------------------------------------------------- data mistakes

def test_empty_text_cell_names_file_column_and_spreadsheet_row(tmp_path):
    msg = mistake(tmp_path, ["great film,pos", "dull,neg", ",pos", "awful,neg", ",neg"])
    assert "train.csv, column 'text', row 4 (the header is row 1): empty text (2 such rows: 4, 6)" in msg


def test_empty_label_cell(tmp_path):
    msg = mistake(tmp_path, TRAIN, eval_rows=["good,pos", "bad, "])
    assert "eval.csv, column 'label', row 3 (the header is row 1): empty label" in msg


def test_missing_texts_in_json_lines_and_blank_lines_keep_their_numbers(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"text": "a", "label": 1}\n\n{"text": "b", "label": 0}\n'
                                          '{"label": 1}\n{"text": "c", "label": 0}\n')
    csv(tmp_path / "eval.csv", ["x,1", "", "", ",0"])
    with pytest.raises(ValueError, match=r"train.jsonl, column 'text', line 4: empty text"):
        describe(desc(tmp_path / "train.jsonl", tmp_path / "eval.csv"), **QUIET)
    (tmp_path / "train.jsonl").write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n{"text": "c", "label": 1}\n')
    with pytest.raises(ValueError, match=r"eval.csv, column 'text', row 5 \(the header is row 1\): empty text"):
        describe(desc(tmp_path / "train.jsonl", tmp_path / "eval.csv"), **QUIET)


def test_empty_file(tmp_path):
    train, eval_ = pair(tmp_path, TRAIN)
    train.write_text("")
    with pytest.raises(ValueError) as err:
        describe(desc(train, eval_), **QUIET)
    assert "train.csv: the file is empty (0 bytes)" in str(err.value)
    assert "columns 'text', 'label' (row 1)" in str(err.value)


def test_header_only_file(tmp_path):
    msg = mistake(tmp_path, [], header="text,label")
    assert "train.csv: only a header row (row 1: text, label), no examples" in msg


def test_label_column_equal_to_a_text_column(tmp_path):
    msg = mistake(tmp_path, TRAIN, label="text")
    assert "train.csv" in msg and "column 'text' is both a text column and the label" in msg


def test_as_many_classes_as_rows(tmp_path):
    msg = mistake(tmp_path, ["a,x1", "b,x2", "c,x3", "d,x4"], eval_rows=["e,x1"], header="text,label")
    assert "train.csv, column 'label': 4 classes in 4 rows" in msg and "rows 2 to 5 (the header is row 1)" in msg


def test_eval_class_absent_from_train(tmp_path):
    msg = mistake(tmp_path, TRAIN, eval_rows=["good,pos", "so-so,neutral", "bad,neg"])
    assert "eval.csv, column 'label', row 3 (the header is row 1): class 'neutral' is not in the train file" in msg


def test_single_class(tmp_path):
    msg = mistake(tmp_path, ["a,pos", "b,pos", "c,pos"], eval_rows=["d,pos"])
    assert "train.csv, column 'label': a single class ('pos') in every row (rows 2 to 4 (the header is row 1))" in msg


def test_other_mistakes_name_their_place(tmp_path):
    assert "train.csv: no label column 'stars'; its columns are 'text', 'label'" in mistake(tmp_path, TRAIN, label="stars")
    msg = mistake(tmp_path, TRAIN, label_names=["neg", "positive"])
    assert "train.csv, column 'label', row 2 (the header is row 1): label 'pos' is not in label_names" in msg
    msg = mistake(tmp_path, ["a,0.5", "b,x", "c,1.5"], eval_rows=["d,1"], regression=True)
    assert "train.csv, column 'label', row 3 (the header is row 1): label 'x' is not a number" in msg
    assert "unknown keys ['labels']" in mistake(tmp_path, TRAIN, labels="x")
    assert "task name 'SST-2' is a GLUE task's" in mistake(tmp_path, TRAIN, name="SST-2")
    with pytest.raises(ValueError, match=r"reviews.txt: unknown format '.txt'"):
        describe(desc(tmp_path / "reviews.txt", tmp_path / "eval.csv"), **QUIET)
    msg = mistake(tmp_path, ['"unclosed,pos', "b,neg"])
    assert "train.csv: not a well-formed CSV file" in msg


def test_cli_fails_before_training(tmp_path, capsys):
    train, eval_ = pair(tmp_path, ["a,pos", ",neg", "c,pos"])
    with pytest.raises(SystemExit, match="train.csv, column 'text', row 3"):
        main(["finetune", "tiny-random/bert", "--train", str(train), "--eval", str(eval_), "--text", "text",
              "--label", "label", "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- the task and its spec

def test_canonical_description_labels_and_content_keyed_ids(tmp_path, capsys):
    train, eval_ = pair(tmp_path, TRAIN + ['"two\nlines",neg'])
    spec = describe(desc(train, eval_))
    assert "reviews: label ids 0=neg, 1=pos (sorted names" in capsys.readouterr().out
    assert spec["label_names"] == ["neg", "pos"] and spec["metrics"] == ["accuracy", "macro_f1"]
    assert spec["train"]["path"] == str(train.resolve()) and len(spec["train"]["sha256"]) == 64
    task = get_task(spec)
    assert task.name == "reviews" and task.spec == spec and task.label_names == ("neg", "pos")
    ds = load_split(spec, "train")
    assert ds["text"][-1] == "two\nlines" and ds["label"] == [1, 0, 1, 0, 0]
    assert load_split(task, "validation")["label"] == [1, 0]
    # label_names choose the order; labels may also be ids
    assert describe(desc(train, eval_, label_names=["pos", "neg"]), **QUIET)["label_names"] == ["pos", "neg"]
    prof = load_profile("smoke")
    rid = records.run_id(run_spec(prof, "tiny-random/bert", "baseline", "none", 0, spec, 42))
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "copy.csv").write_bytes(train.read_bytes())  # the same bytes elsewhere: the same run id
    copy = describe(desc(moved / "copy.csv", eval_), **QUIET)
    assert copy["train"]["path"] != spec["train"]["path"]
    assert records.run_id(run_spec(prof, "tiny-random/bert", "baseline", "none", 0, copy, 42)) == rid
    csv(train, TRAIN + ["meh,neg"])
    with pytest.raises(ValueError, match="train.csv changed since this task was described"):
        load_split(spec, "train")
    new = describe(desc(train, eval_), **QUIET)
    assert records.run_id(run_spec(prof, "tiny-random/bert", "baseline", "none", 0, new, 42)) != rid


def test_regression_detected_and_pairs(tmp_path):
    train, eval_ = pair(tmp_path, ["a,b,0.5", "c,d,4.25", "e,f,3"], ["g,h,1.5", "i,j,2"], header="s1,s2,score")
    spec = describe({"train": str(train), "eval": str(eval_), "text": ["s1", "s2"], "label": "score"}, **QUIET)
    assert spec["regression"] and spec["label_names"] == [] and spec["metrics"] == ["pearson", "spearmanr"]
    task = get_task(spec)
    assert task.is_regression and task.text_fields == ("s1", "s2")
    assert load_split(task, "train")["label"] == [0.5, 4.25, 3.0]


def test_parquet_files_and_a_hub_style_dataset(tmp_path):
    from datasets import ClassLabel, Dataset, Features, Value
    feats = Features({"t": Value("string"), "y": ClassLabel(names=["yes", "no"])})
    folder = tmp_path / "reviews"
    folder.mkdir()
    Dataset.from_dict({"t": ["a", "b", "c"], "y": [1, 0, 1]}, features=feats).to_parquet(folder / "train.parquet")
    Dataset.from_dict({"t": ["d", "e"], "y": [0, 1]}, features=feats).to_parquet(folder / "test.parquet")
    hub = describe({"train": {"hub": str(folder), "split": "train"}, "eval": {"hub": str(folder), "split": "test"},
                    "text": "t", "label": "y"}, **QUIET)
    assert hub["label_names"] == ["yes", "no"] and hub["name"] == "reviews"  # the dataset's ClassLabel order
    assert load_split(hub, "validation")["label"] == [0, 1] and "sha256" not in hub["train"]
    pd.DataFrame({"t": ["a", "b", None], "y": ["p", "q", "p"]}).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match=r"bad.parquet, column 't', row 3: empty text"):
        describe(desc(tmp_path / "bad.parquet", tmp_path / "bad.parquet", text="t", label="y"), **QUIET)


def test_profile_with_a_task_description(tmp_path):
    pair(tmp_path, TRAIN)
    (tmp_path / "mine.yaml").write_text(
        (ROOT / "poorman/profiles/smoke.yaml").read_text().replace(
            "tasks: [rte]", "tasks:\n  - rte\n  - {name: reviews, train: train.csv, eval: eval.csv, text: text, label: label}")
        + "task_train: {reviews: {epochs: 2}}\n")
    prof = load_profile(tmp_path / "mine.yaml")
    assert prof.tasks[0] == "rte" and prof.tasks[1]["train"]["path"] == str((tmp_path / "train.csv").resolve())
    assert prof.train_for("reviews")["epochs"] == 2
    specs = [s for s in expand_grid(prof) if isinstance(s.task, dict)]
    assert specs and all(s.train["epochs"] == 2 for s in specs)
    halves = [plan(prof, (i, 2), tmp_path / "store")[0] for i in range(2)]
    assert sorted(map(records.run_id, halves[0] + halves[1])) == sorted(map(records.run_id, expand_grid(prof)))
    logged = []
    sweep(prof, tasks=["reviews"], store_dir=tmp_path / "store", dry_run=True, log=logged.append)
    assert f"{len(specs)} runs" in logged[0]  # --tasks picks the description by its name
    from poorman.experiments.data.floor import constant_scores
    assert constant_scores(prof, [prof.tasks[1]]) == {"reviews": pytest.approx(0.5 / 2 + 1 / 3 / 2)}
    (tmp_path / "eval.csv").write_text("text,label\ngood,pos\nso-so,meh\n")
    with pytest.raises(ValueError, match=r"mine.yaml, task 'reviews': .*eval.csv, column 'label', row 3"):
        load_profile(tmp_path / "mine.yaml")


def test_calibration_texts_from_a_column(tmp_path):
    from poorman.cli import _calibration_texts
    path = csv(tmp_path / "cal.csv", ['"first\nline",x', "second,y"], header="review,label")
    assert _calibration_texts(f"{path}:review", 10) == ["first\nline", "second"]
    (tmp_path / "cal.txt").write_text("one\ntwo\tpair\n")
    assert _calibration_texts(str(tmp_path / "cal.txt"), 10) == ["one", ("two", "pair")]
    with pytest.raises(ValueError, match="cal.csv: no text column 'text'"):
        _calibration_texts(f"{path}:text", 10)


# ----------------------------------------------------------------------------- compare and finetune

def sst2_csv(tmp_path):
    """SST-2 rows as a user's CSV: string labels and an extra column (the bundled sample)."""
    data = sample_data()
    frame = pd.read_csv(data["train"])
    assert set(frame.sentiment) == {"negative", "positive"} and "glue_row" in frame
    return data


def test_compare_then_finetune_on_a_tiny_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = sst2_csv(tmp_path)
    common = ["tiny-random/bert", "--train", data["train"], "--eval", data["eval"], "--text", "sentence",
              "--label", "sentiment", "--store", "store", "--max-train", "48", "--max-eval", "32", "--epochs", "1"]
    main(["compare", *common, "--strategies", "top", "contribution", "--ks", "1", "2", "--out", "report"])
    out = capsys.readouterr().out
    assert "label ids 0=negative, 1=positive" in out and "One seed: no interval" in out
    assert "train_runtime" not in out and "eval_loss" not in out  # quiet: no Trainer metric dicts
    assert "timed side by side, one model per depth" in out  # not each run's timing under its own load
    table = pd.read_csv(tmp_path / "report/compare.csv")
    assert list(table.variant[:1]) == ["full"] and set(table.variant) == {
        "full", "top-1", "top-2", "contribution-1", "contribution-2"}
    assert table.ci_low.isna().all() and (table.seeds == 1).all() and table.frontier.any()
    assert table.loc[table.variant == "top-2", "layers"].item() == "4/6"
    for row in table.itertuples():  # the mark: no other variant is as good and as fast
        dominated = ((table.score >= row.score) & (table.latency_ms <= row.latency_ms)
                     & ((table.score > row.score) | (table.latency_ms < row.latency_ms))).any()
        assert row.frontier == (not dominated)
        assert (f"* {row.variant}" in out) == row.frontier
    assert (tmp_path / "report/tradeoff.png").read_bytes()[:4] == b"\x89PNG"
    import poorman
    assert set(poorman.results(store_dir=tmp_path / "store").task) == {"sst2-own"}  # the files' common name, not GLUE's
    main(["compare", *common, "--strategies", "top", "--ks", "2"])  # resumes: nothing to train
    assert "0 to run" in capsys.readouterr().out

    main(["finetune", *common, "--strategy", "top", "--k", "2", "--out", "ckpt"])
    top2 = table.loc[table.variant == "top-2", "score"].item()
    out = capsys.readouterr().out
    assert f"score {top2:.4f}" in out  # the same run as compare's: the same model
    assert "train_runtime" not in out and "eval_loss" not in out
    card = (tmp_path / "ckpt/README.md").read_text()
    assert "tiny-random/bert" in card and "4 of 6 kept" in card and "5, 6 (1-based" in card
    assert "0=negative, 1=positive" in card and "poorman finetune tiny-random/bert" in card
    check = ("import json, sys\nfrom transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
             "m = AutoModelForSequenceClassification.from_pretrained('ckpt')\n"
             "t = AutoTokenizer.from_pretrained('ckpt')\nlogits = m(**t(['a fine film'], return_tensors='pt')).logits\n"
             "print(json.dumps({'labels': m.config.id2label, 'layers': m.config.num_hidden_layers,"
             " 'poorman': 'poorman' in sys.modules, 'pred': m.config.id2label[int(logits.argmax())]}))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    got = json.loads(subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True,
                                    text=True, check=True).stdout.strip().splitlines()[-1])
    assert got["labels"] == {"0": "negative", "1": "positive"} and got["layers"] == 4 and not got["poorman"]
    assert got["pred"] in ("negative", "positive")
    with pytest.raises(SystemExit, match="exists and is not an empty folder"):
        main(["finetune", *common, "--out", "ckpt"])


@pytest.mark.slow
@pytest.mark.real
def test_finetune_a_real_model_on_a_few_dozen_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = sample_data()
    main(["finetune", "sentence-transformers/all-MiniLM-L6-v2", "--train", data["train"], "--eval", data["eval"],
          "--text", "sentence", "--label", "sentiment", "--max-train", "32", "--max-eval", "32", "--epochs", "1",
          "--strategy", "top", "--k", "2", "--store", "store", "--out", "minilm-4"])
    assert "4 of 6 layers" in capsys.readouterr().out
    from transformers import AutoConfig
    config = AutoConfig.from_pretrained(tmp_path / "minilm-4")
    assert config.num_hidden_layers == 4 and config.id2label == {0: "negative", 1: "positive"}
    assert "all-MiniLM-L6-v2" in (tmp_path / "minilm-4/README.md").read_text()


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Your own data"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "tradeoff.png").is_file() and (tmp_path / "bert-4/README.md").is_file()
    assert (tmp_path / "results/own/sst2-sample/runs").is_dir()


def _card_record(median_ms):
    train = {"epochs": 2, "learning_rate": 5e-5, "batch_size": 8, "max_length": 64, "max_train": None}
    return {"config": {"model": "m", "strategy": "top", "k": 2, "profile": "cpu", "seed": 42, "train": train},
            "env": {"processor": "x86_64", "cpu_threads": 2}, "latency": {"median_ms": median_ms, "batch_size": 8,
            "seq_len": 64}, "metrics": {"accuracy": 0.8, "score": 0.8}, "num_eval_examples": {"validation": 10},
            "params": {"total": 1e6, "layers": 5e5}, "checkpoint_bytes": 4e6, "dropped": [4, 5],
            "num_layers": 4, "original_layers": 6, "num_train_examples": 20, "run_id": "abc"}


def test_card_shows_one_latency_the_side_by_side_one_when_given():
    from poorman.own.card import model_card
    source = {"path": "/data/train.csv", "sha256": "0" * 64}
    task = {"name": "t", "text": ["sentence"], "label": "y", "label_names": ["no", "yes"], "regression": False,
            "metrics": ["accuracy"], "train": source, "eval": source}
    own = model_card(_card_record(35.6), task, "t")
    assert "35.6 ms" in own and "side by side" not in own
    compared = model_card(_card_record(35.6), task, "t", latency_ms=33.7)
    assert "33.7 ms" in compared and "35.6" not in compared and "side by side" in compared
    assert compared.count("| latency |") == 1


def test_a_card_of_the_full_model_does_not_say_layers_were_dropped():
    from poorman.own.card import model_card
    source = {"path": "/data/train.csv", "sha256": "0" * 64}
    task = {"name": "t", "text": ["sentence"], "label": "y", "label_names": ["no", "yes"], "regression": False,
            "metrics": ["accuracy"], "train": source, "eval": source}
    full = {**_card_record(30.0), "dropped": [], "num_layers": 6}
    card = model_card(full, task, "t")
    assert "`m`, all 6 layers kept, fine-tuned on t with poorman." in card and "Poor Man" not in card
    assert "with 2 of its 6 layers dropped before fine-tuning" in model_card(_card_record(30.0), task, "t")
