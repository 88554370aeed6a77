import hashlib
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import transformers
from datasets import ClassLabel, Dataset, Features, Value
from transformers import DataCollatorWithPadding

from poorman.experiments.data import load as data
from poorman.experiments.data.load import load_glue, local_splits, subsample, tokenize
from poorman.experiments.data.tasks import TASKS, Task, get_task

# Rows and label counts (by Hub label id) of the full files: GLUE's own (and the Hub's) row counts.
FULL = {
    ("cola", "validation"): (1043, None), ("cola", "train"): (8551, {1: 6023, 0: 2528}),
    ("sst2", "validation"): (872, None), ("sst2", "train"): (67349, {1: 37569, 0: 29780}),
    ("mrpc", "validation"): (408, {1: 279, 0: 129}), ("mrpc", "train"): (3668, {1: 2474, 0: 1194}),
    ("stsb", "validation"): (1500, None), ("stsb", "train"): (5749, None),
    ("qnli", "validation"): (5463, {0: 2702, 1: 2761}),
    ("rte", "validation"): (277, None), ("rte", "train"): (2490, {0: 1249, 1: 1241}),
    ("wnli", "validation"): (71, None), ("wnli", "train"): (635, {0: 323, 1: 312}),
}
# The same for tests/fixtures/glue: the first 48 rows of each file.
FIXTURE = {
    ("cola", "validation"): {1: 33, 0: 15}, ("cola", "train"): {1: 39, 0: 9},
    ("sst2", "validation"): {1: 23, 0: 25}, ("sst2", "train"): {1: 22, 0: 26},
    ("mrpc", "validation"): {1: 28, 0: 20}, ("mrpc", "train"): {1: 30, 0: 18},
    ("stsb", "validation"): None, ("stsb", "train"): None, ("qnli", "validation"): {0: 25, 1: 23},
    ("rte", "validation"): {0: 25, 1: 23}, ("rte", "train"): {0: 24, 1: 24},
    ("wnli", "validation"): {0: 28, 1: 20}, ("wnli", "train"): {0: 25, 1: 23},
}


def hub_features(task):
    """nyu-mll/glue's schema, built from the registry the way the Hub's glue.py builds it."""
    feats = {f: Value("string") for f in task.text_fields}
    feats["label"] = ClassLabel(names=list(task.label_names)) if task.label_names else Value("float32")
    return Features(feats | {"idx": Value("int32")})


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(data.GLUE_DIR_ENV, raising=False)
    data.clear_cache()


def check_split(ds, task, rows, counts):
    assert len(ds) == rows
    assert ds.features == hub_features(task)
    assert list(ds.features) == [*task.text_fields, "label", "idx"]  # the Hub's column order
    assert ds["idx"] == list(range(rows))
    if task.is_regression:
        assert 0.0 <= min(ds["label"]) and max(ds["label"]) <= 5.0
    else:
        assert set(ds["label"]) == set(range(task.num_labels))
    if counts:
        assert Counter(ds["label"]) == counts


@pytest.mark.parametrize("name,split", sorted(FIXTURE))
def test_local_split_rows_labels_schema(name, split, glue_dir):
    check_split(load_glue(name, split, glue_dir=glue_dir), get_task(name), 48, FIXTURE[(name, split)])


@pytest.mark.parametrize("name,split", sorted(FULL))
def test_full_size_files(name, split, full_glue):
    check_split(load_glue(name, split, glue_dir=full_glue), get_task(name), *FULL[(name, split)])


def test_hub_conventions_spot_checks(glue_dir):
    sst = load_glue("sst2", "validation", glue_dir=glue_dir)
    assert sst[0] == {"sentence": "it 's a charming and often affecting journey . ", "label": 1, "idx": 0}
    rte = load_glue("rte", "dev", glue_dir=glue_dir)
    assert rte[0]["label"] == 1 and rte.features["label"].int2str(1) == "not_entailment"
    cola = load_glue("cola", "validation", glue_dir=glue_dir)
    assert cola[0] == {"sentence": "The sailors rode the breeze clear of the rocks.", "label": 1, "idx": 0}
    stsb = load_glue("stsb", "train", glue_dir=glue_dir)
    assert stsb[1]["label"] == float(np.float32(3.8))  # float32, like the Hub
    mrpc = load_glue("mrpc", "validation", glue_dir=glue_dir)  # header has a BOM
    assert mrpc[0]["label"] == 1 and mrpc[0]["sentence1"].startswith("He said the foodservice pie")


