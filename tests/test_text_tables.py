"""Tables whose cells carry their intervals (poorman.book.text.interval_table, stats.cell_scores)."""

import numpy as np
import pandas as pd

from poorman.book import stats, text


def test_cell_scores_give_each_cell_its_t_interval():
    runs = pd.DataFrame({"k": [2] * 4, "strategy": ["top"] * 3 + ["bottom"], "task": ["sst2"] * 4,
                         "score": [0.90, 0.92, 0.94, 0.5]})
    cells = stats.cell_scores(runs).set_index("strategy")
    half = 4.303 * 0.02 / np.sqrt(3)   # t(0.975, 2) x SD / sqrt(n)
    assert np.isclose(cells.score["top"], 0.92) and np.isclose(cells.score_hi["top"] - 0.92, half, atol=1e-3)
    assert np.isnan(cells.score_lo["bottom"]) and cells.seeds["bottom"] == 1


def test_interval_table_writes_mean_and_interval_in_each_cell():
    frame = pd.DataFrame({"k": [2, 2], "task": ["sst2", "mrpc"], "gain": [0.9, 0.8],
                          "gain_lo": [0.85, np.nan], "gain_hi": [0.95, np.nan]})
    table = text.interval_table(frame, "gain", "k", "task")
    assert table.loc[2, "sst2"] == "90.0 [85.0,\u00a095.0]" and table.loc[2, "mrpc"] == "80.0"
