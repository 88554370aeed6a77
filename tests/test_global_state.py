"""No global state at import: importing poorman's modules leaves matplotlib's settings, the
environment and the warning filters alone; figure functions draw in the book's look and restore
the caller's; `--debug` shows the traceback that a user error otherwise hides."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = "datasets, matplotlib.pyplot, pandas, scipy.stats, seaborn, sklearn.metrics, torch, transformers"
CHECK = f"""
import os, warnings
import {LIBRARIES}
import matplotlib as mpl
import tqdm.auto
rc, env, filters = dict(mpl.rcParams), dict(os.environ), list(warnings.filters)
import poorman.cli, poorman.book.chapter, poorman.book.build, poorman.book.plots, poorman.own, poorman.own.commands
import poorman.experiments.sweep, poorman.experiments.store.migrate
assert dict(mpl.rcParams) == rc, sorted(k for k in rc if mpl.rcParams[k] != rc[k])[:5]
changed = {{k for k in set(os.environ) | set(env) if os.environ.get(k) != env.get(k)}}
assert not {{k for k in changed if not k.startswith("TORCH")}}, changed  # torch's lazy imports set their own
added = [f for f in warnings.filters if f not in filters]  # torch and sympy add theirs on lazy imports
ours = [f for f in added if f[2] is Warning or (f[1] is not None and "IProgress" in f[1].pattern)]
assert not ours, ours
"""


def test_importing_poorman_changes_no_global_state():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]


def test_a_figure_is_drawn_in_the_book_s_look_and_the_caller_s_settings_stay():
    import matplotlib.pyplot as plt
    import pandas as pd

    from poorman.book import palette
    from poorman.book.plots import tradeoff_plot
    before = dict(mpl.rcParams)
    table = pd.DataFrame({"variant": ["full", "top-2"], "layers": ["12/12", "10/12"], "strategy": ["none", "top"], "k": [0, 2],
                          "score": [0.9, 0.85], "ci_low": [0.88, 0.83], "ci_high": [0.92, 0.87],
                          "latency_ms": [10.0, 7.0], "frontier": [True, True]})
    fig = tradeoff_plot(table)
    assert fig.dpi == palette.DPI and dict(mpl.rcParams) == before
    plt.close(fig)


def test_build_starts_page_kernels_without_progress_bars(monkeypatch):
    from poorman.book.build import page_environment
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    with page_environment():
        assert os.environ["TQDM_DISABLE"] == "1"
    assert "TQDM_DISABLE" not in os.environ


def test_debug_shows_the_traceback_of_a_user_error(capsys):
    from poorman.cli import main
    with pytest.raises(SystemExit, match="unknown profile 'nope'"):
        main(["sweep", "--profile", "nope", "--dry-run"])
    with pytest.raises(ValueError, match="unknown profile 'nope'"):
        main(["--debug", "sweep", "--profile", "nope", "--dry-run"])