def test_env_var_and_split_names(monkeypatch, glue_dir):
    monkeypatch.setenv(data.GLUE_DIR_ENV, str(glue_dir))
    assert len(load_glue("WNLI", "dev")) == 48
    assert "train" in local_splits("rte") and local_splits("qnli") == ("validation",)
    with pytest.raises(ValueError, match="test labels are hidden"):
        load_glue("rte", "test")
    with pytest.raises(ValueError, match="source"):
        load_glue("rte", "train", source="disk")


def test_subsampling_is_seeded_and_source_independent(glue_dir):
    full = load_glue("rte", "train", glue_dir=glue_dir)
    a = load_glue("rte", "train", glue_dir=glue_dir, max_examples=20, seed=3)
    b = load_glue("rte", "train", glue_dir=glue_dir, max_examples=20, seed=3)
    c = load_glue("rte", "train", glue_dir=glue_dir, max_examples=20, seed=4)
    assert len(a) == 20 and a["idx"] == b["idx"] and a["sentence1"] == b["sentence1"]
    assert a["idx"] != c["idx"]
    assert a["idx"] == sorted(a["idx"])
    # The same rows datasets' own shuffle(seed).select(range(k)) would pick.
    assert a["idx"] == sorted(full.shuffle(seed=3).select(range(20))["idx"])
    # Depends only on the row count, so a Hub copy with the same rows picks the same ones.
    other = Dataset.from_dict({"x": list(range(len(full)))})
    assert subsample(other, 20, seed=3)["x"] == a["idx"]
    assert set(a["idx"]) <= set(load_glue("rte", "train", glue_dir=glue_dir, max_examples=40, seed=3)["idx"])
    assert len(load_glue("wnli", "validation", glue_dir=glue_dir, max_examples=10_000)) == 48
    with pytest.raises(ValueError):
        subsample(full, 0)


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


MNLI_HEAD = ("index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
             "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label")


def mnli_row(i, s1, s2, gold):
    return f"{i}\t1\t1a\tfiction\t(b)\t(b)\t(p)\t(p)\t{s1}\t{s2}\t{gold}\t{gold}"


def test_qqp_and_mnli_layouts(tmp_path):
    # Layouts absent from the local copy, checked on small files written in their format.
    write(tmp_path / "QQP" / "dev.tsv", [
        "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate",
        '1\t1\t2\tHow do I "learn" Python?\tWhat is the best way to learn Python?\t1',
        "2\t3\t4\ttruncated row",  # missing fields: the Hub drops it but counts it in idx
        "",
        "3\t5\t6\tWhy?\tWhy not?\t0",
    ])
    qqp = load_glue("qqp", "validation", glue_dir=tmp_path)
    assert qqp.features == hub_features(get_task("qqp"))
    assert qqp["question1"] == ['How do I "learn" Python?', "Why?"]
    assert qqp["label"] == [1, 0] and qqp["idx"] == [0, 2]
    write(tmp_path / "MNLI" / "dev_matched.tsv",
          [MNLI_HEAD, mnli_row(0, "A b.", "C d.", "neutral"), mnli_row(1, "E.", "F.", "contradiction")])
    write(tmp_path / "MNLI" / "dev_mismatched.tsv", [MNLI_HEAD, mnli_row(0, "G.", "H.", "entailment")])
    m = load_glue("MNLI-m", "validation", glue_dir=tmp_path)
    assert m.features == hub_features(get_task("mnli"))
    assert m[0] == {"premise": "A b.", "hypothesis": "C d.", "label": 1, "idx": 0} and m[1]["label"] == 2
    assert load_glue("mnli", "validation_mismatched", glue_dir=tmp_path)["premise"] == ["G."]
    assert load_glue("MNLI-mm", "validation", glue_dir=tmp_path)["premise"] == ["G."]


