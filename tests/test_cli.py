"""The `poorman` command line, in-process through poorman.cli.main, plus one real subprocess."""

import json
import os
import re
import subprocess
import sys

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from poorman import drop_layers, layer_scores, select_layers, weight_scores
from poorman.cli import main

TEXTS = ["the film was great", "a dull, slow mess", "i liked it", "not good at all", "fine"]
PAIRS = [("a man plays guitar", "someone plays music"), ("it rains", "the sun is out")]



@pytest.fixture
def calibration(tmp_path):
    path = tmp_path / "calibration.txt"
    path.write_text("\n".join(TEXTS + ["\t".join(p) for p in PAIRS]) + "\n\n")  # blank lines are skipped
    return path


def load(path):
    return AutoModelForSequenceClassification.from_pretrained(path).eval()


def logits(model, tok):
    with torch.no_grad():
        return model(**tok(TEXTS, padding=True, return_tensors="pt")).logits


def test_strategies_prints_the_paper_example(capsys):
    main(["strategies"])
    out = capsys.readouterr().out
    for expected in ["top", "L=12, K=4 (1-based): drops 9, 10, 11, 12", "drops 1, 2, 3, 4", "drops 6, 8, 10, 12",
                     "drops 5, 7, 9, 11", "drops 5, 6, 7, 8", "needs scores",
                     "param-aggregation", "param-variance",
                     "e.g. poorman drop MODEL --strategy param-variance --k 4 --out DIR"]:
        assert expected in out, expected
    main(["strategies", "--num-layers", "6", "--k", "2"])
    assert "L=6, K=2 (1-based): drops 5, 6" in capsys.readouterr().out


def test_module_entry_point_runs():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "poorman.cli", "strategies"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "L=12, K=4 (1-based): drops 9, 10, 11, 12" in proc.stdout


