"""The bad-input catalogue of the `poorman` command line (issue 11), one case each: the exit
status, the message, and that the input model and the output folder are left as they were.

It needs only torch and transformers, so .ci/surgery_tf4.sh runs it under transformers 4.x too.
"""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, BertConfig, GPT2Config

import poorman.cli
from poorman import drop_layers, get_adapter
from poorman.cli import main
from surgery_checks import TINY, build, main_output, make_inputs, skipping, tiny_config



def fingerprint(path):
    """Every file under path with its bytes' hash: equal fingerprints, untouched folder."""
    path = Path(path)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def refused(argv, match):
    """main(argv) stops with a message (exit status 1) matching `match`, no traceback behind it."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    message = exc.value.code
    assert isinstance(message, str), message  # sys.exit(str) prints it and exits with status 1
    assert exc.value.__cause__ is None and (exc.value.__context__ is None or exc.value.__suppress_context__)
    assert re.search(match, message), message
    return message


@pytest.fixture
def no_model_load(monkeypatch):
    """Fail the test if the CLI gets as far as loading weights."""
    def fail(*args, **kwargs):
        raise AssertionError("the model was loaded before the bad input was found")
    monkeypatch.setattr(transformers.PreTrainedModel, "from_pretrained", classmethod(fail))


def layer_count(path):
    return json.loads((Path(path) / "config.json").read_text())["num_hidden_layers"]


def siblings(path):
    """What else lies in the output's parent: partial or set-aside folders must not stay."""
    return sorted(p.name for p in Path(path).parent.iterdir() if p.name != Path(path).name)


# 1. --out: an existing file, an existing folder, --overwrite, and a save that wrote nothing

def test_out_that_is_a_file_is_refused(tiny, tmp_path, no_model_load):
    out = tmp_path / "out"
    out.write_text("not a model")
    refused(["drop", str(tiny), "--k", "2", "--out", str(out)], r"--out .*out: is a file")
    assert out.read_text() == "not a model"


def test_out_that_exists_is_refused_without_overwrite(tiny, tmp_path, no_model_load):
    out = tmp_path / "out"
    shutil.copytree(tiny, out)
    before = fingerprint(out)
    refused(["drop", str(tiny), "--k", "2", "--out", str(out)], "already exists; pass --overwrite")
    assert fingerprint(out) == before