def test_missing_task_and_file_errors(glue_dir):
    with pytest.raises(FileNotFoundError, match=r"QQP.*source='hub'"):
        load_glue("qqp", "train", glue_dir=glue_dir)
    with pytest.raises(FileNotFoundError, match=r"MNLI/dev_matched\.tsv"):
        load_glue("mnli", "validation_matched", glue_dir=glue_dir)
    with pytest.raises(FileNotFoundError, match=r"QNLI/train\.tsv does not exist.*index, question, sentence, label"):
        load_glue("qnli", "train", glue_dir=glue_dir)


def test_missing_dir_column_and_label_errors(tmp_path):
    gone = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as e:
        load_glue("rte", "train", glue_dir=gone)
    assert str(gone) in str(e.value) and "RTE/train.tsv with columns index, sentence1, sentence2, label" in str(e.value)
    with pytest.raises(ValueError, match="unknown task"):
        load_glue("squad", "train", glue_dir=tmp_path)
    write(tmp_path / "RTE" / "dev.tsv", ["index\tpremise\thypothesis\tlabel", "0\ta\tb\tentailment"])
    with pytest.raises(ValueError, match=r"RTE/dev\.tsv: missing column\(s\) sentence1, sentence2"):
        load_glue("rte", "validation", glue_dir=tmp_path)
    write(tmp_path / "RTE" / "dev.tsv", ["index\tsentence1\tsentence2\tlabel", "0\ta\tb\tmaybe"])
    with pytest.raises(ValueError, match=r"line 2: unknown label 'maybe'"):
        load_glue("rte", "validation", glue_dir=tmp_path)
    write(tmp_path / "CoLA" / "dev.tsv", ["gj04\t1\tjust three columns"])
    with pytest.raises(ValueError, match="expected no header row; columns source, label"):
        load_glue("cola", "validation", glue_dir=tmp_path)
    with pytest.raises(ValueError, match="needs glue_dir"):
        load_glue("rte", "train", source="tsv")


def test_the_data_source_names_the_files_and_fails_early_on_a_missing_one(monkeypatch, glue_dir, tmp_path):
    source = data.data_source("rte", glue_dir)
    assert source["glue"] == "tsv" and source["path"] == str(glue_dir.resolve())
    assert source["sha256"]["train"] == hashlib.sha256((glue_dir / "RTE" / "train.tsv").read_bytes()).hexdigest()
    monkeypatch.setenv(data.GLUE_DIR_ENV, str(glue_dir))
    with pytest.raises(FileNotFoundError) as err:
        data.data_source("qnli", glue_dir)  # the copy has QNLI's dev.tsv only
    assert "QNLI/train.tsv does not exist" in str(err.value) and "named by $POORMAN_GLUE_DIR" in str(err.value)
    gone = tmp_path / "nowhere"
    monkeypatch.setenv(data.GLUE_DIR_ENV, str(gone))
    with pytest.raises(FileNotFoundError) as err:
        data.data_source("rte", gone)
    assert f"GLUE directory {gone} (named by $POORMAN_GLUE_DIR) does not exist" in str(err.value)
    assert "--glue-dir" in str(err.value) and "from the Hub" in str(err.value)


def test_hub_path_without_network(monkeypatch):
    calls = []

    def fake_load_dataset(path, config, split):
        calls.append((path, config, split))
        return Dataset.from_dict({"premise": ["p"], "hypothesis": ["h"], "label": [2], "idx": [0], "extra": [1]},
                                 features=Features({**hub_features(get_task("mnli")), "extra": Value("int8")}))

    monkeypatch.setattr(data, "load_dataset", fake_load_dataset)
    ds = load_glue("MNLI", "validation")
    assert calls == [("nyu-mll/glue", "mnli", "validation_matched")]
    assert ds.column_names == ["premise", "hypothesis", "label", "idx"]
    load_glue("mnli-mm", "dev", glue_dir="/ignored", source="hub")
    assert calls[-1] == ("nyu-mll/glue", "mnli", "validation_mismatched")


HUB_ON = os.environ.get("POORMAN_TEST_HUB") == "1" and os.environ.get("HF_HUB_OFFLINE") == "0"