def test_drop_top(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    main(["drop", str(tiny), "--strategy", "top", "--k", "2", "--out", str(out)])
    assert "dropped layers [4, 5] of 6 (top); saved 4-layer model" in capsys.readouterr().out
    pruned = load(out)  # plain transformers, no poorman involved
    assert pruned.config.num_hidden_layers == 4 and len(pruned.bert.encoder.layer) == 4
    assert pruned.config.poorman == {"original_num_layers": 6, "dropped": [4, 5], "kept": [0, 1, 2, 3],
                                     "strategy": "top"}
    tok = AutoTokenizer.from_pretrained(out)  # the tokenizer travels with it
    ref = drop_layers(load(tiny), [4, 5])
    torch.testing.assert_close(logits(pruned, tok), logits(ref, tok))  # the classification head survived


@pytest.mark.parametrize("strategy, token", [("contribution", "mean"), ("angular", "first")])
def test_drop_by_scores(tiny, tmp_path, calibration, capsys, strategy, token):
    out = tmp_path / "out"
    main(["drop", str(tiny), "--strategy", strategy, "--k", "2", "--calibration", str(calibration),
          "--token", token, "--out", str(out)])
    printed = capsys.readouterr().out
    tok = AutoTokenizer.from_pretrained(tiny)
    scores = layer_scores(load(tiny), TEXTS + PAIRS, tokenizer=tok, token=token, progress=False)
    expected = select_layers(strategy, 6, 2, scores=scores)
    assert f"dropped layers {expected} of 6 ({strategy})" in printed
    assert "layer cosine: " + " ".join(f"{c:.3f}" for c in scores.cosine) in printed
    pruned = load(out)
    assert pruned.config.num_hidden_layers == 4
    assert pruned.config.poorman["dropped"] == expected and pruned.config.poorman["strategy"] == strategy


@pytest.mark.parametrize("strategy", ["param-aggregation", "param-variance"])
def test_drop_by_weights(tiny, tmp_path, capsys, strategy):
    """The parameter-based strategies need no calibration data: the checkpoint's weights choose."""
    out = tmp_path / "out"
    main(["drop", str(tiny), "--strategy", strategy, "--k", "2", "--out", str(out)])
    printed = capsys.readouterr().out
    scores = weight_scores(load(tiny))
    expected = select_layers(strategy, 6, 2, scores=scores)
    assert f"dropped layers {expected} of 6 ({strategy})" in printed
    stat = strategy.split("-")[1]
    assert f"layer weight {stat}: " + " ".join(f"{v:.4g}" for v in getattr(scores, stat)) in printed
    assert load(out).config.poorman["dropped"] == expected


def test_drop_explicit_layers(tiny, tmp_path):
    out = tmp_path / "out"
    main(["drop", str(tiny), "--layers", "3", "0", "--out", str(out)])
    pruned = load(out)
    assert pruned.config.num_hidden_layers == 4
    assert pruned.config.poorman == {"original_num_layers": 6, "dropped": [0, 3], "kept": [1, 2, 4, 5],
                                     "strategy": "manual"}


def test_info(tiny, tmp_path, capsys):
    main(["info", str(tiny)])
    info = json.loads(capsys.readouterr().out)
    assert info["num_layers"] == 6 and info["model_type"] == "bert"
    assert info["class"] == "BertForSequenceClassification"
    assert info["shares_weights"] is False and info["poorman"] is None
    assert info["params"]["total"] == sum(p.numel() for p in load(tiny).parameters())
    main(["drop", str(tiny), "--strategy", "bottom", "--k", "1", "--out", str(tmp_path / "out")])
    capsys.readouterr()
    main(["info", str(tmp_path / "out")])
    info = json.loads(capsys.readouterr().out)
    assert info["num_layers"] == 5 and info["poorman"]["dropped"] == [0]


@pytest.mark.parametrize("args, message", [
    (["--strategy", "top", "--k", "6"], r"poorman drop: k must be in 0\.\.5 .*at least one layer must remain"),
    (["--strategy", "nope", "--k", "1"], "poorman drop: unknown strategy 'nope'; known strategies: top, bottom"),
    (["--strategy", "contribution", "--k", "1"], "--strategy contribution needs --calibration FILE or glue:TASK"),
    (["--strategy", "angular", "--k", "1", "--calibration", "no-such-file.txt"], "no-such-file.txt: not a file"),
    (["--strategy", "alternate-odd", "--k", "4"], "alternate-odd can drop at most 3 of 6"),
    (["--strategy", "param-variance", "--k", "1", "--calibration", "x.txt"],
     "--calibration is used only by contribution and angular, not by param-variance"),
    (["--layers", "0", "6"], r"layer indices out of range: \[6\]"),
    (["--layers", "1", "1"], r"duplicate layer indices: \[1\]"),
])
def test_bad_input_exits_with_a_message(tiny, tmp_path, args, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["drop", str(tiny), *args, "--out", str(out)])
    assert isinstance(exc.value.code, str), exc.value.code  # a message, not a bare status
    # no chained traceback behind the message
    assert exc.value.__cause__ is None and (exc.value.__context__ is None or exc.value.__suppress_context__)
    assert re.search(message, exc.value.code), exc.value.code
    assert not out.exists()  # nothing half-written


def test_missing_model_exits_with_a_message(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["info", str(tmp_path / "no-model-here")])
    assert isinstance(exc.value.code, str) and exc.value.code.startswith("poorman info: ")


MPNET = "sentence-transformers/all-mpnet-base-v2"


@pytest.mark.real
def test_drop_real_mpnet(tmp_path, capsys):
    from huggingface_hub import try_to_load_from_cache
    if not isinstance(try_to_load_from_cache(MPNET, "model.safetensors"), str):
        pytest.skip(f"{MPNET} is not in the Hugging Face cache (run scripts/offline_models.py)")
    out = tmp_path / "mpnet-6"
    main(["drop", MPNET, "--strategy", "top", "--k", "6", "--out", str(out)])
    assert "saved 6-layer model" in capsys.readouterr().out
    model, info = AutoModel.from_pretrained(out, output_loading_info=True)
    assert model.config.num_hidden_layers == 6 and len(model.encoder.layer) == 6
    assert model.config.poorman["dropped"] == [6, 7, 8, 9, 10, 11]
    # the checkpoint's own weights (pooler included) are all there, and no random head was added
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    assert type(model).__name__ == "MPNetModel"
    assert AutoTokenizer.from_pretrained(out)("hello")["input_ids"]


def test_glue_calibration_reads_the_local_copy_as_text_pairs():
    from poorman.cli import _calibration_texts  # from $POORMAN_GLUE_DIR: tests/fixtures/glue
    pairs = _calibration_texts("glue:mrpc", 3)
    assert len(pairs) == 3 and all(isinstance(p, tuple) and len(p) == 2 for p in pairs)
    assert all(isinstance(t, str) for t in _calibration_texts("glue:sst2", 2))
