"""A type checker on poorman/core, the run types and the public API's modules (mypy, configured
in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["poorman/core", "poorman/__init__.py", "poorman/experiments/run/spec.py",
           "poorman/experiments/run/finetune.py", "poorman/experiments/run/planning.py",
           "poorman/experiments/store/frame.py", "poorman/own/api.py"]


def test_mypy_finds_no_type_error(tmp_path):
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *CHECKED],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