@pytest.mark.skipif(not HUB_ON, reason="needs the Hub: set POORMAN_TEST_HUB=1 HF_HUB_OFFLINE=0")
@pytest.mark.parametrize("name,split", sorted(FULL))
def test_hub_and_tsv_agree(name, split, full_glue):
    tsv, hub = load_glue(name, split, glue_dir=full_glue), load_glue(name, split, source="hub")
    assert tsv.features == hub.features and len(tsv) == len(hub)
    assert tsv["label"] == hub["label"]
    if name != "mrpc":  # MRPC: Hub text is SentEval's tokenised copy, idx counts train+dev rows
        assert tsv["idx"] == hub["idx"]
        for f in get_task(name).text_fields:
            assert tsv[f] == hub[f]
    k = dict(max_examples=50, seed=1)
    assert load_glue(name, split, glue_dir=full_glue, **k)["label"] == load_glue(name, split, source="hub", **k)["label"]


# ----------------------------------------------------------------------------- custom data

@pytest.fixture
def tokenizer():
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] the a man is . dog runs".split()
    return transformers.BertTokenizer(vocab={w: i for i, w in enumerate(words)})


def test_tokenize_pairs_no_padding_and_cache(tmp_path, tokenizer):
    write(tmp_path / "RTE" / "dev.tsv", ["index\tsentence1\tsentence2\tlabel",
                                         "0\tthe man is a man .\tthe dog\tentailment",
                                         "1\ta dog runs\ta man runs the dog runs .\tnot_entailment",
                                         "2\tthe\tthe\tentailment"])
    ds = load_glue("rte", "validation", glue_dir=tmp_path)
    tok = tokenize(ds, tokenizer, "rte", max_length=8)
    assert set(tok.column_names) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
    lengths = [len(x) for x in tok["input_ids"]]
    assert lengths == [8, 8, 5]  # truncated to max_length, not padded
    assert tok["labels"] == [0, 1, 0] and 1 in tok["token_type_ids"][0]
    batch = DataCollatorWithPadding(tokenizer)([tok[i] for i in range(3)])
    assert batch["input_ids"].shape == (3, 8) and batch["labels"].tolist() == [0, 1, 0]
    # A reload of the same rows is fingerprinted the same, so it hits the cache.
    again = tokenize(load_glue("rte", "validation", glue_dir=tmp_path), tokenizer, "rte", max_length=8)
    assert len(data._TOKENIZED) == 1 and again["input_ids"] == tok["input_ids"]
    again.set_format("numpy")  # a view: the cached copy stays plain
    assert tokenize(ds, tokenizer, "rte", 8).format["type"] is None
    tokenize(ds, tokenizer, "rte", max_length=6)
    assert len(data._TOKENIZED) == 2


def _own(frame, text, label_names):
    """A Dataset and Task of your own rows, in memory."""
    task = Task(name="mine", text_fields=(text,), num_labels=len(label_names), label_names=tuple(label_names),
                metrics=("accuracy",), hub_path=None, tsv=None)
    return Dataset.from_pandas(frame.rename(columns={frame.columns[1]: "label"})), task


def test_tokenize_custom_and_missing_field(tokenizer):
    ds, task = _own(pd.DataFrame({"review": ["the dog runs", "a man", "a dog"], "y": [1, 0, 1]}), "review", "ab")
    tok = tokenize(ds, tokenizer, task, max_length=16)
    assert tok["labels"] == [1, 0, 1] and tok["input_ids"][1] == [2, 6, 7, 3]
    with pytest.raises(ValueError, match=r"no column\(s\) \['sentence'\]"):
        tokenize(ds, tokenizer, "sst2")


def test_every_task_has_a_local_layout():
    for t in TASKS.values():
        assert t.tsv.dir and all(t.tsv.file(s).endswith(".tsv") for s in t.splits)


def test_tokenize_cache_tells_tokenizers_apart(tokenizer):
    ds, task = _own(pd.DataFrame({"t": ["the dog", "a man", "a dog"], "y": [0, 1, 1]}), "t", "01")
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] dog a the man is . runs".split()  # same size, other ids
    other = transformers.BertTokenizer(vocab={w: i for i, w in enumerate(words)})
    assert tokenize(ds, tokenizer, task)["input_ids"] != tokenize(ds, other, task)["input_ids"]
    assert len(data._TOKENIZED) == 2
