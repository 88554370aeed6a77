"""The README's Python blocks run as pasted: offline, in an empty folder."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.M | re.S)


def test_the_readme_has_python_blocks():
    assert BLOCKS


@pytest.mark.real
@pytest.mark.slow  # each block in a fresh process; the own-data block fine-tunes and compares
@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(code, tmp_path):
    from huggingface_hub import try_to_load_from_cache
    for hub_id in re.findall(r'"(sentence-transformers/[\w.-]+)"', code):
        if not isinstance(try_to_load_from_cache(hub_id, "model.safetensors"), str):
            pytest.skip(f"{hub_id} is not in the Hugging Face cache (run scripts/offline_models.py)")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}  # the block sets what it needs
    env["PYTHONPATH"] = os.pathsep.join([str(README.parent), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
