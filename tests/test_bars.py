"""The baseline bars: one definition, read by chapter 3 and scripts/pilot_table.py."""

from pathlib import Path

from poorman.book import bars

ROOT = Path(__file__).resolve().parents[1]


def test_a_baseline_passes_with_a_lead_over_the_constant_and_steady_seeds():
    assert bars.passes("sst2", [0.91, 0.915, 0.913], constant=0.509)
    assert not bars.passes("sst2", [0.58, 0.585, 0.583], constant=0.509)      # 7.4 points over: short
    assert not bars.passes("mrpc", [0.842, 0.819, 0.863], constant=0.748)     # SD 2.2 points: unsteady
    assert not bars.passes("sst2", [0.91, 0.915], constant=0.509)             # two seeds: too few


def test_stsb_is_held_to_a_level_not_a_lead():
    assert bars.level("stsb", 0.0) == 0.80 and bars.level("rte", 0.527) == 0.527 + 0.08
    assert not bars.passes("stsb", [0.79, 0.79, 0.79], constant=0.0)


def test_the_bars_are_typed_nowhere_else():
    for path in [ROOT / "notebooks" / "03_distilbert.md", ROOT / "scripts" / "pilot_table.py"]:
        text = path.read_text()
        assert "0.015" not in text and "0.08" not in text and "80.0 if" not in text, path.name


def test_cola_has_the_bars_the_inference_issue_set():
    """MCC from 0: at least 0.15 over the constant, a seed SD of at most 0.03 (the pilot: 0.018)."""
    assert bars.passes("cola", [0.552, 0.570, 0.588], constant=0.0)
    assert not bars.passes("cola", [0.10, 0.12, 0.14], constant=0.0)       # under 0.15
    assert not bars.passes("cola", [0.50, 0.57, 0.60], constant=0.0)       # SD 0.05: unsteady