def test_overwrite_replaces_the_folder_whole(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(tiny, out)
    (out / "model.safetensors.index.json").write_text("{}")  # stale files of an older model
    (out / "notes.txt").write_text("old")
    main(["drop", str(tiny), "--k", "2", "--out", str(out), "--overwrite"])
    assert "saved 4-layer model" in capsys.readouterr().out
    assert not (out / "model.safetensors.index.json").exists() and not (out / "notes.txt").exists()
    assert layer_count(out) == 4 and AutoModelForSequenceClassification.from_pretrained(out).config.poorman
    assert siblings(out) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new", "overwrite"])
def test_save_that_writes_nothing_says_so(tiny, tmp_path, monkeypatch, capsys, existing):
    out = tmp_path / "out" if existing else tmp_path / "new" / "out"
    if existing:
        shutil.copytree(tiny, out)
    before = fingerprint(out) if existing else None
    monkeypatch.setattr(transformers.PreTrainedModel, "save_pretrained", lambda self, path, **kw: None)
    refused(["drop", str(tiny), "--k", "2", "--out", str(out), "--overwrite"], "wrote no config.json")
    assert "saved" not in capsys.readouterr().out
    if existing:
        assert fingerprint(out) == before and siblings(out) == []
    else:
        assert not (tmp_path / "new").exists()  # nor the folder made to hold it


# 2. transformers 4.x loaded bf16/fp16 checkpoints as fp32, and saved them so

@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_checkpoint_dtype_is_kept(tiny, tmp_path, dtype):
    half = tmp_path / "half"
    AutoModelForSequenceClassification.from_pretrained(tiny).to(dtype).save_pretrained(half)
    main(["drop", str(half), "--k", "2", "--out", str(tmp_path / "out")])
    with safe_open(tmp_path / "out" / "model.safetensors", "pt") as f:
        saved = {f.get_slice(name).get_dtype() for name in f.keys()}
    assert saved == {{torch.bfloat16: "BF16", torch.float16: "F16"}[dtype]}


# 3. GPT-2 with scale_attn_by_inverse_layer_idx (transformers 4.x sdpa ignores that scale)

def test_gpt2_scaled_drop_equals_the_kept_layers_run_by_hand(tmp_path):
    config = GPT2Config(vocab_size=99, n_embd=32, n_layer=5, n_head=2, n_positions=64, initializer_range=0.1,
                        scale_attn_by_inverse_layer_idx=True, attn_implementation="eager")
    torch.manual_seed(0)
    original = AutoModelForCausalLM.from_config(config).eval()
    original.save_pretrained(tmp_path / "gpt2")
    main(["drop", str(tmp_path / "gpt2"), "--layers", "0", "2", "--out", str(tmp_path / "out")])
    pruned = AutoModelForCausalLM.from_pretrained(tmp_path / "out", attn_implementation="eager").eval()
    inputs = make_inputs(original)
    with skipping(original, [0, 2]):  # layers 1, 3, 4 run with their original 1/(i+1) scales
        by_hand = main_output(original, inputs)
    torch.testing.assert_close(main_output(pruned, inputs), by_hand, atol=1e-5, rtol=1e-4)
    assert not torch.allclose(main_output(original, inputs), by_hand, atol=1e-3)


# 5. a tokenizer that cannot load, and odd config.architectures values

def _tokenizer_import_error(*args, **kwargs):
    raise ImportError("LlamaTokenizer requires the SentencePiece library but it was not found")


def test_tokenizer_import_error_saves_the_model_without_it(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", _tokenizer_import_error)
    main(["drop", str(tiny), "--k", "2", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert "tokenizer does not load (LlamaTokenizer requires the SentencePiece" in captured.err
    assert "saved 4-layer model" in captured.out and layer_count(tmp_path / "out") == 4


def test_tokenizer_import_error_stops_scores_before_the_load(tiny, tmp_path, monkeypatch, no_model_load):
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", _tokenizer_import_error)
    calibration = tmp_path / "texts.txt"
    calibration.write_text("a b c\n")
    refused(["drop", str(tiny), "--strategy", "contribution", "--k", "2", "--calibration", str(calibration),
             "--out", str(tmp_path / "out")], "the scores need .*tokenizer, which does not load: LlamaTokenizer")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("architectures, loaded, note", [
    (None, "BertModel", None),
    ([], "BertModel", None),
    ("BertForSequenceClassification", "BertForSequenceClassification", None),
    (["NoSuchModelClass"], "BertModel", "names no BertConfig model class"),
    ([42], "BertModel", "names no BertConfig model class"),
    (["GPT2LMHeadModel"], "BertModel", "names no BertConfig model class"),
    (["AutoTokenizer"], "BertModel", "names no BertConfig model class"),
])
def test_odd_architectures_fall_back_to_the_bare_model(tiny, tmp_path, capsys, architectures, loaded, note):
    model = tmp_path / "model"
    shutil.copytree(tiny, model)
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "architectures": architectures}))
    main(["info", str(model)])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["class"] == loaded
    assert (f"poorman info: config.architectures is {architectures!r}, which {note}" in captured.err) if note \
        else "architectures" not in captured.err
    main(["drop", str(model), "--k", "2", "--out", str(tmp_path / "out")])
    assert layer_count(tmp_path / "out") == 4


# 6. checks that came late (after the model load) or never

@pytest.mark.parametrize("args, message", [
    (["--k", "6"], r"k must be in 0\.\.5 .*at least one layer must remain"),
    (["--k", "-1"], r"k must be in 0\.\.5"),
    (["--strategy", "contribution", "--k", "9", "--calibration", "x.txt"], r"k must be in 0\.\.5"),
    (["--strategy", "angular", "--k", "2", "--calibration", "no-such-file.txt"], "no-such-file.txt: not a file"),
    (["--layers", "0", "6"], r"layer indices out of range: \[6\]; valid layer indices are 0\.\.5"),
    (["--layers", "1", "--strategy", "top"], "--layers names the layers to drop itself; leave out --strategy"),
    (["--layers", "1", "--k", "2"], "--layers names the layers to drop itself; leave out --k"),
    (["--strategy", "top"], r"say what to drop: --k K \(how many, 0\.\.5.*or --layers"),
    ([], r"say what to drop: --k K"),
    (["--k", "2", "--calibration", "x.txt"], "--calibration is used only by contribution and angular, not by top"),
], ids=["k-too-big", "k-negative", "k-before-scores", "no-calibration-file", "layer-out-of-range",
        "layers-and-strategy", "layers-and-k", "strategy-without-k", "bare-drop", "calibration-unused"])
def test_bad_arguments_fail_before_the_model_loads(tiny, tmp_path, no_model_load, args, message):
    before = fingerprint(tiny)
    refused(["drop", str(tiny), *args, "--out", str(tmp_path / "out")], f"^poorman drop: .*{message}")
    assert not (tmp_path / "out").exists() and fingerprint(tiny) == before


@pytest.mark.parametrize("model_type", sorted(TINY))
def test_depth_read_before_loading_is_the_models(model_type):
    """Adapter.config_depth is what every pre-load range check uses."""
    model = build(model_type)
    adapter = get_adapter(model.config)
    assert adapter.config_depth(tiny_config(model_type)) == adapter.num_layers(model)


def test_empty_calibration_file_fails_before_the_model_loads(tiny, tmp_path, no_model_load):
    calibration = tmp_path / "empty.txt"
    calibration.write_text("\n\n")
    refused(["drop", str(tiny), "--strategy", "angular", "--k", "2", "--calibration", str(calibration),
             "--out", str(tmp_path / "out")], "empty.txt: the file holds no text")


@pytest.mark.parametrize("size", ["0", "-1", "many"])
def test_calibration_size_must_be_at_least_one(tiny, tmp_path, capsys, no_model_load, size):
    with pytest.raises(SystemExit) as exc:
        main(["drop", str(tiny), "--strategy", "angular", "--k", "2", "--calibration", "x.txt",
              "--calibration-size", size, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2  # argparse's usage error
    assert re.search(r"--calibration-size: (must be at least 1|not a whole number)", capsys.readouterr().err)


@pytest.mark.parametrize("command", ["drop", "info"])
def test_missing_local_path_is_not_called_a_repo_id(tmp_path, command):
    extra = ["--k", "1", "--out", str(tmp_path / "out")] if command == "drop" else []
    message = refused([command, str(tmp_path / "no-model-here"), *extra], "no such folder, and not a Hub id")
    assert "Repo id" not in message and not (tmp_path / "out").exists()


def test_folder_without_config_is_not_a_model(tmp_path):
    (tmp_path / "empty").mkdir()
    refused(["info", str(tmp_path / "empty")], r"empty: not a model folder \(it holds no config.json\)")


# issue 9: advice about this repository's scripts belongs to the CLI and the docs, not the library

def test_no_library_message_names_a_script():
    package = Path(poorman.cli.__file__).parent
    naming = [str(p.relative_to(package)) for p in package.rglob("*.py")
              if p.name != "cli.py" and "scripts/" in p.read_text()]
    assert naming == []


def test_a_pruned_tiny_model_matches_drop_layers(tiny, tmp_path):
    """The guard rails change nothing about what a good drop saves."""
    main(["drop", str(tiny), "--layers", "4", "1", "--out", str(tmp_path / "out")])
    pruned = AutoModelForSequenceClassification.from_pretrained(tmp_path / "out").eval()
    ref = drop_layers(AutoModelForSequenceClassification.from_pretrained(tiny).eval(), [1, 4])
    ids = torch.randint(5, 40, (2, 9), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(pruned(ids).logits, ref(ids).logits)


def test_hub_id_missing_offline_says_where_weights_come_from():
    refused(["info", "nobody/no-such-model"],
            r"^poorman info: nobody/no-such-model: cannot be loaded: .*scripts/offline_models\.py")
