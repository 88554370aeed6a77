"""The book's set-up is explicit: importing poorman changes nothing in the process; chapter.setup
and palette.style do, and palette.style puts back what it changed."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, os, warnings
import matplotlib as mpl
before = (dict(os.environ), dict(mpl.rcParams), list(warnings.filters))
import poorman.book.chapter, poorman.book.plots, poorman.cli  # noqa: F401
after = (dict(os.environ), dict(mpl.rcParams), list(warnings.filters))
print(json.dumps({"env": sorted(set(after[0].items()) ^ set(before[0].items())),
                  "rc": sorted(k for k in after[1] if str(after[1][k]) != str(before[1][k])),
                  "filters": [[f[0], f[1] and f[1].pattern, f[2].__name__, f[3] and f[3].pattern]
                              for f in after[2] if f not in before[2]]}))
"""


def test_importing_the_book_sets_no_global_state():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    changed = json.loads(out.stdout.strip().splitlines()[-1])
    assert not changed["rc"], f"importing poorman changed matplotlib settings: {changed['rc']}"
    assert not [k for k, _ in changed["env"] if k.startswith(("TQDM", "POORMAN"))], changed["env"]
    ours = [f for f in changed["filters"] if f[0] == "ignore" and ((f[1] is None and f[3] is None) or "IProgress" in str(f[1]))]
    assert not ours, f"importing poorman silences warnings process-wide: {ours}"   # the libraries' own may


def test_palette_style_puts_back_the_callers_settings():
    from poorman.book import palette
    with mpl.rc_context({"font.size": 7.0, "axes.facecolor": "#123456"}):
        with palette.style():
            assert mpl.rcParams["axes.facecolor"] == "white" and mpl.rcParams["font.size"] > 7
        assert mpl.rcParams["font.size"] == 7.0 and mpl.rcParams["axes.facecolor"] == "#123456"


def test_a_figure_leaves_the_callers_settings_alone():
    import pandas as pd
    from poorman.book import plots
    table = pd.DataFrame({"variant": ["full", "top-1"], "strategy": ["none", "top"], "k": [0, 1], "layers": ["2/2", "1/2"],
                          "score": [0.8, 0.7], "ci_low": [0.75, 0.6], "ci_high": [0.85, 0.8], "latency_ms": [2.0, 1.0],
                          "frontier": [True, True]})
    before = dict(mpl.rcParams)
    plots.tradeoff_plot(table)
    assert {k: v for k, v in mpl.rcParams.items() if str(v) != str(before[k])} == {}
